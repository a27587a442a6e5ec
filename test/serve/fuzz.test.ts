import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ONLINE_KEY, type Item } from '../../lib/core/online-item.ts';
import type { OnlineStoreReader } from '../../lib/serve/batch-get.ts';
import { createLookupHandler } from '../../lib/serve/handler.ts';
import { createBufferedSink } from '../../lib/serve/inference-log-sink.ts';
import { itemFor, registry, runtime, T0 } from './fixtures.ts';

/** An in-memory store answering BatchGetItem like DynamoDB (found items only). */
function memoryStore(items: readonly Item[]): OnlineStoreReader {
  const byKey = new Map(
    items.map((i) => [`${(i.pk as { S: string }).S}\u0000${(i.sk as { S: string }).S}`, i]),
  );
  return {
    async batchGetItem(input) {
      const [table, request] = Object.entries(input.RequestItems)[0]!;
      const found = request.Keys.map((k) =>
        byKey.get(
          `${(k[ONLINE_KEY.partition] as { S: string }).S}\u0000${(k[ONLINE_KEY.sort] as { S: string }).S}`,
        ),
      ).filter((i): i is Item => i !== undefined);
      return { Responses: { [table]: found } };
    },
  };
}

function event(body: string | undefined, isBase64Encoded: boolean): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /features',
    rawPath: '/features',
    rawQueryString: '',
    headers: {},
    requestContext: { requestId: 'fuzz', http: { method: 'POST' } } as never,
    body,
    isBase64Encoded,
  };
}

const serviceNames = registry.featureServices.map((s) => s.name);
const keyNames = [
  ...new Set(registry.featureServices.flatMap((s) => s.joinKeys.map((k) => k.name))),
];

const keyValue = fc.oneof(
  fc.constantFrom('SFO', 'OAK', 'LAX', ''),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.anything(),
);
const entity = fc.dictionary(fc.oneof(fc.constantFrom(...keyNames), fc.string()), keyValue, {
  maxKeys: 4,
});
const nearlyValid = fc.record(
  {
    service: fc.oneof(fc.constantFrom(...serviceNames), fc.string(), fc.anything()),
    entities: fc.oneof(fc.array(entity, { maxLength: 120 }), fc.anything()),
    request: fc.oneof(
      fc.dictionary(fc.oneof(fc.constant('scheduled_hour'), fc.string()), fc.anything(), {
        maxKeys: 3,
      }),
      fc.anything(),
    ),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const airportCode = fc.oneof(fc.constantFrom('SFO', 'OAK', 'LAX'), fc.string({ minLength: 1 }));
const validBody = fc.record(
  {
    service: fc.constant('departure_delay_model'),
    entities: fc.array(fc.record({ origin: airportCode, destination: airportCode }), {
      minLength: 1,
      maxLength: 100,
    }),
    request: fc.record(
      { scheduled_hour: fc.oneof(fc.integer({ min: -1, max: 30 }), fc.constant(null)) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['service', 'entities'] },
);
const body = fc.oneof(
  { weight: 4, arbitrary: validBody.map((b) => JSON.stringify(b)) },
  { weight: 5, arbitrary: nearlyValid.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v)) },
);

describe('lookup handler fuzzing', () => {
  it('never answers 5xx to 10,000 random bodies', async () => {
    const store = memoryStore([
      itemFor(
        'airport_departures',
        { origin: 'SFO' },
        { last_delay: 3, last_destination: 'LAX', last_departed_late: false },
        T0 - 1000,
      ),
      itemFor(
        'route_flights',
        { origin: 'SFO', destination: 'LAX' },
        { distance: 337, last_delay: 1 },
        T0 - 5000,
      ),
    ]);
    const handler = createLookupHandler({
      runtime,
      dynamodb: store,
      tableName: 'online',
      inferenceLog: createBufferedSink({
        writer: { maxBatchRecords: 500, write: async () => ({ failed: [] }) },
      }),
      clock: () => T0,
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, base64) => {
        const encoded = base64 && text !== undefined ? Buffer.from(text).toString('base64') : text;
        const result = await handler(event(encoded, base64 && text !== undefined), {} as Context);
        const status = result.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, `${status} for ${text} → ${result.body}`).toBeLessThan(500);
        const json = JSON.parse(result.body!);
        if (status === 200) expect(json.rows.length).toBe(JSON.parse(text!).entities.length);
        else expect(typeof json.error.message).toBe('string');
      }),
      { numRuns: 10_000 },
    );
    // The generators must reach the success path too, not only the error paths.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});

describe('lookup handler faults', () => {
  it('answers 500 without internals when the store fails, and counts the fault', async () => {
    const metrics: string[] = [];
    const handler = createLookupHandler({
      runtime,
      dynamodb: {
        batchGetItem: async () => {
          throw new Error('secret table arn:aws:dynamodb:eu-west-1:1:table/x is throttled');
        },
      },
      tableName: 'online',
      inferenceLog: createBufferedSink({
        writer: { maxBatchRecords: 500, write: async () => ({ failed: [] }) },
      }),
      clock: () => T0,
      metrics: { addMetric: (name) => void metrics.push(name) },
      logger: { debug: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const body = JSON.stringify({
      service: 'departure_delay_model',
      entities: [{ origin: 'SFO', destination: 'LAX' }],
    });
    const result = await handler(event(body, false), {} as Context);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body!)).toEqual({ error: { message: 'internal error' } });
    expect(result.body).not.toContain('secret');
    expect(metrics).toContain('LookupFaults');
  });
});

describe('lookup statuses against an oracle', () => {
  it('serves present below the ttl, expired at or past it, missing without an item', async () => {
    // The plain views (aggregation views have no item here: empty windows, `missing`).
    const views = ['airport_departures', 'route_flights'] as const;
    const ttl = Object.fromEntries(registry.featureViews.map((v) => [v.name, v.ttlMs]));
    const stored = fc.record({
      airport_departures: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
      route_flights: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(stored, fc.integer({ min: 0, max: 2 }), async (offsets, ttlShift) => {
        // Each stored item sits within a few ms of its view's ttl edge (or further past it).
        const ages = Object.fromEntries(
          views.map((v) => [
            v,
            offsets[v] === undefined ? undefined : ttl[v]! + offsets[v]! * 10 ** ttlShift,
          ]),
        );
        const items = views.flatMap((v) => {
          if (ages[v] === undefined) return [];
          const keys: Record<string, string> =
            v === 'route_flights' ? { origin: 'SFO', destination: 'LAX' } : { origin: 'SFO' };
          const values: Record<string, number | string | boolean> =
            v === 'airport_departures'
              ? { last_delay: 1, last_destination: 'X', last_departed_late: true }
              : { distance: 4, last_delay: 5 };
          return [itemFor(v, keys, values, T0 - ages[v]!)];
        });
        const handler = createLookupHandler({
          runtime,
          dynamodb: memoryStore(items),
          tableName: 'online',
          inferenceLog: createBufferedSink({
            writer: { maxBatchRecords: 500, write: async () => ({ failed: [] }) },
          }),
          clock: () => T0,
        });
        const body = JSON.stringify({
          service: 'departure_delay_model',
          entities: [{ origin: 'SFO', destination: 'LAX' }],
        });
        const result = await handler(event(body, false), {} as Context);
        const row = JSON.parse(result.body!).rows[0];
        for (const f of registry.featureServices[0]!.features) {
          const age = ages[f.view as (typeof views)[number]];
          const expected =
            age === undefined ? 'missing' : age >= ttl[f.view]! ? 'expired' : 'present';
          expect(row.statuses[f.output]).toBe(expected);
          expect(row.ages_ms[f.output]).toBe(age ?? null);
          if (expected !== 'present') expect(row.values[f.output]).toEqual(f.default);
        }
      }),
      { numRuns: 300 },
    );
  });
});
