/**
 * `npm run bench -- replay [vectors]`: `skewless plan --replay` over ≥ 1M logged vectors under a
 * changed window, against the nightly skew check of the same day, locally.
 *
 * Setup (not timed): the skew bench's day (`bench/parts/skew-day.ts`): the offline store of the
 * example's views from the flights data, a training baseline, and `vectors` lookups of 2001-03-15
 * served under the example and logged. Timed, each in its own process and the day checked whole:
 * the nightly check as the CLI runs it (`bench/children/skew-check.ts`), then the replay of the
 * candidate shipped with the example (`feature_defs/candidates/late-14d`: `late_7d` over 14 days)
 * as `plan --replay` runs it (`bench/children/replay.ts`). Goal: the replay takes no longer than
 * the nightly check of the same day. Then the example itself as the candidate: no registry
 * change, so the replay only runs the transforms over the day's served inputs, looking for a
 * fixed function body (`lib/skew/transform-fixes.ts`), and replays nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import * as definitions from '../feature_defs/index.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import type { ReplayChildRequest } from './children/replay.ts';
import { runChild } from './parts/child.ts';
import {
  createServedSpine,
  loadFlights,
  SERVICE,
  writeBenchBaseline,
  writeFlightsOffline,
  writeServedDay,
} from './parts/skew-day.ts';
import type { BenchResult } from './run.ts';
import { timedCheck } from './skew.ts';

const DAY = '2001-03-15';
const EXAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'feature_defs');
const CANDIDATE = path.join(EXAMPLE, 'candidates', 'late-14d');

interface ReplayChildResult {
  readonly seconds: number;
  readonly peak_rss_mb: number;
  readonly vectors: number;
  readonly timings: Record<string, number>;
  readonly changed: { output: string; was: string }[];
  readonly crossed: boolean;
  readonly replayed: string[];
  readonly outputs: { output: string; matchRate: number; psi: number | null }[];
}

export async function run(args: string[]): Promise<BenchResult> {
  const vectors = Number(args[0] ?? 1_000_000);
  const runtime = registryFromModule(definitions as Record<string, unknown>);
  const dataDir =
    process.env.REPLAY_BENCH_KEEP ??
    (await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-replay-')));
  const memoryLimit = process.env.SKEW_BENCH_MEMORY ?? '8GB';
  try {
    const setupStart = Date.now();
    const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
    const duckdb = await instance.connect();
    let baselineFile: string;
    try {
      await duckdb.run(`SET TimeZone = 'UTC'`);
      await loadFlights(duckdb);
      await writeFlightsOffline(duckdb, dataDir, runtime.registry);
      await createServedSpine(duckdb, DAY, vectors);
      await writeServedDay(duckdb, { dataDir, runtime, day: DAY, perturb: true });
      baselineFile = await writeBenchBaseline(duckdb, dataDir, runtime, DAY);
    } finally {
      duckdb.closeSync();
      instance.closeSync();
    }
    const setupSeconds = (Date.now() - setupStart) / 1000;

    const sample = { rate: 1, maxVectorsPerDay: vectors };
    const duckdbConfig = { memory_limit: memoryLimit };
    const loadBefore = os.loadavg();
    const nightly = await timedCheck({
      dataDir,
      date: DAY,
      service: SERVICE,
      baselineFile,
      duckdbConfig,
      sample,
    });
    const request: ReplayChildRequest = {
      dataDir,
      date: DAY,
      service: SERVICE,
      candidate: CANDIDATE,
      duckdbConfig,
      sample,
    };
    const replay = await runChild<ReplayChildResult>('replay', request);
    const unchangedRequest: ReplayChildRequest = { ...request, candidate: EXAMPLE };
    const unchanged = await runChild<ReplayChildResult>('replay', unchangedRequest);
    return {
      vectors: replay.vectors,
      seconds: replay.seconds,
      vectors_per_s: Math.round(replay.vectors / replay.seconds),
      goal_seconds: nightly.seconds,
      goal: "the nightly skew check's seconds on the same day (whole day, same machine)",
      met: replay.seconds <= nightly.seconds,
      nightly_seconds: nightly.seconds,
      nightly_vectors: nightly.vectors,
      steps_s: replay.timings,
      nightly_steps_s: nightly.timings,
      peak_rss_mb: replay.peak_rss_mb,
      nightly_peak_rss_mb: nightly.peak_rss_mb,
      candidate: 'feature_defs/candidates/late-14d (airport_delays.late_7d window 7d → 14d)',
      changed: replay.changed,
      changed_outputs: replay.outputs,
      crossed_thresholds: replay.crossed,
      transform_check_seconds: unchanged.seconds,
      transform_check_replayed: unchanged.replayed,
      transform_check_peak_rss_mb: unchanged.peak_rss_mb,
      load_before: loadBefore,
      load_after: os.loadavg(),
      setup_seconds: setupSeconds,
      threads: os.cpus().length,
      memory_limit: memoryLimit,
    };
  } finally {
    if (!process.env.REPLAY_BENCH_KEEP) await rm(dataDir, { recursive: true, force: true });
  }
}
