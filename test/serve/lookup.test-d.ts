import { describe, expectTypeOf, it } from 'vitest';
import { departureDelayModel } from '../../feature_defs/flights.ts';
import type { LookupClient, TypedLookupResponse } from '../../lib/client/index.ts';
import { createLookup, type Lookup } from '../../lib/lookup/index.ts';

declare const lookup: Lookup;

describe('skewless/lookup', () => {
  it('answers the typed client’s call with the typed client’s vector', () => {
    expectTypeOf(createLookup).returns.resolves.toEqualTypeOf<Lookup>();
    expectTypeOf<Lookup>().toMatchTypeOf<LookupClient>();
    const result = lookup.get(departureDelayModel, [{ origin: 'SFO', destination: 'LAX' }], {
      scheduled_hour: 19,
    });
    expectTypeOf(result).resolves.toEqualTypeOf<TypedLookupResponse<typeof departureDelayModel>>();
    // @ts-expect-error destination is required
    void lookup.get(departureDelayModel, [{ origin: 'SFO' }]);
  });
});
