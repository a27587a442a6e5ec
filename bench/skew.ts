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
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as definitions from '../feature_defs/index.ts';
import { offlineColumns, offlineTableName } from '../lib/core/columns.ts';
import { buildBaseline } from '../lib/export/baseline.ts';
import { exportPointInTimeLocal } from '../lib/export/point-in-time.ts';
import { flightsParquetPath } from '../examples/flights/data.ts';
import { skewCheckMemoryMb } from '../lib/cdk/feature-store-defaults.ts';
import { DEFAULT_SKEW_SAMPLE } from '../lib/define/definitions.ts';
import { lambdaDuckDBConfig } from '../lib/export/duckdb-session.ts';
import { localDayLogGlob } from '../lib/local/inference-log.ts';
import type { ChildRequest } from './children/skew-check.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { getService, getView } from '../lib/registry/query.ts';
import { quoteIdentifier as q, stringLiteral } from '../lib/sql/literals.ts';
import type { BenchResult } from './run.ts';

const SERVICE = 'departure_delay_model';
const execFileAsync = promisify(execFile);
const DAY = '2001-03-15';

export async function run(args: string[]): Promise<BenchResult> {
  const vectors = Number(args[0] ?? 1_000_000);
  const runtime = registryFromModule(definitions as Record<string, unknown>);
  const registry = runtime.registry;
  const service = getService(registry, SERVICE);
  const dataDir =
    process.env.SKEW_BENCH_KEEP ?? (await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-skew-')));
  // A bounded memory limit: the machine is shared (DuckDB defaults to 80% of RAM).
  const memoryLimit = process.env.SKEW_BENCH_MEMORY ?? '8GB';
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  try {
    const setupStart = Date.now();
    const flights = `read_parquet(${stringLiteral(flightsParquetPath())})`;
    // Record ids: zero-padded flight order, so ties on event_time go to the later flight.
    await duckdb.run(
      `CREATE TEMP TABLE flights AS SELECT *, lpad(CAST(row_number() OVER (ORDER BY date, origin, destination, delay) AS VARCHAR), 20, '0') AS rid FROM ${flights}`,
    );
    const views: Record<string, string> = {
      airport_departures: `SELECT origin, delay AS last_delay, destination AS last_destination,
          delay > 15 AS last_departed_late, date AS event_time, date + INTERVAL 2 SECOND AS ingested_at,
          'shard-0:' || rid AS record_id FROM flights`,
      route_flights: `SELECT origin, destination, distance, delay AS last_delay, date AS event_time,
          date + INTERVAL 2 SECOND AS ingested_at, 'shard-1:' || rid AS record_id FROM flights`,
      // The raw departures the aggregation views fold (the store computes their windows).
      airport_delays: `SELECT origin, delay, distance, date AS event_time,
          date + INTERVAL 2 SECOND AS ingested_at, 'shard-2:' || rid AS record_id FROM flights`,
      route_delays: `SELECT origin, destination, delay, distance, date AS event_time,
          date + INTERVAL 2 SECOND AS ingested_at, 'shard-2:' || rid AS record_id FROM flights`,
    };
    for (const [name, sql] of Object.entries(views)) {
      const view = getView(registry, name);
      const cols = offlineColumns(view).map((c) => q(c.name));
      const dir = path.join(dataDir, 'offline', offlineTableName(view));
      await mkdir(path.dirname(dir), { recursive: true });
      await duckdb.run(
        `COPY (SELECT ${cols.join(', ')}, strftime(event_time, '%Y-%m-%d') AS event_date FROM (${sql}))
         TO ${stringLiteral(dir)} (FORMAT PARQUET, PARTITION_BY (event_date), FILENAME_PATTERN 'part-{i}')`,
      );
    }

    // The day's lookups: flights of the day drawn with replacement, each looked up at a random
    // moment of the hour before its departure (so served values follow the day's traffic).
    await duckdb.run(`SELECT setseed(0.42)`);
    await duckdb.run(
      `CREATE TEMP TABLE day_flights AS
       SELECT row_number() OVER (ORDER BY date, origin, destination, delay) - 1 AS k, origin, destination, date
       FROM flights WHERE date >= TIMESTAMP '${DAY}' AND date < TIMESTAMP '${DAY}' + INTERVAL 1 DAY`,
    );
    const dayFlights = await count(duckdb, 'day_flights');
    await duckdb.run(
      `CREATE TEMP TABLE served_spine AS
       WITH draws AS (
         SELECT i, CAST(floor(random() * ${dayFlights}) AS BIGINT) AS k,
                CAST(floor(random() * 3600000) AS BIGINT) AS before_ms
         FROM range(${vectors}) t(i))
       SELECT f.origin, f.destination,
              greatest(f.date - to_milliseconds(d.before_ms), TIMESTAMP '${DAY}') AS served_at,
              CAST(hour(f.date) AS BIGINT) AS scheduled_hour
       FROM draws d JOIN day_flights f USING (k) ORDER BY d.i`,
    );
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE served_spine AS SELECT *, served_at AS known_at FROM served_spine`,
    );
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
    // online store held then), so only the perturbed values below differ from the rebuild.
    await exportPointInTimeLocal(
      { duckdb, dataDir, runtime },
      {
        service: SERVICE,
        spineTable: 'served_spine',
        timeColumn: 'served_at',
        asOf: { kind: 'column', column: 'known_at' },
        into: 'served_rows',
      },
    );
    const stored = service.features.map((f) => f.output);
    // Each map is the JSON text of an object (`encodeLogRow`), its nulls left out.
    const textMap = (names: readonly string[], value: (n: string) => string) =>
      `json_object(${names.map((n) => `${stringLiteral(n)}, CAST(${value(n)} AS VARCHAR)`).join(', ')})::VARCHAR`;
    const perturbed = 'route_flights__last_delay';
    // A served age is `t` minus the event time of the view's record (or newest windowed event),
    // so the features of one view share it, as the lookup logs them: one draw per view and row.
    const viewAges = [...new Set(service.features.map((f) => f.view))]
      .map((v) => `CAST(floor(random() * 3600000) AS BIGINT) AS ${q(`${v}__age`)}`)
      .join(', ');
    // The log as the store writes it (`lib/local/inference-log.ts`): Parquet (ZSTD) of the log
    // table's columns, per day; served values as text in maps, as the lookup logs them.
    await duckdb.run(
      `CREATE TEMP TABLE day_log AS
       SELECT 'req-' || _sk_row AS request_id, 0 AS "row", served_at,
              ${stringLiteral(SERVICE)} AS service, ${stringLiteral(registry.hash)} AS registry_hash,
              's:' || origin || '|s:' || destination AS entity_key,
              json_object('origin', origin, 'destination', destination)::VARCHAR AS keys,
              json_object('scheduled_hour', CAST(scheduled_hour AS VARCHAR))::VARCHAR AS request,
              ${textMap(
                service.outputs.map((o) => o.name),
                (n) =>
                  n === perturbed
                    ? `CASE WHEN _sk_row % 200 = 7 THEN ${q(n)} + 1 ELSE ${q(n)} END`
                    : q(n),
              )} AS "values",
              ${textMap(stored, (n) => q(`${n}__status`))} AS statuses,
              json_object(${service.features
                .map(
                  (f) =>
                    `${stringLiteral(f.output)}, CASE WHEN ${q(`${f.output}__status`)} = 'missing' THEN NULL ELSE ${q(`${f.view}__age`)} END`,
                )
                .join(', ')})::VARCHAR AS ages_ms
       FROM (SELECT *, ${viewAges} FROM served_rows) ORDER BY served_at`,
    );
    const logBytes = await writeDayLog(duckdb, dataDir, DAY, 'day_log', 1);
    await duckdb.run('DROP TABLE served_rows');

    // A training baseline: 100k flights of the two weeks before, through the export.
    await duckdb.run(
      `CREATE TEMP TABLE training_spine AS
       SELECT origin, destination, date AS event_time, hour(date)::BIGINT AS scheduled_hour
       FROM flights WHERE date >= TIMESTAMP '2001-03-01' AND date < TIMESTAMP '${DAY}'
       USING SAMPLE 100000 ROWS (reservoir, 7)`,
    );
    await exportPointInTimeLocal(
      { duckdb, dataDir, runtime },
      {
        service: SERVICE,
        spineTable: 'training_spine',
        timeColumn: 'event_time',
        asOf: { kind: 'instant', at: Date.parse('2001-07-01T00:00:00Z') },
        into: 'training_rows',
      },
    );
    const baselineDoc = await buildBaseline(duckdb, 'training_rows', service, {
      registryHash: registry.hash,
      exportId: 'bench-training',
    });
    const baselineFile = path.join(dataDir, 'training.baseline.json');
    await writeFile(baselineFile, JSON.stringify(baselineDoc));
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

/** Writes `table` as the day's log partition of `dataDir` (`times` copies); returns its bytes. */
async function writeDayLog(
  duckdb: DuckDBConnection,
  dataDir: string,
  date: string,
  table: string,
  times: number,
): Promise<number> {
  const dir = path.dirname(localDayLogGlob(dataDir, date));
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (let copy = 0; copy < times; copy++) {
    const file = path.join(dir, `part-${copy}.parquet`);
    const ids = copy === 0 ? 'request_id' : `request_id || '-${copy}' AS request_id`;
    await duckdb.run(
      `COPY (SELECT ${ids}, * EXCLUDE (request_id) FROM ${q(table)})
       TO ${stringLiteral(file)} (FORMAT PARQUET, COMPRESSION ZSTD)`,
    );
    bytes += (await stat(file)).size;
  }
  return bytes;
}

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

interface ChildResult {
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
async function timedCheck(request: ChildRequest): Promise<ChildResult> {
  const file = path.join(request.dataDir, 'child-request.json');
  await writeFile(file, JSON.stringify(request));
  const child = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    'children',
    'skew-check.ts',
  );
  const { stdout } = await execFileAsync('npx', ['tsx', child, file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

async function count(duckdb: DuckDBConnection, table: string): Promise<number> {
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(table)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}
