/**
 * `npm run bench -- lookup [iterations]`: the lookup's cost, in three layers.
 * - handler: the real middy handler in-process (validation, plan, decode, resolve, JSON, the
 *   inference-log enqueue), the store stubbed with canned items: 1 entity × 3 views × 20 features.
 * - e2e: an HTTP POST through the local server (API Gateway v2 events) → handler → dynalite.
 * - bare: BatchGetItem of the same 3 keys against the same dynalite, no handler, no HTTP.
 * - in-process: `skewless/lookup` (`createLookup`) in this process against the same dynalite, its
 *   inference log written as JSON lines by the background flush.
 * The same three paths on the flights service with the items the demo builds
 * (`parts/lookup-flights.ts`), the Lambda bundle's cold start (`parts/lookup-cold-start.ts`),
 * store calls per request and the size of the Lambda bundle (esbuild, minified, SDK bundled).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchGetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  field,
  type Field,
} from '../lib/define/index.ts';
import { compileRegistry } from '../lib/registry/compile.ts';
import { encodeEntityKey } from '../lib/core/entity-key.ts';
import { encodeOnlineItem, onlineItemKey, type Item } from '../lib/core/online-item.ts';
import type { RegistryView } from '../lib/registry/types.ts';
import { startLocalStack, LOCAL_AWS } from '../lib/local/stack.ts';
import { startLocalLookup } from '../lib/local/lookup.ts';
import { createLocalInferenceLogWriter } from '../lib/local/inference-log.ts';
import { createLookup } from '../lib/lookup/index.ts';
import type { BatchGetInput, OnlineStoreReader } from '../lib/serve/batch-get.ts';
import { createDynamoDbClient, dynamoDbReader } from '../lib/serve/dynamodb-aws.ts';
import { createLookupHandler } from '../lib/serve/handler.ts';
import { createBufferedSink } from '../lib/serve/inference-log-sink.ts';
import { buildLookupPlans } from '../lib/serve/plan.ts';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { flightsLookupBench } from './parts/lookup-flights.ts';
import { interleaved, keepAlivePoster, summary, time } from './parts/lookup-measure.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NOW = Date.parse('2001-03-01T12:00:00.000Z');

function benchRegistry() {
  const user = defineEntity({ name: 'user', keys: { user_id: 'string' } });
  const makers = [
    () => field.float64({ default: 0 }),
    () => field.int64({ default: 0 }),
    () => field.string(),
    () => field.bool({ default: false }),
  ];
  const views = ['profile', 'activity', 'risk'].map((name) => {
    const features: Record<string, Field> = {};
    for (let i = 0; i < 20; i++) features[`${name}_f${i}`] = makers[i % makers.length]!();
    return defineFeatureView({ name, entities: [user], ttl: '1d', owner: 'bench', features });
  });
  const service = defineFeatureService({ name: 'bench_model', features: views });
  return compileRegistry([user, ...views, service]);
}

function valuesOf(view: RegistryView): Record<string, number | string | boolean> {
  return Object.fromEntries(
    view.features.map((f, i) => [
      f.name,
      f.dtype === 'float64'
        ? i + 0.5
        : f.dtype === 'int64'
          ? i
          : f.dtype === 'bool'
            ? true
            : `v${i}`,
    ]),
  );
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const iterations = Number(args[0] ?? 20_000);
  const e2eIterations = Math.max(200, Math.floor(iterations / 10));
  const coldRuns = Number(args[1] ?? 10);
  const runtime = benchRegistry();
  const views = runtime.registry.featureViews;
  const entity = { user_id: 'u-42' };
  const items: Item[] = views.map((view) =>
    encodeOnlineItem(view, {
      entityKey: encodeEntityKey(view.joinKeys, entity),
      eventTime: NOW - 60_000,
      ingestedAt: NOW - 59_000,
      recordId: 'shard-0:0001',
      values: valuesOf(view),
    }),
  );
  const body = JSON.stringify({ service: 'bench_model', entities: [entity] });

  // ---- handler, in-process, store stubbed ----
  let stubCalls = 0;
  const stub: OnlineStoreReader = {
    async batchGetItem(input: BatchGetInput) {
      stubCalls++;
      const table = Object.keys(input.RequestItems)[0]!;
      return { Responses: { [table]: items } };
    },
  };
  const sink = createBufferedSink({
    writer: { maxBatchRecords: 500, write: async () => ({ failed: [] }) },
  });
  const metricsSeen = { n: 0 };
  const handler = createLookupHandler({
    runtime,
    dynamodb: stub,
    tableName: 'bench-online',
    inferenceLog: sink,
    clock: () => NOW,
    metrics: { addMetric: () => void metricsSeen.n++ },
    // As in Lambda: the log is flushed (here to a no-op writer) before each invocation returns.
    logFlushTimeoutMs: 50,
  });
  const event = (): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: 'POST /features',
      rawPath: '/features',
      rawQueryString: '',
      headers: {},
      requestContext: { requestId: 'bench', http: { method: 'POST' } },
      body,
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;
  const ctx = {} as Context;
  const first = await handler(event(), ctx);
  if (first.statusCode !== 200) throw new Error(`bench lookup failed: ${first.body}`);
  const servedFeatures = Object.keys(JSON.parse(first.body!).rows[0].values).length;
  for (let i = 0; i < 2000; i++) await handler(event(), ctx);
  // Rounds, to show how much a burst of load on the shared machine moves the tail: the
  // headline figures pool every sample; the best round is reported beside them.
  const rounds = 5;
  const perRound = Math.ceil(iterations / rounds);
  const roundSummaries: ReturnType<typeof summary>[] = [];
  const handlerSamples: number[] = [];
  const cpuSamples: number[] = [];
  stubCalls = 0;
  for (let r = 0; r < rounds; r++) {
    const samples: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const cpu = process.cpuUsage();
      samples.push(await time(() => handler(event(), ctx)));
      const used = process.cpuUsage(cpu);
      cpuSamples.push((used.user + used.system) / 1000);
    }
    roundSummaries.push(summary(samples));
    handlerSamples.push(...samples);
  }
  const handlerStoreCalls = stubCalls / (rounds * perRound);
  const bestRound = roundSummaries.reduce((a, b) => (b.p99 < a.p99 ? b : a));
  await sink.close();

  // Plan building happens once per registry; report what a cold start pays for it.
  const planMs = await time(async () => buildLookupPlans(runtime));

  // ---- e2e through the local HTTP server, in-process, bare BatchGetItem: same dynalite ----
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-lookup-'));
  const stack = await startLocalStack({ registry: runtime.registry, dataDir });
  let paths: Awaited<ReturnType<typeof interleaved<'e2e' | 'lean' | 'sdk' | 'inprocess'>>>;
  let storeCallsPerRequest: number;
  let inProcessCallsPerRequest: number;
  try {
    for (const item of items) {
      await stack.dynamodb.send(
        new PutItemCommand({ TableName: stack.onlineTable, Item: item as never }),
      );
    }
    const leanClient = createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb });
    const lean = dynamoDbReader(leanClient);
    const calls = { e2e: 0, inprocess: 0 };
    const counting = (path: keyof typeof calls): OnlineStoreReader => ({
      batchGetItem: (input) => (calls[path]++, lean.batchGetItem(input)),
    });
    const local = await startLocalLookup({
      stack,
      runtime,
      clock: () => NOW,
      overrides: { dynamodb: counting('e2e') },
    });
    const http = keepAlivePoster(local.url);
    // The in-process lookup as a service builds it: its own lean client; the store call counted
    // by a second instance wired to the counting reader.
    const logWriter = createLocalInferenceLogWriter(dataDir);
    const inProcessOptions = {
      registry: { runtime },
      tableName: stack.onlineTable,
      ...LOCAL_AWS,
      endpoints: { dynamodb: stack.endpoints.dynamodb },
      clock: () => NOW,
    };
    const inProcess = await createLookup({ ...inProcessOptions, overrides: { logWriter } });
    const keys = views.map((v) => onlineItemKey(encodeEntityKey(v.joinKeys, entity), v));
    const plan = buildLookupPlans(runtime).services.get('bench_model')!;
    const bareInput = {
      RequestItems: { [stack.onlineTable]: { Keys: keys, ...plan.projection } },
    };
    paths = await interleaved(
      {
        e2e: () => http.post(body),
        lean: () => lean.batchGetItem(bareInput),
        sdk: () => stack.dynamodb.send(new BatchGetItemCommand(bareInput as never)),
        inprocess: () => inProcess.get('bench_model', [entity]),
      },
      e2eIterations,
    );
    const counted = await createLookup({
      ...inProcessOptions,
      overrides: { logWriter, dynamodb: counting('inprocess') },
    });
    calls.e2e = 0;
    for (let i = 0; i < 100; i++) {
      await http.post(body);
      await counted.get('bench_model', [entity]);
    }
    storeCallsPerRequest = calls.e2e / 100;
    inProcessCallsPerRequest = calls.inprocess / 100;
    http.close();
    await local.close();
    await inProcess.close();
    await counted.close();
    await logWriter.close();
    leanClient.destroy();
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const { e2e, lean: bareLean, sdk: bareSdk, inprocess } = paths;

  // ---- the flights service, and the Lambda bundle's cold start on its items ----
  const flights = await flightsLookupBench(e2eIterations, coldRuns);

  // ---- bundle ----
  const bundleKbOf = async (options: Parameters<typeof build>[0]) => {
    const out = await build({
      entryPoints: [path.join(root, 'lambdas/lookup.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      write: false,
      logLevel: 'silent',
      ...options,
    });
    return Math.round((out.outputFiles![0]!.contents.length / 1024) * 10) / 10;
  };
  // CJS runs as-is on Lambda; ESM would need a createRequire banner for the CJS dependencies.
  const bundleKb = await bundleKbOf({ format: 'cjs', target: 'node20' });
  // What lib/cdk/handler-function.ts builds: ESM, ES-module entry points preferred.
  const bundleKbCdk = await bundleKbOf({
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
  });

  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const handlerSummary = summary(handlerSamples);
  const cpuSummary = summary(cpuSamples);
  const bareP99 = Math.min(bareLean.p99, bareSdk.p99);
  return {
    shape: { entities: 1, views: views.length, features_per_view: 20, outputs: servedFeatures },
    iterations: { handler: rounds * perRound, e2e: e2eIterations },
    load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
    handler_p50_ms: handlerSummary.p50,
    handler_p99_ms: handlerSummary.p99,
    handler_p99_best_round_ms: bestRound.p99,
    handler_mean_ms: handlerSummary.mean,
    handler_p99_by_round_ms: roundSummaries.map((r) => r.p99),
    handler_cpu_p50_ms: cpuSummary.p50,
    handler_cpu_p99_ms: cpuSummary.p99,
    handler_store_calls_per_request: handlerStoreCalls,
    e2e_p50_ms: e2e.p50,
    e2e_p99_ms: e2e.p99,
    bare_batchget_p50_ms: Math.min(bareLean.p50, bareSdk.p50),
    bare_batchget_p99_ms: bareP99,
    bare_batchget_lean_client: bareLean,
    bare_batchget_sdk_client: bareSdk,
    e2e_over_bare_p99: Math.round((e2e.p99 / bareP99) * 100) / 100,
    inprocess_p50_ms: inprocess.p50,
    inprocess_p99_ms: inprocess.p99,
    inprocess_over_bare_p99: ratio(inprocess.p99, bareP99),
    inprocess_store_calls_per_request: inProcessCallsPerRequest,
    flights_inprocess_p50_ms: flights.inprocess.p50,
    flights_inprocess_p99_ms: flights.inprocess.p99,
    flights_bare_batchget_p50_ms: flights.bare_batchget.p50,
    flights_bare_batchget_p99_ms: flights.bare_batchget.p99,
    flights_e2e_p50_ms: flights.e2e.p50,
    flights_e2e_p99_ms: flights.e2e.p99,
    flights_inprocess_over_bare_p99: ratio(flights.inprocess.p99, flights.bare_batchget.p99),
    flights: flights,
    ...flights.cold_start,
    store_calls_per_request: storeCallsPerRequest,
    plan_build_ms: Math.round(planMs * 1000) / 1000,
    bundle_kb: bundleKb,
    bundle_kb_cdk_settings: bundleKbCdk,
    goals: {
      store_calls_per_request: storeCallsPerRequest === 1,
      handler_p99_le_0_3_ms: handlerSummary.p99 <= 0.3,
      e2e_p99_le_2x_bare: e2e.p99 <= 2 * bareP99,
      inprocess_p99_le_1_2x_bare: inprocess.p99 <= 1.2 * bareP99,
      flights_inprocess_p99_le_1_2x_bare: flights.inprocess.p99 <= 1.2 * flights.bare_batchget.p99,
      bundle_le_400_kb: bundleKb <= 400,
    },
    notes: [
      'handler_p50/p99_ms: wall clock, all 5 rounds pooled (handler_p99_by_round_ms per round); handler_cpu_* is process CPU time per call (immune to being descheduled on the shared 2-core machine, GC included).',
      'handler: createLookupHandler (middy + error handler + core + JSON + log enqueue), metrics stubbed (Powertools EMF publishing is Lambda wiring), store stubbed, log flushed per call to a no-op writer as in Lambda.',
      'e2e: node:http client (keep-alive) → local server → same handler → lean SigV4 DynamoDB client → dynalite, inference log written as JSON lines; all in one process.',
      'bare_batchget_*: the smaller of the lean client and the SDK v3 DynamoDBClient, same keys and projection.',
      'inprocess_*: createLookup (skewless/lookup) in the bench process, its own lean DynamoDB client, the inference log enqueued and written as JSON lines by the background flush; interleaved in blocks of 50 with e2e and both bare clients. Goal: p99 within 1.2x the bare BatchGetItem p99 (the smaller of the two clients).',
      'flights_*: departure_delay_model (4 views, 2 aggregations, 1 request transform) over the items three days of demo replay build (real ingest handler), one route flown on the last day per lookup; bare = the lean client with the same 4 keys and projection.',
      'cold_*: the Lambda bundle (HANDLER_BUNDLING) in fresh node processes with --enable-source-maps: medians of the import (module init) and the first and second requests against dynalite; Lambda\'s own environment start is not included (README "Latency budget").',
      'bundle: lambdas/lookup.ts with every dependency bundled (no externals); DynamoDB/Firehose via the lean SigV4 client, not SDK clients.',
    ],
  };
}
