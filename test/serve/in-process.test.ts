/**
 * One implementation: the same requests served through the Lambda's handler (as the deployed
 * module builds it: the lean DynamoDB client, a buffered log) and through `skewless/lookup`'s
 * `createLookup`, against the same dynalite with the same injected clock, give byte-equal
 * vectors (the handler's body against the in-process response serialized) and byte-equal log
 * rows; bad requests fail with the same message and field. Covered: plain views present,
 * expired at exactly the ttl and missing (defaults), aggregation views (tile merge, empty
 * windows), request transforms, entities with nothing stored, rows sharing an item.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLogRow, type InferenceLogRecord } from '../../lib/core/inference-log.ts';
import { createLookup, LookupInputError, type Lookup } from '../../lib/lookup/index.ts';
import { LOCAL_AWS, type LocalStack } from '../../lib/local/stack.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { createLookupHandler, type LookupHandler } from '../../lib/serve/handler.ts';
import {
  createBufferedSink,
  type InferenceLogSink,
  type InferenceLogWriter,
} from '../../lib/serve/inference-log-sink.ts';
import { itemFor, putItems, runtime, T0, tileItemFor, withStack } from './fixtures.ts';

const HOUR = 3_600_000;
const SERVICE = 'departure_delay_model';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let now = T0;
let requestId = 'req-0';
const logged = { handler: [] as InferenceLogRecord[], inProcess: [] as InferenceLogRecord[] };
let handler: LookupHandler;
let handlerLog: InferenceLogSink;
let inProcess: Lookup;
const leanClient = () => createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb });

function recordingWriter(into: InferenceLogRecord[]): InferenceLogWriter {
  return {
    maxBatchRecords: 500,
    write: async (batch) => (into.push(...batch), { failed: [] }),
  };
}

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  handlerLog = createBufferedSink({ writer: recordingWriter(logged.handler) });
  handler = createLookupHandler({
    runtime,
    dynamodb: dynamoDbReader(leanClient()),
    tableName: stack.onlineTable,
    inferenceLog: handlerLog,
    clock: () => now,
    logFlushTimeoutMs: 1000,
  });
  inProcess = await createLookup({
    registry: { definitions: await import('../../feature_defs/index.ts') },
    tableName: stack.onlineTable,
    ...LOCAL_AWS,
    endpoints: { dynamodb: stack.endpoints.dynamodb },
    clock: () => now,
    overrides: {
      logWriter: recordingWriter(logged.inProcess),
      newRequestId: () => requestId,
    },
  });
  const raw = (delay: number, at: number) => ({ eventTime: at, values: { delay, distance: 337 } });
  await putItems(stack, [
    itemFor(
      'airport_departures',
      { origin: 'SFO' },
      { last_delay: 25, last_destination: 'LAX', last_departed_late: true },
      T0 - 60_000,
    ),
    ...['airport_delays', 'route_delays'].map((view) =>
      tileItemFor(
        view,
        { origin: 'SFO', destination: 'LAX' },
        [raw(20, T0 - 30 * 60_000), raw(10, T0 - 90 * 60_000), raw(30, T0 - 48 * HOUR)],
        T0 - 1,
      ),
    ),
    itemFor(
      'route_flights',
      { origin: 'SFO', destination: 'LAX' },
      { distance: 337, last_delay: 30 },
      T0 - HOUR,
    ),
    // OAK's departures are exactly at their 2 h ttl at T0: expired, the default served.
    itemFor(
      'airport_departures',
      { origin: 'OAK' },
      { last_delay: 5, last_destination: null, last_departed_late: false },
      T0 - 2 * HOUR,
    ),
    // JFK: a raw departure ahead of T0 only (folded later), so every window is empty at T0.
    tileItemFor('airport_delays', { origin: 'JFK', destination: 'BOS' }, [raw(50, T0 + 1)], T0 + 1),
  ]);
}, 60_000);

afterAll(async () => {
  await inProcess?.close();
  await handlerLog?.close();
  await cleanup?.();
});

function apiEvent(body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /features',
    rawPath: '/features',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { requestId, http: { method: 'POST' } },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

type Rows = { origin: string; destination: string }[];

/** The same request both ways: the handler's body text and the in-process response as text. */
async function both(rows: Rows, request?: Record<string, number | null>) {
  const body = request
    ? { service: SERVICE, entities: rows, request }
    : { service: SERVICE, entities: rows };
  const viaHandler = await handler(apiEvent(body), {} as Context);
  let inProcessText: string;
  try {
    inProcessText = JSON.stringify(await inProcess.get(SERVICE, rows, request));
  } catch (error) {
    if (!(error instanceof LookupInputError)) throw error;
    inProcessText = JSON.stringify({
      error: error.field
        ? { message: error.message, field: error.field }
        : { message: error.message },
    });
  }
  return { status: viaHandler.statusCode, handlerText: viaHandler.body!, inProcessText };
}

const ROUTES: Rows = [
  { origin: 'SFO', destination: 'LAX' },
  { origin: 'OAK', destination: 'LAX' },
  { origin: 'JFK', destination: 'BOS' },
  { origin: 'SEA', destination: 'SFO' },
];

describe('the Lambda handler and the in-process lookup', () => {
  it('serve byte-equal vectors: present, expired, missing, tile merges and transforms', async () => {
    now = T0;
    requestId = 'req-fixed';
    const { status, handlerText, inProcessText } = await both(ROUTES, { scheduled_hour: 19 });
    expect(status).toBe(200);
    expect(inProcessText).toBe(handlerText);
    // The cases are the ones named: not every value a default.
    const rows = JSON.parse(inProcessText).rows;
    expect(rows[0].statuses.airport_delays__dep_delay_mean_24h).toBe('present');
    expect(rows[0].values.airport_delays__dep_delay_mean_24h).toBe(15);
    expect(rows[0].values.evening_departure).toBe(true);
    expect(rows[1].statuses.airport_departures__last_delay).toBe('expired');
    expect(rows[2].statuses.airport_delays__flights_24h).toBe('missing');
    expect(rows[3].statuses.route_flights__distance).toBe('missing');
  });

  it('log byte-equal rows for the same requests', async () => {
    await handlerLog.flush();
    await inProcess.close();
    expect(logged.inProcess.length).toBeGreaterThan(0);
    const rowsOf = (records: InferenceLogRecord[]) =>
      records.map((r) => JSON.stringify(encodeLogRow(r)));
    expect(rowsOf(logged.inProcess)).toEqual(rowsOf(logged.handler));
    inProcess = await createLookup({
      registry: { runtime },
      tableName: stack.onlineTable,
      ...LOCAL_AWS,
      endpoints: { dynamodb: stack.endpoints.dynamodb },
      clock: () => now,
      overrides: { logWriter: recordingWriter(logged.inProcess), newRequestId: () => requestId },
    });
  });

  it('agree on random requests and clocks (ages relative to the same clock)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...ROUTES), { minLength: 1, maxLength: 6 }),
        fc.option(fc.integer({ min: 0, max: 23 }), { nil: null }),
        fc.integer({ min: -3 * HOUR, max: 30 * HOUR }),
        async (rows, hour, offset) => {
          now = T0 + offset;
          requestId = `req-${offset}`;
          const { status, handlerText, inProcessText } = await both(rows, { scheduled_hour: hour });
          expect(status).toBe(200);
          expect(inProcessText).toBe(handlerText);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('refuse bad requests with the same message and field', async () => {
    for (const [rows, request] of [
      [[{ origin: 'SFO' }], undefined],
      [[{ origin: 'SFO', destination: 'LAX', gate: 'A1' }], undefined],
      [[{ origin: 'SFO', destination: 'LAX' }], { scheduled_hour: 'late' }],
      [[{ origin: 'SFO', destination: 'LAX' }], { unknown_field: 1 }],
      [[], undefined],
    ] as const) {
      const { status, handlerText, inProcessText } = await both(
        rows as unknown as Rows,
        request as never,
      );
      expect(status).toBe(400);
      expect(inProcessText).toBe(handlerText);
    }
  });

  it('serve the same vectors from the registry document (a JSON file) with the definitions for its transforms', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-registry-doc-'));
    const file = path.join(dir, 'applied-registry.json');
    await writeFile(file, JSON.stringify(runtime.registry));
    const definitions = await import('../../feature_defs/index.ts');
    const fromDocument = await createLookup({
      registry: { document: file, definitions },
      tableName: stack.onlineTable,
      ...LOCAL_AWS,
      endpoints: { dynamodb: stack.endpoints.dynamodb },
      clock: () => now,
      overrides: { logWriter: recordingWriter([]), newRequestId: () => requestId },
    });
    try {
      now = T0;
      requestId = 'req-doc';
      const viaHandler = await handler(
        apiEvent({ service: SERVICE, entities: ROUTES, request: { scheduled_hour: 7 } }),
        {} as Context,
      );
      const served = await fromDocument.get(SERVICE, ROUTES, { scheduled_hour: 7 });
      expect(JSON.stringify(served)).toBe(viaHandler.body);
      await expect(
        createLookup({ registry: { document: file }, tableName: stack.onlineTable, ...LOCAL_AWS }),
      ).rejects.toThrow(
        /service 'departure_delay_model' runs request transform '\w+'.*definitions/,
      );
      await writeFile(file, JSON.stringify({ ...runtime.registry, formatVersion: 99 }));
      await expect(
        createLookup({ registry: { document: file, definitions }, ...LOCAL_AWS }),
      ).rejects.toThrow(/has formatVersion 99/);
    } finally {
      await fromDocument.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
