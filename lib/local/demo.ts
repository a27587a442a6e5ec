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
  const progress = options.progress ?? silentProgress;
  const { runtime } = options;
  const service = getService(runtime.registry, options.service ?? 'departure_delay_model');
  const views = DEMO_VIEWS.filter((v) => service.views.includes(v));
  const from = Date.parse(`${options.startDay ?? '2001-01-01'}T00:00:00.000Z`);
  const days = options.days ?? 3;
  const slice: FlightsSlice = { from, to: from + days * DAY_MS };
  const servedDay: FlightsSlice = { from: slice.to, to: slice.to + DAY_MS };
  // Simulated time: set by the replay, then running at wall speed once the demo serves.
  let simulated = slice.to;
  let runningSince: number | undefined;
  const clock = () =>
    runningSince === undefined ? simulated : simulated + (Date.now() - runningSince);

  // A fresh run: the in-memory online store starts empty, so the offline store must too.
  const dataDir = path.resolve(options.dataDir);
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
    ingest = await startLocalIngest(stack, { clock, batchSize: 10_000 });
    const replay = async (
      records: ReadonlyMap<string, readonly WireRecord[]>,
      onSent?: (n: number) => void,
    ) => {
      let sent = 0;
      for (const [viewName, list] of records) {
        const before = sent;
        await putRecords(kinesisPutter(stack.kinesis), list, {
          registry: runtime.registry,
          names: stack.names,
          view: getView(runtime.registry, viewName),
          onProgress: (p) => onSent?.((sent = before + p.sent)),
        });
      }
      return ingest!.drain();
    };

    // 1. History: the example producer → PutRecords → kinesalite → poller → the ingest handler.
    const history = await recordsByView(stack, views, slice);
    const total = [...history.values()].reduce((n, list) => n + list.length, 0);
    progress.stage(
      `replay ${days} day${days === 1 ? '' : 's'} of flights through Kinesis and the ingest handler`,
      total,
    );
    const drained = await replay(history, (n) => progress.advance(n));
    const replayed = Object.fromEntries([...history].map(([v, list]) => [v, list.length]));
    progress.done(
      `${total} records (${Object.entries(replayed)
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')}), ` +
        `${drained.invocations} handler invocations, ${drained.delivered} deliveries`,
    );

    // 2. Export a training set: every flight of the last replayed day, labelled "departed late".
    const spineFile = path.join(dataDir, 'spines', 'last-day-departures.parquet');
    await mkdir(path.dirname(spineFile), { recursive: true });
    const spineRows = await flightsSpine(stack.duckdb, { from: slice.to - DAY_MS, to: slice.to });
    await writeSpine(stack, spineFile, spineRows);
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

    // 3. Serve the next day hour by hour: lookups at each sampled flight's departure time, then
    //    that hour's records ingested as the hour closes, as a live system would see them.
    lookup = await startLocalLookup({ stack, runtime, clock, port: options.port });
    const traffic = await flightsSpine(stack.duckdb, servedDay);
    const wanted = Math.min(options.lookups ?? 500, traffic.length);
    const sampled = traffic
      .filter((_, i) => i % Math.max(1, Math.floor(traffic.length / wanted)) === 0)
      .slice(0, wanted);
    const served = await recordsByView(stack, views, servedDay);
    progress.stage(
      `serve ${sampled.length} lookups across ${utcDate(servedDay.from)} while its flights stream in`,
      sampled.length,
    );
    let done = 0;
    for (let hour = servedDay.from; hour < servedDay.to; hour += HOUR_MS) {
      for (const row of sampled.filter(
        (r) => Number(r.event_time) >= hour && Number(r.event_time) < hour + HOUR_MS,
      )) {
        simulated = Number(row.event_time);
        await lookupOnce(
          lookup.url,
          service.name,
          service.joinKeys.map((k) => k.name),
          row,
        );
        progress.advance(++done);
      }
      simulated = hour + HOUR_MS;
      await replay(
        new Map(
          [...served].map(([v, list]) => [
            v,
            list.filter(
              (r) => Number(r.event_time) < hour + HOUR_MS && Number(r.event_time) >= hour,
            ),
          ]),
        ),
      );
    }
    await lookup.inferenceLog.flush();
    progress.done(`${done} vectors served and logged`);

    // 4. The skew check over that day's inference logs, against the export's training baseline.
    const skewDate = utcDate(servedDay.from);
    progress.stage(`skew check for ${skewDate}`);
    const baselines = new Map<string, SkewBaseline>([
      [service.name, await readBaseline(exportSummary.baseline)],
    ]);
    const skew = await runLocalSkewCheck({
      dataDir,
      runtime,
      date: skewDate,
      services: [service.name],
      baselines,
      clock,
    });
    progress.done(`${skew.reports.length} report(s), ${skew.alerts.length} alert(s)`);

    // From here on the clock runs, and the API serves whoever calls it.
    runningSince = Date.now();
    ingest.start();
    await writeLocalEndpoints(dataDir, {
      dynamodb: stack.endpoints.dynamodb,
      kinesis: stack.endpoints.kinesis,
      lookup: lookup.url,
      prefix: stack.names.prefix,
      pid: process.pid,
    });
    return {
      stack,
      ingest,
      lookup,
      slice,
      clock,
      replayed,
      exportSummary,
      spineFile,
      served: done,
      skew,
      skewDate,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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

async function writeSpine(
  stack: LocalStack,
  file: string,
  rows: readonly WireRecord[],
): Promise<void> {
  const json = path.join(path.dirname(file), 'spine.jsonl');
  await writeFile(json, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await stack.duckdb.run(
    `COPY (SELECT origin, destination, make_timestamp(event_time::BIGINT * 1000) AS event_time,
                  scheduled_hour::BIGINT AS scheduled_hour, departed_late
           FROM read_json($json, format = 'newline_delimited',
                columns = {origin: 'VARCHAR', destination: 'VARCHAR', event_time: 'DOUBLE', scheduled_hour: 'BIGINT', departed_late: 'BOOLEAN'}))
     TO '${file.replace(/'/g, "''")}' (FORMAT PARQUET)`,
    { json },
  );
  await rm(json);
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
