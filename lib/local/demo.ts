/**
 * The whole feature store on one machine, on real data: what `npm start` runs. Replays a slice
 * of the 2001 flights through Kinesis and the real ingest handler, serves the lookup API, exports
 * a point-in-time training set, sends lookup traffic so inference logs exist, and runs the skew
 * check. Time is simulated: the clock starts at the end of the replayed slice and runs at wall
 * speed, so 2001's values are fresh when served (the core takes the clock as a parameter).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService, getView } from '../registry/query.ts';
import type { RegistryService } from '../registry/types.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import { utcDate } from '../core/inference-log.ts';
import { kinesisPutter } from '../producer/kinesis-aws.ts';
import { putRecords } from '../producer/put-records.ts';
import { runLocalExport } from '../export/run.ts';
import { newExportId } from '../export/export-id.ts';
import type { ExportSummary } from '../export/manifest.ts';
import { parseBaseline } from '../skew/baseline.ts';
import type { SkewBaseline } from '../skew/distribution.ts';
import type { DailySkewCheckResult } from '../skew/run.ts';
import { runLocalSkewCheck } from './skew-check.ts';
import {
  DEMO_VIEWS,
  flightsRecords,
  flightsSpine,
  writeSpine,
  type FlightsSlice,
  type WireRecord,
} from './flights-demo.ts';
import { startLocalIngest, type LocalIngest } from './ingest.ts';
import { startLocalLookup, type LocalLookup } from './lookup.ts';
import { removeLocalEndpoints, writeLocalEndpoints } from './endpoints.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

export interface DemoOptions {
  readonly runtime: RuntimeRegistry;
  readonly dataDir: string;
  /** First replayed day (UTC, YYYY-MM-DD). @default '2001-01-01' */
  readonly startDay?: string;
  /** Days of flights to replay. @default 3 */
  readonly days?: number;
  /** Lookups to send while the day after the replay streams in. @default 500 */
  readonly lookups?: number;
  /** The service the demo trains and serves. @default 'departure_delay_model' */
  readonly service?: string;
  readonly port?: number;
  /** Reports progress: a stage starts, advances, ends. */
  readonly progress?: DemoProgress;
  /** Only flights from these airports (a smaller real day, for tests). @default all */
  readonly origins?: readonly string[];
}

export interface DemoProgress {
  stage(name: string, total?: number): void;
  advance(done: number): void;
  done(summary: string): void;
}

export interface RunningDemo {
  readonly stack: LocalStack;
  readonly ingest: LocalIngest;
  readonly lookup: LocalLookup;
  readonly slice: FlightsSlice;
  readonly clock: () => number;
  readonly replayed: Readonly<Record<string, number>>;
  readonly exportSummary: ExportSummary;
  readonly spineFile: string;
  readonly served: number;
  readonly skew: DailySkewCheckResult;
  readonly skewDate: string;
  /** Stops serving and shuts the stack down. */
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const { runtime } = options;
  const service = getService(runtime.registry, options.service ?? 'departure_delay_model');
  const from = Date.parse(`${options.startDay ?? '2001-01-01'}T00:00:00.000Z`);
  const days = options.days ?? 3;
  const origins = options.origins ? { origins: options.origins } : {};
  const slice: FlightsSlice = { from, to: from + days * DAY_MS, ...origins };
  const time = simulatedClock(slice.to);
  const dataDir = path.resolve(options.dataDir);
  await clearDataDir(dataDir);
  const stack = await startLocalStack({ registry: runtime.registry, dataDir });
  let ingest: LocalIngest | undefined;
  let lookup: LocalLookup | undefined;
  // Every step runs even when one before it fails: Ctrl-C must never leave dynalite or
  // kinesalite running. The first failure is reported once everything is down.
  const stop = async () => {
    const results = await settleInOrder([
      () => lookup?.close(),
      () => ingest?.stop(),
      () => removeLocalEndpoints(dataDir),
      () => stack.stop(),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    await mkdir(path.join(dataDir, 'registry'), { recursive: true });
    await writeFile(
      path.join(dataDir, 'registry', `${runtime.registry.hash}.json`),
      canonicalJson(runtime.registry),
    );
    ingest = await startLocalIngest(stack, { clock: time.clock, batchSize: 10_000 });
    const world: DemoWorld = {
      stack,
      ingest,
      runtime,
      service,
      views: DEMO_VIEWS.filter((v) => service.views.includes(v)),
      dataDir,
      time,
      progress: options.progress ?? silentProgress,
    };
    const replayed = await replayHistory(world, slice, days);
    const { exportSummary, spineFile } = await exportTrainingSet(world, slice);
    lookup = await startLocalLookup({ stack, runtime, clock: time.clock, port: options.port });
    const servedDay: FlightsSlice = { ...slice, from: slice.to, to: slice.to + DAY_MS };
    const served = await serveDay(world, lookup, servedDay, options.lookups ?? 500);
    const skewDate = utcDate(servedDay.from);
    const skew = await checkSkew(world, skewDate, exportSummary);

    // From here on the clock runs, and the API serves whoever calls it.
    time.run();
    ingest.start();
    await writeLocalEndpoints(dataDir, {
      dynamodb: stack.endpoints.dynamodb,
      kinesis: stack.endpoints.kinesis,
      lookup: lookup.url,
      prefix: stack.names.prefix,
      pid: process.pid,
    });
    const { clock } = time;
    return {
      stack,
      ingest,
      lookup,
      slice,
      clock,
      replayed,
      exportSummary,
      spineFile,
      served,
      skew,
      skewDate,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What every stage of the demo works with. */
interface DemoWorld {
  readonly stack: LocalStack;
  readonly ingest: LocalIngest;
  readonly runtime: RuntimeRegistry;
  readonly service: RegistryService;
  /** The demo's views the service reads. */
  readonly views: readonly string[];
  readonly dataDir: string;
  readonly time: SimulatedClock;
  readonly progress: DemoProgress;
}

interface SimulatedClock {
  readonly clock: () => number;
  /** Sets simulated time (while the demo replays and serves). */
  set(ms: number): void;
  /** From now on, time runs at wall speed from where it was set. */
  run(): void;
}

/** Simulated time: set by the replay, then running at wall speed once the demo serves. */
function simulatedClock(start: number): SimulatedClock {
  let simulated = start;
  let runningSince: number | undefined;
  return {
    clock: () => (runningSince === undefined ? simulated : simulated + (Date.now() - runningSince)),
    set: (ms) => void (simulated = ms),
    run: () => void (runningSince = Date.now()),
  };
}

/** A fresh run: the in-memory online store starts empty, so the offline store must too. */
async function clearDataDir(dataDir: string): Promise<void> {
  for (const sub of [
    'offline',
    'inference_log',
    'dead-letter',
    'exports',
    'spines',
    'skew',
    'registry',
  ]) {
    await rm(path.join(dataDir, sub), { recursive: true, force: true });
  }
}

/** Puts each view's records on its stream (the example producer), then drains the ingest. */
async function replay(
  world: DemoWorld,
  records: ReadonlyMap<string, readonly WireRecord[]>,
  onSent?: (n: number) => void,
) {
  let sent = 0;
  for (const [viewName, list] of records) {
    const before = sent;
    await putRecords(kinesisPutter(world.stack.kinesis), list, {
      registry: world.runtime.registry,
      names: world.stack.names,
      view: getView(world.runtime.registry, viewName),
      onProgress: (p) => onSent?.((sent = before + p.sent)),
    });
  }
  return world.ingest.drain();
}

/** 1. History: the example producer → PutRecords → kinesalite → poller → the ingest handler. */
async function replayHistory(
  world: DemoWorld,
  slice: FlightsSlice,
  days: number,
): Promise<Record<string, number>> {
  const { progress } = world;
  const history = await recordsByView(world.stack, world.views, slice);
  const total = [...history.values()].reduce((n, list) => n + list.length, 0);
  progress.stage(
    `replay ${days} day${days === 1 ? '' : 's'} of flights through Kinesis and the ingest handler`,
    total,
  );
  const drained = await replay(world, history, (n) => progress.advance(n));
  const replayed = Object.fromEntries([...history].map(([v, list]) => [v, list.length]));
  progress.done(
    `${total} records (${Object.entries(replayed)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ')}), ` +
      `${drained.invocations} handler invocations, ${drained.delivered} deliveries`,
  );
  return replayed;
}

/** 2. Export a training set: every flight of the last replayed day, labelled "departed late". */
async function exportTrainingSet(
  world: DemoWorld,
  slice: FlightsSlice,
): Promise<{ exportSummary: ExportSummary; spineFile: string }> {
  const { stack, dataDir, runtime, service, progress } = world;
  const clock = world.time.clock;
  const spineFile = path.join(dataDir, 'spines', 'last-day-departures.parquet');
  await mkdir(path.dirname(spineFile), { recursive: true });
  const spineRows = await flightsSpine(stack.duckdb, { ...slice, from: slice.to - DAY_MS });
  await writeSpine(stack.duckdb, spineFile, spineRows);
  progress.stage(`export a point-in-time training set for ${spineRows.length} flights`);
  const exportId = newExportId(service.name, clock(), randomBytes(4).toString('hex'));
  const out = path.join(dataDir, 'exports', `${exportId}.parquet`);
  await mkdir(path.dirname(out), { recursive: true });
  const exportSummary = await runLocalExport(
    { duckdb: stack.duckdb, dataDir, runtime, clock },
    { spineFile, service: service.name, out, timeColumn: 'event_time', exportId },
  );
  progress.done(
    `${exportSummary.rows} rows × ${exportSummary.features} features → ${path.relative(process.cwd(), out)}`,
  );
  return { exportSummary, spineFile };
}

/**
 * 3. Serve the next day hour by hour: lookups at each sampled flight's departure time, then
 *    that hour's records ingested as the hour closes, as a live system would see them. Returns
 *    the vectors served.
 */
async function serveDay(
  world: DemoWorld,
  lookup: LocalLookup,
  day: FlightsSlice,
  lookups: number,
): Promise<number> {
  const { stack, service, progress, time } = world;
  const traffic = await flightsSpine(stack.duckdb, day);
  const wanted = Math.min(lookups, traffic.length);
  const sampled = traffic
    .filter((_, i) => i % Math.max(1, Math.floor(traffic.length / wanted)) === 0)
    .slice(0, wanted);
  const served = await recordsByView(stack, world.views, day);
  progress.stage(
    `serve ${sampled.length} lookups across ${utcDate(day.from)} while its flights stream in`,
    sampled.length,
  );
  const inHour = (hour: number) => (r: WireRecord) =>
    Number(r.event_time) >= hour && Number(r.event_time) < hour + HOUR_MS;
  const keys = service.joinKeys.map((k) => k.name);
  let done = 0;
  for (let hour = day.from; hour < day.to; hour += HOUR_MS) {
    for (const row of sampled.filter(inHour(hour))) {
      time.set(Number(row.event_time));
      await lookupOnce(lookup.url, service.name, keys, row);
      progress.advance(++done);
    }
    time.set(hour + HOUR_MS);
    await replay(world, new Map([...served].map(([v, list]) => [v, list.filter(inHour(hour))])));
  }
  await lookup.inferenceLog.flush();
  progress.done(`${done} vectors served and logged`);
  return done;
}

/** 4. The skew check over that day's inference logs, against the export's training baseline. */
async function checkSkew(
  world: DemoWorld,
  date: string,
  exportSummary: ExportSummary,
): Promise<DailySkewCheckResult> {
  const { service, progress } = world;
  progress.stage(`skew check for ${date}`);
  const baselines = new Map<string, SkewBaseline>([
    [service.name, await readBaseline(exportSummary.baseline)],
  ]);
  const skew = await runLocalSkewCheck({
    dataDir: world.dataDir,
    runtime: world.runtime,
    date,
    services: [service.name],
    baselines,
    clock: world.time.clock,
  });
  progress.done(`${skew.reports.length} report(s), ${skew.alerts.length} alert(s)`);
  return skew;
}

async function recordsByView(
  stack: LocalStack,
  views: readonly string[],
  slice: FlightsSlice,
): Promise<Map<string, WireRecord[]>> {
  const out = new Map<string, WireRecord[]>();
  for (const view of views) out.set(view, await flightsRecords(stack.duckdb, view, slice));
  return out;
}

async function lookupOnce(
  url: string,
  service: string,
  keys: readonly string[],
  row: WireRecord,
): Promise<void> {
  const response = await fetch(`${url}/features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      service,
      entities: [Object.fromEntries(keys.map((k) => [k, row[k]]))],
      request: { scheduled_hour: row.scheduled_hour },
    }),
  });
  if (!response.ok) throw new Error(`lookup failed: ${response.status} ${await response.text()}`);
}

async function readBaseline(file: string): Promise<SkewBaseline> {
  return parseBaseline(JSON.parse(await readFile(file, 'utf8')), file).baseline;
}

const silentProgress: DemoProgress = { stage() {}, advance() {}, done() {} };

async function settleInOrder(
  steps: readonly (() => Promise<unknown> | undefined)[],
): Promise<PromiseSettledResult<unknown>[]> {
  const results: PromiseSettledResult<unknown>[] = [];
  for (const step of steps) {
    try {
      results.push({ status: 'fulfilled', value: await step() });
    } catch (reason) {
      results.push({ status: 'rejected', reason });
    }
  }
  return results;
}
