import { describe, expectTypeOf, it } from 'vitest';
import { departureDelayModel } from '../../feature_defs/flights.ts';
import { createClient, type TypedLookupResponse } from '../../lib/client/index.ts';
import type { FeatureStatus } from '../../lib/core/defaults.ts';
import type { LookupResponse } from '../../lib/serve/types.ts';

const client = createClient({ endpoint: 'http://127.0.0.1:1' });

describe('typed client', () => {
  it('types rows, values, statuses and request from the service definition', () => {
    const result = client.get(departureDelayModel, [{ origin: 'SFO', destination: 'LAX' }], {
      scheduled_hour: 19,
    });
    expectTypeOf(result).resolves.toEqualTypeOf<TypedLookupResponse<typeof departureDelayModel>>();
    type Row = Awaited<typeof result>['rows'][number];
    expectTypeOf<Row['keys']>().toEqualTypeOf<{ origin: string; destination: string }>();
    expectTypeOf<Row['values']['airport_delays__dep_delay_mean_1h']>().toEqualTypeOf<number>();
    expectTypeOf<Row['values']['airport_delays__dep_delay_max_24h']>().toEqualTypeOf<
      number | null
    >();
    expectTypeOf<
      Row['values']['airport_departures__last_departed_late']
    >().toEqualTypeOf<boolean>();
    expectTypeOf<Row['values']['evening_departure']>().toEqualTypeOf<boolean | null>();
    expectTypeOf<Row['statuses']['route_flights__distance']>().toEqualTypeOf<FeatureStatus>();
    expectTypeOf<Row['ages_ms']['route_flights__distance']>().toEqualTypeOf<number | null>();
    // Transform outputs have no status.
    expectTypeOf<Row['statuses']>().not.toHaveProperty('evening_departure');
  });

  it('rejects rows missing a join key, mistyped keys and unknown request fields', () => {
    // @ts-expect-error destination is required
    void client.get(departureDelayModel, [{ origin: 'SFO' }]);
    // @ts-expect-error origin is a string
    void client.get(departureDelayModel, [{ origin: 1, destination: 'LAX' }]);
    // @ts-expect-error no such request field
    void client.get(departureDelayModel, [{ origin: 'SFO', destination: 'LAX' }], { hour: 1 });
  });

  it('falls back to the untyped response when called with a service name', () => {
    expectTypeOf(
      client.get('departure_delay_model', [{ origin: 'SFO' }]),
    ).resolves.toEqualTypeOf<LookupResponse>();
  });
});
