/**
 * The lookup bench on the flights service (`departure_delay_model`: 4 views, 2 of them
 * aggregations, a request transform), with the items the demo builds: three days of flights
 * replayed as `npm start` replays them (the example producer → PutRecords → kinesalite → the
 * real ingest handler → dynalite). Then, against that dynalite, at the end of the replay, for
 * routes flown on the last day: the in-process lookup (`skewless/lookup`), the bare
 * BatchGetItem of the same 4 keys and projection, and the local HTTP API. Also the read units
 * each lookup costs, by DynamoDB's rules on the whole items read (a projection does not lower
 * them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import * as defs from '../../feature_defs/index.ts';
import { dynamoItemBytes, readUnits, type SizedAttribute } from '../../lib/aws-rules/dynamodb.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { onlineItemKey, type Item } from '../../lib/core/online-item.ts';
import { DEMO_VIEWS, flightsRecords } from '../../examples/flights/data.ts';
import { startLocalIngest } from '../../lib/local/ingest.ts';
import { createLocalInferenceLogWriter } from '../../lib/local/inference-log.ts';
import { startLocalLookup } from '../../lib/local/lookup.ts';
import { LOCAL_AWS, startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { createLookup } from '../../lib/lookup/index.ts';
import { kinesisPutter } from '../../lib/producer/kinesis-aws.ts';
import { putRecords } from '../../lib/producer/put-records.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService, getView } from '../../lib/registry/query.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { buildLookupPlans } from '../../lib/serve/plan.ts';
import { measureColdStart } from './lookup-cold-start.ts';
import { interleaved, keepAlivePoster, summary, type Summary } from './lookup-measure.ts';

const DAY = 86_400_000;
const SERVICE = 'departure_delay_model';

export interface FlightsLookupFigures {
  readonly replayed_records: number;
  readonly routes: number;
  readonly inprocess: Summary;
  readonly bare_batchget: Summary;
  readonly e2e: Summary;
  readonly read_units_per_lookup: Summary;
  /** The Lambda bundle's cold start, serving these lookups (`measureColdStart`). */
  readonly cold_start: Record<string, unknown>;
}

/** Three days of flights through the real ingest handler, as the demo replays them. */
async function replayDemoDays(stack: LocalStack, from: number, to: number): Promise<number> {
  const runtime = registryFromModule(defs);
  // Batches of 1,000 (the poller's default): a shard iterator must be used within 5 minutes.
  const ingest = await startLocalIngest(stack, { clock: () => to, batchSize: 1000 });
  let total = 0;
  for (const view of DEMO_VIEWS) {
    const records = await flightsRecords(stack.duckdb, view, { from, to });
    total += records.length;
    await putRecords(kinesisPutter(stack.kinesis), records, {
      registry: runtime.registry,
      names: stack.names,
      view: getView(runtime.registry, view),
    });
  }
  await ingest.drain();
  await ingest.stop();
  return total;
}

export async function flightsLookupBench(
  iterations: number,
  coldRuns: number,
): Promise<FlightsLookupFigures> {
  const runtime = registryFromModule(defs);
  const registry = runtime.registry;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-lookup-flights-'));
  const stack = await startLocalStack({ registry, dataDir });
  try {
    const from = Date.UTC(2001, 0, 1);
    const to = from + 3 * DAY;
    const replayStarted = performance.now();
    const replayed = await replayDemoDays(stack, from, to);
    console.error(
      `lookup bench: replayed ${replayed} records in ${Math.round((performance.now() - replayStarted) / 1000)} s`,
    );
    const lastDay = await flightsRecords(stack.duckdb, 'route_flights', { from: to - DAY, to });
    const routes = [
      ...new Map(
        lastDay.map((r) => [
          `${r.origin}|${r.destination}`,
          { origin: String(r.origin), destination: String(r.destination) },
        ]),
      ).values(),
    ];
    const service = getService(registry, SERVICE);
    const plan = buildLookupPlans(runtime).services.get(SERVICE)!;
    const keysOf = (route: (typeof routes)[number]): Item[] =>
      service.views.map((name) => {
        const view = getView(registry, name);
        return onlineItemKey(encodeEntityKey(view.joinKeys, route), view);
      });
    const readUnitsOf = await lookupReadUnits(stack, routes.map(keysOf));

    const leanClient = createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb });
    const lean = dynamoDbReader(leanClient);
    const logWriter = createLocalInferenceLogWriter(dataDir);
    const inProcess = await createLookup({
      registry: { runtime },
      tableName: stack.onlineTable,
      ...LOCAL_AWS,
      endpoints: { dynamodb: stack.endpoints.dynamodb },
      clock: () => to,
      overrides: { logWriter },
    });
    const local = await startLocalLookup({ stack, runtime, clock: () => to });
    const http = keepAlivePoster(local.url);
    let n = 0;
    const next = () => routes[n++ % routes.length]!;
    const hour = () => n % 24;
    const figures = await interleaved(
      {
        inprocess: () => inProcess.get(SERVICE, [next()], { scheduled_hour: hour() }),
        bare_batchget: () =>
          lean.batchGetItem({
            RequestItems: { [stack.onlineTable]: { Keys: keysOf(next()), ...plan.projection } },
          }),
        e2e: () => {
          const route = next();
          return http.post(
            JSON.stringify({
              service: SERVICE,
              entities: [route],
              request: { scheduled_hour: hour() },
            }),
          );
        },
      },
      iterations,
    );
    http.close();
    await local.close();
    await inProcess.close();
    await logWriter.close();
    leanClient.destroy();
    const cold_start = await measureColdStart(
      {
        dynamodbEndpoint: stack.endpoints.dynamodb,
        prefix: stack.names.prefix,
        onlineTable: stack.onlineTable,
        body: JSON.stringify({
          service: SERVICE,
          entities: [routes[0]],
          request: { scheduled_hour: 18 },
        }),
      },
      coldRuns,
    );
    return {
      cold_start,
      replayed_records: replayed,
      routes: routes.length,
      ...figures,
      read_units_per_lookup: summary(readUnitsOf),
    };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Read units of each route's lookup: BatchGetItem bills each item read by its whole size
 * rounded up to 4 KB, halved for an eventually consistent read; a key with no item still costs
 * the minimum (half a unit), as DynamoDB bills a read of an item that does not exist.
 */
async function lookupReadUnits(stack: LocalStack, lookups: readonly Item[][]): Promise<number[]> {
  const out: number[] = [];
  for (const keys of lookups) {
    const res = await stack.dynamodb.send(
      new BatchGetItemCommand({ RequestItems: { [stack.onlineTable]: { Keys: keys as never } } }),
    );
    const items = (res.Responses?.[stack.onlineTable] ?? []) as Record<string, SizedAttribute>[];
    const found = items.reduce(
      (sum, item) => sum + readUnits(dynamoItemBytes(item), 'eventual'),
      0,
    );
    out.push(found + (keys.length - items.length) * readUnits(0, 'eventual'));
  }
  return out;
}
