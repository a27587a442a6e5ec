import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departureDelayModel } from '../../feature_defs/flights.ts';
import { createClient, LookupRequestError, regionOfHost } from '../../lib/client/index.ts';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import type { LocalStack } from '../../lib/local/stack.ts';
import { itemFor, putItems, runtime, T0, withStack } from './fixtures.ts';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let lookup: LocalLookup;

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  lookup = await startLocalLookup({ stack, runtime, clock: () => T0 });
  await putItems(stack, [
    itemFor(
      'route_flights',
      { origin: 'SFO', destination: 'LAX' },
      { distance: 337, last_delay: 4 },
      T0 - 1000,
    ),
  ]);
});

afterAll(async () => {
  await lookup?.close();
  await cleanup?.();
});

describe('createClient against the local server', () => {
  it('returns the typed vector of a service', async () => {
    const client = createClient({ endpoint: lookup.url });
    const { rows, service } = await client.get(
      departureDelayModel,
      [{ origin: 'SFO', destination: 'LAX' }],
      { scheduled_hour: 19 },
    );
    expect(service).toBe('departure_delay_model');
    const distance: number | null = rows[0]!.values.route_flights__distance;
    expect(distance).toBe(337);
    expect(rows[0]!.statuses.route_flights__distance).toBe('present');
    expect(rows[0]!.ages_ms.route_flights__distance).toBe(1000);
    expect(rows[0]!.values.evening_departure).toBe(true);
  });

  it('throws a LookupRequestError carrying the status and the field for a bad request', async () => {
    const client = createClient({ endpoint: `${lookup.url}/` });
    const error = await client.get('departure_delay_model', [{ origin: 'SFO' }]).catch((e) => e);
    expect(error).toBeInstanceOf(LookupRequestError);
    expect(error.status).toBe(400);
    expect(error.field).toBe('entities[0].destination');
    expect(error.requestId).toEqual(expect.any(String));
  });

  it('signs requests with SigV4 for execute-api when given credentials', async () => {
    let seen: Record<string, string> = {};
    const client = createClient({
      endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      fetch: async (_url, init) => {
        seen = init!.headers as Record<string, string>;
        return new Response(JSON.stringify({ rows: [] }), { status: 200 });
      },
    });
    await client.get('s', [{ id: 1 }]);
    expect(seen.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
    );
    expect(seen['x-amz-content-sha256'] ?? seen['x-amz-date']).toBeDefined();
    expect(regionOfHost('x.execute-api.us-east-2.amazonaws.com')).toBe('us-east-2');
  });
});
