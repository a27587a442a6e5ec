/**
 * `npm run bench -- skew [vectors]`: the nightly skew check over ≥ 1M logged vectors, locally.
 *
 * Setup (not timed): the offline store of the example views from the flights data (3M flights,
 * 2001-01..06: every departure, every route flight, hourly aggregates), a training baseline
 * (100k spine rows through the export), and one day of inference logs: `vectors` lookups at
 * random times of 2001-03-15 on real routes, served with the values the point-in-time rule gives
 * at served_at (computed by the export, standing in for the lookup), 0.5% of one feature
 * perturbed so the mismatch path runs, ages drawn per view (its features share their record's
 * age, as the lookup logs them), written as the store writes its log (Parquet, the log table's
 * columns). Timed, each in its own process: `runLocalSkewCheck` end to end, as the CLI
 * runs it (count the day, load the sample, rebuild through the export, the late and served-record
 * rebuilds, transforms, causes, distributions, HTML + JSON report, alert), once over the day
 * checked whole, once over a day of 20× the traffic under the default sample with DuckDB set as
 * the skew-check Lambda sets it (its peak memory measured).
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as definitions from '../feature_defs/index.ts';
import { exportPointInTimeLocal } from '../lib/export/point-in-time.ts';
import { skewCheckMemoryMb } from '../lib/cdk/feature-store-defaults.ts';
import { DEFAULT_SKEW_SAMPLE } from '../lib/define/definitions.ts';
import { lambdaDuckDBConfig } from '../lib/export/duckdb-session.ts';
import { localDayLogGlob } from '../lib/local/inference-log.ts';
import type { ChildRequest } from './children/skew-check.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { stringLiteral } from '../lib/sql/literals.ts';
import type { BenchResult } from './run.ts';
import { runChild } from './parts/child.ts';
import {
  count,
  createServedSpine,
  loadFlights,
  writeBenchBaseline,
  PERTURBED,
  SERVICE,
  writeDayLog,
  writeFlightsOffline,
  writeServedDay,
} from './parts/skew-day.ts';

const DAY = '2001-03-15';

export async function run(args: string[]): Promise<BenchResult> {
  const vectors = Number(args[0] ?? 1_000_000);
  const runtime = registryFromModule(definitions as Record<string, unknown>);
  const registry = runtime.registry;
  const dataDir =
    process.env.SKEW_BENCH_KEEP ?? (await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-skew-')));
  // A bounded memory limit: the machine is shared (DuckDB defaults to 80% of RAM).
  const memoryLimit = process.env.SKEW_BENCH_MEMORY ?? '8GB';
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  try {
    const setupStart = Date.now();
    await loadFlights(duckdb);
    await writeFlightsOffline(duckdb, dataDir, registry);

    // The day's lookups: flights of the day drawn with replacement, each looked up at a random
    // moment of the hour before its departure (so served values follow the day's traffic).
    const dayFlights = await createServedSpine(duckdb, DAY, vectors);
    const flightRows = await count(duckdb, 'flights');
    // For comparison: the same 1M-row rebuild with one as-of instant (the export's fast path).
    const instantStart = Date.now();
    await exportPointInTimeLocal(
      { duckdb, dataDir, runtime },
      {
        service: SERVICE,
        spineTable: 'served_spine',
        timeColumn: 'served_at',
        asOf: { kind: 'instant', at: Date.parse(`${DAY}T00:00:00Z`) + 86_400_000 },
        into: 'served_rows',
      },
    );
    const rebuildInstantSeconds = (Date.now() - instantStart) / 1000;
    // What the lookup served: the point-in-time rule at served_at, as of served_at (what the
    // online store held then), so only the perturbed values differ from the rebuild.
    const logBytes = await writeServedDay(duckdb, { dataDir, runtime, day: DAY, perturb: true });
    const perturbed = PERTURBED;

    const baselineFile = await writeBenchBaseline(duckdb, dataDir, runtime, DAY);
    const setupSeconds = (Date.now() - setupStart) / 1000;
    duckdb.closeSync();
    instance.closeSync();

    // Timed: the check as the CLI runs it, each in its own process (its peak memory its own).
    // The 1M day is checked whole; then the same day's traffic times 20 under the default sample,
    // with DuckDB set as the skew-check Lambda sets it (`lambdaDuckDBConfig`).
    const loadBefore = os.loadavg();
    const whole = await timedCheck({
      dataDir,
      date: DAY,
      service: SERVICE,
      baselineFile,
      duckdbConfig: { memory_limit: memoryLimit },
      sample: { rate: 1, maxVectorsPerDay: vectors },
    });
    const big = await bigDay(dataDir, vectors * BIG_DAY_FACTOR);
    const sampled = await timedCheck({
      dataDir: big.dataDir,
      date: DAY,
      service: SERVICE,
      baselineFile,
      duckdbConfig: lambdaDuckDBConfig(LAMBDA_MB, 10_240),
    });
    const seconds = whole.seconds;
    const perturbedOutput = whole.outputs.find((o) => o.output === perturbed);
    return {
      vectors: whole.vectors,
      seconds,
      vectors_per_s: Math.round(whole.vectors / seconds),
      goal_seconds: 15,
      steps_s: whole.timings,
      peak_rss_mb: whole.peak_rss_mb,
      rebuild_same_spine_instant_as_of_s: rebuildInstantSeconds,
      log_bytes: logBytes,
      log_bytes_per_vector: Math.round((logBytes / whole.vectors) * 10) / 10,
      goal_log_bytes_per_vector: 120,
      log_format: 'Parquet (ZSTD), the log table of lib/core/inference-log.ts, one day partition',
      logged_20m: big.vectors,
      seconds_20m: sampled.seconds,
      goal_seconds_20m: Math.round(2 * seconds * 10) / 10,
      peak_rss_mb_20m: sampled.peak_rss_mb,
      goal_peak_rss_mb_20m: 1536,
      vectors_checked_20m: sampled.sample.checked,
      sample_rate_20m: sampled.sample.rate,
      steps_s_20m: sampled.timings,
      duckdb_20m: lambdaDuckDBConfig(LAMBDA_MB, 10_240),
      lambda_memory_mb_20m: LAMBDA_MB,
      log_bytes_20m: big.bytes,
      offline_flights: flightRows,
      day_flights: dayFlights,
      verdicts: whole.verdicts,
      verdicts_20m: sampled.verdicts,
      kinds: whole.kinds,
      perturbed_feature: perturbed,
      perturbed_match_rate: perturbedOutput?.exactMatchRate,
      perturbed_causes: perturbedOutput?.causes,
      load_before: loadBefore,
      load_after: os.loadavg(),
      alerts: whole.alerts,
      setup_seconds: setupSeconds,
      threads: os.cpus().length,
      memory_limit: memoryLimit,
    };
  } finally {
    if (!process.env.SKEW_BENCH_KEEP) await rm(dataDir, { recursive: true, force: true });
  }
}

/** How many times the 1M day's traffic the big day logs (each vector again under new ids). */
const BIG_DAY_FACTOR = 20;
/** The skew-check Lambda's memory for the default sample (as `lib/cdk/monitoring.ts` sizes it). */
const LAMBDA_MB = skewCheckMemoryMb(DEFAULT_SKEW_SAMPLE.maxVectorsPerDay);

/** A second data folder sharing the offline store, whose day logs `vectors` (the day × 20). */
async function bigDay(
  dataDir: string,
  vectors: number,
): Promise<{ dataDir: string; vectors: number; bytes: number }> {
  const bigDir = path.join(dataDir, 'big-day');
  await mkdir(bigDir, { recursive: true });
  await symlink(path.join(dataDir, 'offline'), path.join(bigDir, 'offline'));
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: '4GB' });
  const duckdb = await instance.connect();
  try {
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await duckdb.run(
      `CREATE TEMP TABLE day_log AS SELECT * FROM read_parquet(${stringLiteral(localDayLogGlob(dataDir, DAY))})`,
    );
    const bytes = await writeDayLog(duckdb, bigDir, DAY, 'day_log', BIG_DAY_FACTOR);
    return { dataDir: bigDir, vectors, bytes };
  } finally {
    duckdb.closeSync();
    instance.closeSync();
  }
}

export interface ChildResult {
  readonly seconds: number;
  readonly peak_rss_mb: number;
  readonly vectors: number;
  readonly sample: { readonly checked: number; readonly rate: number };
  readonly timings: Record<string, number>;
  readonly verdicts: Record<string, string>;
  readonly kinds: string[];
  readonly outputs: { output: string; exactMatchRate: number; causes: [string, number][] }[];
  readonly alerts: number;
}

/** Runs one check in a child process (`bench/children/skew-check.ts`). */
export function timedCheck(request: ChildRequest): Promise<ChildResult> {
  return runChild<ChildResult>('skew-check', request);
}
