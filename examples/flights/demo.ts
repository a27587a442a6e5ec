/**
 * The flights example end to end, on the local feature store that `skewless dev` runs (its
 * endpoints and control URL written, so `skewless get/push/export/skew-check` in another shell
 * reach it): what `npm start` runs. Its steps, in order (`DEMO_STEPS`):
 *
 * 1. replay the history of 2001's flights through Kinesis and the real ingest handler;
 * 2. export a point-in-time training set for the last replayed day, with its baseline;
 * 3. serve the next day (lookups while its flights stream in, on time), then check it: clean;
 * 4. serve the day after with an incident planted (`incident.ts`), then check it: named;
 * 5. replay the clean day under the candidate shipped with the example (`candidate.ts`,
 *    `skewless plan --replay`): what a 14-day `late_7d` would have served.
 *
 * Time is simulated: the clock is set by the steps (so 2001's values are fresh when served),
 * then runs at wall speed from the end of the last served day while the store keeps serving.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { getService, getView, viewsOfStream } from '../../lib/registry/query.ts';
import type { RegistryService } from '../../lib/registry/types.ts';
import { utcDate } from '../../lib/core/inference-log.ts';
import { runLocalExport } from '../../lib/export/run.ts';
import { newExportId } from '../../lib/export/export-id.ts';
import type { ExportSummary } from '../../lib/export/manifest.ts';
import { parseBaseline } from '../../lib/skew/baseline.ts';
import type { DailySkewCheckResult } from '../../lib/skew/run.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';
import type { LocalFeatureStore } from '../../lib/local/store.ts';
import { startDevSession, type DevSession } from '../../lib/cli/commands/dev.ts';
import {
  DEMO_VIEWS,
  flightsRecords,
  flightsSpine,
  writeSpine,
  type FlightsSlice,
  type WireRecord,
} from './data.ts';
import { INCIDENT, type PlantedIncident } from './incident.ts';
import { serveDay } from './serve.ts';
import { replayCandidate, type CandidateReplay } from './candidate.ts';

export interface DemoOptions {
  readonly runtime: RuntimeRegistry;
  /** The definitions folder (the catalog reads its applied registry). @default 'feature_defs' */
  readonly defs?: string;
  readonly dataDir: string;
  /** First replayed day (UTC, YYYY-MM-DD). @default DEFAULT_START */
  readonly startDay?: string;
  /** Days of flights replayed; the last is the training day. @default 8 */
  readonly days?: number;
  /** Lookups sent on each served day. @default 500 */
  readonly lookups?: number;
  /** The service the demo trains and serves. @default 'departure_delay_model' */
  readonly service?: string;
  readonly port?: number;
  /** Reports progress: a stage starts, advances, ends. */
  readonly progress?: DemoProgress;
  /** Only flights from these airports (a smaller real day, for tests). @default all */
  readonly origins?: readonly string[];
}

/**
 * Trained on Tuesday 3 April 2001, served Wednesday 4 April, the incident on Thursday 5 April:
 * of the working days of January to April 2001, the pair whose airport delays (their 1 h and
 * 24 h means, 24 h maxima, 7-day counts and late shares) differ least, so the clean day is clean
 * of the weather too (its check: no drift past threshold and noise). Eight days replayed fill the
 * 7-day windows before the training day, so training and serving see full windows alike.
 */
export const DEFAULT_START = '2001-03-27';
export const DEFAULT_DAYS = 8;

export interface DemoProgress {
  stage(name: string, total?: number): void;
  advance(done: number): void;
  done(summary: string): void;
}

/** One served day and its check. */
export interface ServedDay {
  readonly kind: 'clean' | 'incident';
  readonly date: string;
  readonly served: number;
  /** What was planted (the incident day only). */
  readonly planted?: PlantedIncident;
  readonly skew: DailySkewCheckResult;
}

/** What the steps leave: each reads what the ones before it wrote. */
export interface DemoResults {
  replayed?: Readonly<Record<string, number>>;
  training?: { readonly exportSummary: ExportSummary; readonly spineFile: string };
  readonly days: ServedDay[];
  /** The last step: the clean day replayed under the candidate shipped with the example. */
  replay?: CandidateReplay;
}

/** What every step works with. */
export interface DemoWorld {
  readonly store: LocalFeatureStore;
  readonly runtime: RuntimeRegistry;
  readonly service: RegistryService;
  /** The demo's views the service reads (an event stream is pushed through its first view). */
  readonly views: readonly string[];
  readonly dataDir: string;
  /** The replayed slice; its last day is the training day. */
  readonly slice: FlightsSlice;
  readonly lookups: number;
  readonly time: SimulatedClock;
  readonly progress: DemoProgress;
  readonly results: DemoResults;
}

export interface DemoStep {
  readonly name: string;
  run(world: DemoWorld): Promise<void>;
}

/** The demo, step by step: what `npm start` runs, in this order. */
export const DEMO_STEPS: readonly DemoStep[] = [
  { name: 'replay the history', run: replayHistory },
  { name: 'export a training set', run: exportTrainingSet },
  { name: 'serve a clean day and check it', run: (world) => serveAndCheck(world, 'clean') },
  {
    name: 'serve a day with an incident and check it',
    run: (world) => serveAndCheck(world, 'incident'),
  },
  {
    name: 'replay the clean day under a candidate change (plan --replay)',
    run: async (world) => {
      world.results.replay = await replayCandidate(world);
    },
  },
];

export interface RunningDemo {
  readonly session: DevSession;
  readonly store: LocalFeatureStore;
  readonly slice: FlightsSlice;
  readonly clock: () => number;
  readonly results: DemoResults;
  /** Stops serving and shuts the store (and its catalog) down. */
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export async function runDemo(
  options: DemoOptions,
  steps: readonly DemoStep[] = DEMO_STEPS,
): Promise<RunningDemo> {
  const { runtime } = options;
  const service = getService(runtime.registry, options.service ?? 'departure_delay_model');
  const from = Date.parse(`${options.startDay ?? DEFAULT_START}T00:00:00.000Z`);
  const origins = options.origins ? { origins: options.origins } : {};
  const slice = { from, to: from + (options.days ?? DEFAULT_DAYS) * DAY_MS, ...origins };
  const time = simulatedClock(slice.to);
  const dataDir = path.resolve(options.dataDir);
  const session = await startDevSession({
    runtime,
    defs: options.defs ?? 'feature_defs',
    data: dataDir,
    port: options.port,
    // A fresh run: the in-memory online store starts empty, so the offline store must too.
    beforeStart: () => clearDataDir(dataDir),
    // Offline rows are written when a step syncs (each day's end), not every second.
    store: { clock: time.clock, ingestBatchSize: 10_000, flushMs: 60_000 },
  });
  const world: DemoWorld = {
    store: session.store,
    runtime,
    service,
    views: DEMO_VIEWS.filter((v) => service.views.includes(v)),
    dataDir,
    slice,
    lookups: options.lookups ?? 500,
    time,
    progress: options.progress ?? silentProgress,
    results: { days: [] },
  };
  try {
    for (const step of steps) await step.run(world);
  } catch (error) {
    await session.stop();
    throw error;
  }
  // From here on the clock runs, and the API serves whoever calls it.
  time.run();
  const { clock } = time;
  return {
    session,
    store: session.store,
    slice,
    clock,
    results: world.results,
    stop: session.stop,
  };
}

interface SimulatedClock {
  readonly clock: () => number;
  /** Sets simulated time (while the demo replays and serves). */
  set(ms: number): void;
  /** From now on, time runs at wall speed from where it was set. */
  run(): void;
}

/** Simulated time: set by the steps, then running at wall speed once the demo serves. */
function simulatedClock(start: number): SimulatedClock {
  let simulated = start;
  let runningSince: number | undefined;
  return {
    clock: () => (runningSince === undefined ? simulated : simulated + (Date.now() - runningSince)),
    set: (ms) => void (simulated = ms),
    run: () => void (runningSince = Date.now()),
  };
}

async function clearDataDir(dataDir: string): Promise<void> {
  for (const sub of ['offline', 'inference_log', 'dead-letter', 'exports', 'spines', 'skew'])
    await rm(path.join(dataDir, sub), { recursive: true, force: true });
}

/** The day after the replayed slice, or after the last served day. */
function nextDay(world: DemoWorld): FlightsSlice {
  const from = world.slice.to + world.results.days.length * DAY_MS;
  return { ...world.slice, from, to: from + DAY_MS };
}

/**
 * 1. History: the example producer → PutRecords → kinesalite → poller → the ingest handler.
 *    Each view's records from as far back as the training day can still see (its ttl; for an
 *    event stream, the longest window of its views), within the replayed slice.
 */
async function replayHistory(world: DemoWorld): Promise<void> {
  const { progress, slice, store } = world;
  const trainingDay = slice.to - DAY_MS;
  const history = new Map<string, WireRecord[]>();
  for (const name of world.views) {
    const view = getView(world.runtime.registry, name);
    const reach = Math.max(
      ...viewsOfStream(world.runtime.registry, view.source.stream).map((v) => v.ttlMs),
    );
    const from = Math.max(slice.from, Math.floor((trainingDay - reach) / DAY_MS) * DAY_MS);
    history.set(name, await flightsRecords(store.stack.duckdb, name, { ...slice, from }));
  }
  const total = [...history.values()].reduce((n, list) => n + list.length, 0);
  const days = Math.round((slice.to - slice.from) / DAY_MS);
  progress.stage(
    `replay ${days} day${days === 1 ? '' : 's'} of flights through Kinesis and the ingest handler`,
    total,
  );
  let sent = 0;
  for (const [view, list] of history) {
    const before = sent;
    await store.push(view, list, { onProgress: (p) => progress.advance((sent = before + p.sent)) });
  }
  const replayed = Object.fromEntries([...history].map(([v, list]) => [v, list.length]));
  world.results.replayed = replayed;
  const stats = store.ingest.poller.stats;
  progress.done(
    `${total} records (${Object.entries(replayed)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ')}), ` + `${stats.invocations} handler invocations, ${stats.delivered} deliveries`,
  );
}

/** 2. Export a training set: every flight of the last replayed day, labelled "departed late". */
async function exportTrainingSet(world: DemoWorld): Promise<void> {
  const { store, dataDir, runtime, service, progress, slice } = world;
  const clock = world.time.clock;
  const spineFile = path.join(dataDir, 'spines', 'last-day-departures.parquet');
  await mkdir(path.dirname(spineFile), { recursive: true });
  const spineRows = await flightsSpine(store.stack.duckdb, { ...slice, from: slice.to - DAY_MS });
  await writeSpine(store.stack.duckdb, spineFile, spineRows);
  progress.stage(
    `export a point-in-time training set for ${spineRows.length} flights of ${utcDate(slice.to - DAY_MS)}`,
  );
  const exportId = newExportId(service.name, clock(), randomBytes(4).toString('hex'));
  const out = path.join(dataDir, 'exports', `${exportId}.parquet`);
  await mkdir(path.dirname(out), { recursive: true });
  const exportSummary = await runLocalExport(
    { duckdb: store.stack.duckdb, dataDir, runtime, clock },
    { spineFile, service: service.name, out, timeColumn: 'event_time', exportId },
  );
  world.results.training = { exportSummary, spineFile };
  progress.done(
    `${exportSummary.rows} rows × ${exportSummary.features} features → ${path.relative(process.cwd(), out)}`,
  );
}

/**
 * 3 and 4. Serve the next day on time (`serve.ts`), with the incident planted when asked, then
 *    run the skew check over that day's inference log against the training baseline.
 */
async function serveAndCheck(world: DemoWorld, kind: ServedDay['kind']): Promise<void> {
  const day = nextDay(world);
  const date = utcDate(day.from);
  const incident = kind === 'incident' ? INCIDENT : undefined;
  world.progress.stage(
    incident
      ? `serve ${date} with an incident: ${incident.describe(day)}`
      : `serve ${date} (a clean day)`,
    world.lookups,
  );
  const served = await serveDay(world, day, incident);
  world.progress.done(
    `${served.lookups} vectors served and logged, ${served.records} records streamed in`,
  );
  world.progress.stage(`skew check for ${date}`);
  const skew = await checkSkew(world, date);
  world.progress.done(`${skew.reports.length} report(s), ${skew.alerts.length} alert(s)`);
  world.results.days.push({ kind, date, served: served.lookups, planted: served.planted, skew });
}

/** The skew check over a day's inference log, against the export's training baseline. */
async function checkSkew(world: DemoWorld, date: string): Promise<DailySkewCheckResult> {
  const training = world.results.training;
  if (!training) throw new Error('the skew check needs the training set: export it first');
  const file = training.exportSummary.baseline;
  const { baseline } = parseBaseline(JSON.parse(await readFile(file, 'utf8')), file);
  return runLocalSkewCheck({
    dataDir: world.dataDir,
    runtime: world.runtime,
    date,
    services: [world.service.name],
    baselines: new Map([[world.service.name, baseline]]),
    clock: world.time.clock,
  });
}

const silentProgress: DemoProgress = { stage() {}, advance() {}, done() {} };
