import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../lib/local/stack.ts';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import { asLoggedText, readLocalLog, withoutNulls } from './read-log.ts';
import type { OnlineStoreReader } from '../../lib/serve/batch-get.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { LOCAL_AWS } from '../../lib/local/stack.ts';
import { itemFor, postJson, putItems, runtime, T0, tileItemFor, withStack } from './fixtures.ts';

const HOUR = 3_600_000;
const SERVICE = 'departure_delay_model';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let lookup: LocalLookup;
let calls = 0;
let keysPerCall: number[] = [];
let unprocessedOnce = false;

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  const reader = dynamoDbReader(
    createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }),
  );
  // Counts calls, and can hold back half the keys once, as a throttled DynamoDB does.
  const counting: OnlineStoreReader = {
    async batchGetItem(input) {
      calls++;
      const [table, request] = Object.entries(input.RequestItems)[0]!;
      keysPerCall.push(request.Keys.length);
      if (unprocessedOnce && request.Keys.length > 1) {
        unprocessedOnce = false;
        const half = Math.ceil(request.Keys.length / 2);
        const out = await reader.batchGetItem({
          RequestItems: { [table]: { ...request, Keys: request.Keys.slice(0, half) } },
        });
        return {
          ...out,
          UnprocessedKeys: { [table]: { ...request, Keys: request.Keys.slice(half) } },
        };
      }
      return reader.batchGetItem(input);
    },
  };
  lookup = await startLocalLookup({
    stack,
    runtime,
    clock: () => T0,
    overrides: { dynamodb: counting, batchGet: { sleep: async () => undefined } },
  });

  await putItems(stack, [
    // SFO: departures fresh, hourly exactly at its 3h ttl (expired); route present.
    itemFor(
      'airport_departures',
      { origin: 'SFO' },
      { last_delay: 25, last_destination: 'LAX', last_departed_late: true },
      T0 - 60_000,
    ),
    // SFO's raw departures, folded into the aggregation views' tile items by the ingest fold.
    ...['airport_delays', 'route_delays'].map((view) =>
      tileItemFor(
        view,
        { origin: 'SFO', destination: 'LAX' },
        [
          { eventTime: T0 - 30 * 60_000, values: { delay: 20, distance: 337 } },
          { eventTime: T0 - 90 * 60_000, values: { delay: 10, distance: 337 } },
          { eventTime: T0 - 48 * HOUR, values: { delay: 30, distance: 337 } },
        ],
        T0 - 1,
      ),
    ),
    itemFor(
      'route_flights',
      { origin: 'SFO', destination: 'LAX' },
      { distance: 337, last_delay: 30 },
      T0 - HOUR,
    ),
    // OAK: departures 1 ms inside their 2h ttl (present), no raw departures (empty windows).
    itemFor(
      'airport_departures',
      { origin: 'OAK' },
      { last_delay: 5, last_destination: null, last_departed_late: false },
      T0 - 2 * HOUR + 1,
    ),
  ]);
});

afterAll(async () => {
  await lookup?.close();
  await cleanup?.();
});

describe('POST /features on the local stack', () => {
  it('serves stored values with their status and age, and defaults for missing and expired', async () => {
    calls = 0;
    const { status, json } = await postJson(lookup.url, {
      service: SERVICE,
      entities: [{ origin: 'SFO', destination: 'LAX' }],
      request: { scheduled_hour: 19 },
    });
    expect(status).toBe(200);
    expect(json.service).toBe(SERVICE);
    expect(json.registry_hash).toBe(runtime.registry.hash);
    expect(json.served_at).toBe(new Date(T0).toISOString());
    expect(typeof json.request_id).toBe('string');
    const [row] = json.rows;
    expect(row.keys).toEqual({ origin: 'SFO', destination: 'LAX' });
    expect(row.values).toEqual({
      airport_departures__last_delay: 25,
      airport_departures__last_destination: 'LAX',
      airport_departures__last_departed_late: true,
      // Windows at T0 (tiles: 5 min under 12 h, 1 h under 12 d): 1h holds the 20, 24h the 20
      // and the 10, 7d all three.
      airport_delays__dep_delay_mean_1h: 20,
      airport_delays__dep_delay_mean_24h: 15,
      airport_delays__flights_24h: 2,
      airport_delays__dep_delay_max_24h: 20,
      airport_delays__flights_7d: 3,
      airport_delays__late_7d: 2,
      route_delays__flights_7d: 3,
      route_delays__dep_delay_mean_7d: 20,
      route_flights__distance: 337,
      route_flights__last_delay: 30,
      evening_departure: true,
      delay_above_hourly_mean: 5,
      late_share_7d: 2 / 3,
    });
    expect(row.statuses).toEqual({
      airport_departures__last_delay: 'present',
      airport_departures__last_destination: 'present',
      airport_departures__last_departed_late: 'present',
      airport_delays__dep_delay_mean_1h: 'present',
      airport_delays__dep_delay_mean_24h: 'present',
      airport_delays__flights_24h: 'present',
      airport_delays__dep_delay_max_24h: 'present',
      airport_delays__flights_7d: 'present',
      airport_delays__late_7d: 'present',
      route_delays__flights_7d: 'present',
      route_delays__dep_delay_mean_7d: 'present',
      route_flights__distance: 'present',
      route_flights__last_delay: 'present',
    });
    expect(row.ages_ms.airport_departures__last_delay).toBe(60_000);
    // An aggregate's age: that of the newest event in its window.
    expect(row.ages_ms.airport_delays__flights_7d).toBe(30 * 60_000);
    expect(row.ages_ms.route_flights__distance).toBe(HOUR);
    expect(calls).toBe(1);
  });

  it('reports present at ttl - 1 ms, missing with no item, and the default for a stored null', async () => {
    const { status, json } = await postJson(lookup.url, {
      service: SERVICE,
      entities: [{ origin: 'OAK', destination: 'SJC' }],
    });
    expect(status).toBe(200);
    const [row] = json.rows;
    expect(row.statuses.airport_departures__last_delay).toBe('present');
    expect(row.ages_ms.airport_departures__last_delay).toBe(2 * HOUR - 1);
    expect(row.values.airport_departures__last_destination).toBeNull();
    // Empty windows: count 0, mean the default, max null; `missing`, with no age.
    expect(row.statuses.airport_delays__dep_delay_mean_1h).toBe('missing');
    expect(row.values.airport_delays__dep_delay_mean_1h).toBe(0);
    expect(row.values.airport_delays__flights_24h).toBe(0);
    expect(row.values.airport_delays__dep_delay_max_24h).toBeNull();
    expect(row.ages_ms.airport_delays__flights_24h).toBeNull();
    expect(row.values.late_share_7d).toBeNull();
    expect(row.statuses.route_flights__distance).toBe('missing');
    expect(row.ages_ms.route_flights__distance).toBeNull();
    expect(row.values.route_flights__last_delay).toBe(0);
    // No scheduled_hour sent: the transform sees null.
    expect(row.values.evening_departure).toBeNull();
    expect(row.values.delay_above_hourly_mean).toBe(5);
  });

  it('reads every row of a request in one BatchGetItem call, sharing items between rows', async () => {
    calls = 0;
    keysPerCall = [];
    const { status, json } = await postJson(lookup.url, {
      service: SERVICE,
      entities: [
        { origin: 'SFO', destination: 'LAX' },
        { origin: 'SFO', destination: 'SEA' },
        { origin: 'OAK', destination: 'LAX' },
      ],
    });
    expect(status).toBe(200);
    expect(json.rows).toHaveLength(3);
    expect(json.rows[1].values.airport_departures__last_delay).toBe(25);
    expect(calls).toBe(1);
    // 2 airports × 2 airport views + 3 routes × 2 route views, plain and aggregated alike.
    expect(keysPerCall).toEqual([10]);
  });

  it('splits more than 100 keys into parallel chunks of at most 100', async () => {
    calls = 0;
    keysPerCall = [];
    const entities = Array.from({ length: 100 }, (_, i) => ({
      origin: `A${i}`,
      destination: 'LAX',
    }));
    entities[0] = { origin: 'SFO', destination: 'LAX' };
    const { status, json } = await postJson(lookup.url, { service: SERVICE, entities });
    expect(status).toBe(200);
    expect(json.rows).toHaveLength(100);
    expect(json.rows[0].values.route_flights__distance).toBe(337);
    expect(json.rows[99].statuses.airport_departures__last_delay).toBe('missing');
    // 100 rows × 4 views: 400 keys, in chunks of 100.
    expect(calls).toBe(4);
    expect([...keysPerCall].sort((a, b) => a - b)).toEqual([100, 100, 100, 100]);
  });

  it('retries the keys DynamoDB leaves unprocessed', async () => {
    calls = 0;
    unprocessedOnce = true;
    const { status, json } = await postJson(lookup.url, {
      service: SERVICE,
      entities: [{ origin: 'SFO', destination: 'LAX' }],
    });
    expect(status).toBe(200);
    expect(calls).toBe(2);
    expect(json.rows[0].values.route_flights__distance).toBe(337);
    expect(json.rows[0].statuses.airport_departures__last_delay).toBe('present');
  });

  it.each([
    [
      'an unknown service',
      { service: 'nope', entities: [{ origin: 'SFO' }] },
      /Unknown service 'nope'/,
    ],
    [
      'a missing key',
      { service: SERVICE, entities: [{ origin: 'SFO' }] },
      /entities\[0\]: missing join key 'destination'/,
    ],
    [
      'an extra key',
      { service: SERVICE, entities: [{ origin: 'SFO', destination: 'LAX', gate: 'A1' }] },
      /'gate' is not a join key/,
    ],
    [
      'a wrongly typed key',
      { service: SERVICE, entities: [{ origin: 7, destination: 'LAX' }] },
      /join key 'origin' must be a non-empty string/,
    ],
    [
      'too many entities',
      {
        service: SERVICE,
        entities: Array.from({ length: 101 }, () => ({ origin: 'SFO', destination: 'LAX' })),
      },
      /more than 100 entity rows/,
    ],
    ['no entities', { service: SERVICE, entities: [] }, /at least one entity row/],
    [
      'an unknown request field',
      { service: SERVICE, entities: [{ origin: 'SFO', destination: 'LAX' }], request: { hour: 1 } },
      /request field 'hour'/,
    ],
    [
      'a wrongly typed request field',
      {
        service: SERVICE,
        entities: [{ origin: 'SFO', destination: 'LAX' }],
        request: { scheduled_hour: 'x' },
      },
      /scheduled_hour/,
    ],
    [
      'an unknown top-level field',
      { service: SERVICE, entities: [{ origin: 'SFO', destination: 'LAX' }], extra: 1 },
      /unknown field\(s\) 'extra'/,
    ],
    [
      'an own __proto__ key in a row',
      `{"service":"${SERVICE}","entities":[{"origin":"SFO","destination":"LAX","__proto__":{}}]}`,
      /'__proto__' is not a join key/,
    ],
    ['a body that is not JSON', '{"service": ', /not valid JSON/],
    [
      'a body over 64 KiB',
      JSON.stringify({
        service: SERVICE,
        entities: [{ origin: 'x'.repeat(70_000), destination: 'LAX' }],
      }),
      /larger than 65536 bytes/,
    ],
  ])('answers 400 naming the problem for %s', async (_name, body, message) => {
    const { status, json } = await postJson(lookup.url, body);
    expect(status).toBe(400);
    expect(json.error.message).toMatch(message);
  });

  it('answers health checks, 404 for unknown routes and 405 for other methods', async () => {
    expect((await fetch(`${lookup.url}/health`)).status).toBe(200);
    expect((await fetch(`${lookup.url}/nope`)).status).toBe(404);
    const get = await fetch(`${lookup.url}/features`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('logs every served vector exactly as it was served, readable by DuckDB', async () => {
    const served = [];
    for (const hour of [7, 21]) {
      const { json } = await postJson(lookup.url, {
        service: SERVICE,
        entities: [
          { origin: 'SFO', destination: 'LAX' },
          { origin: 'OAK', destination: 'SJC' },
        ],
        request: { scheduled_hour: hour },
      });
      served.push(json);
    }
    await lookup.inferenceLog.flush();
    const logged = await readLocalLog(stack.duckdb, stack.dataDir);
    for (const response of served) {
      for (const [r, row] of response.rows.entries()) {
        const rec = logged.find((l) => l.request_id === response.request_id && l.row === r);
        expect(rec, `log of ${response.request_id} row ${r}`).toBeDefined();
        expect(rec!.served_at).toBe(response.served_at);
        expect(rec!.served_date).toBe('2001-03-01');
        expect(rec!.registry_hash).toBe(response.registry_hash);
        // As text (null values left out), the way the skew check reads them back.
        expect(rec!.keys).toEqual(asLoggedText(row.keys));
        expect(rec!.values).toEqual(asLoggedText(row.values));
        expect(rec!.statuses).toEqual(asLoggedText(row.statuses));
        expect(rec!.ages_ms).toEqual(withoutNulls(row.ages_ms));
        expect(rec!.request.scheduled_hour).toBe(response === served[0] ? '7' : '21');
      }
    }
  });
});
