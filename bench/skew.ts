/**
 * `npm run bench -- skew [vectors]`: the nightly skew check over ≥ 1M logged vectors, locally.
 *
 * Setup (not timed): the offline store of the example views from the flights data (3M flights,
 * 2001-01..06: every departure, every route flight, hourly aggregates), a training baseline
 * (100k spine rows through the export), and one day of inference logs: `vectors` lookups at
 * random times of 2001-03-15 on real routes, served with the values the point-in-time rule gives
 * at served_at (computed by the export, standing in for the lookup), 0.5% of one feature
 * perturbed so the mismatch path runs, written as the store writes its log (GZIP JSON lines, an
 * object per hour). Timed: `runLocalSkewCheck` end to end, as the CLI runs it (read the log,
 * rebuild through the export, the late and served-record rebuilds, transforms, causes,
 * distributions, HTML + JSON report, alert).
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as definitions from '../feature_defs/index.ts';
import { offlineColumns, offlineTableName } from '../lib/core/columns.ts';
import { buildBaseline } from '../lib/export/baseline.ts';
import { exportPointInTimeLocal } from '../lib/export/point-in-time.ts';
import { flightsParquetPath } from '../lib/local/flights-demo.ts';
import { localAlertSink } from '../lib/local/skew-alerts.ts';
import { runLocalSkewCheck } from '../lib/local/skew-check.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { parseBaseline } from '../lib/skew/baseline.ts';
import { getService, getView } from '../lib/registry/query.ts';
import { quoteIdentifier as q, stringLiteral } from '../lib/sql/literals.ts';
import type { BenchResult } from './run.ts';

const SERVICE = 'departure_delay_model';
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
    const struct = (names: readonly string[], value: (n: string) => string) =>
      `{${names.map((n) => `${q(n)}: ${value(n)}`).join(', ')}}`;
    const perturbed = 'route_flights__last_delay';
    const logDir = path.join(dataDir, 'inference_log', `served_date=${DAY}`);
    await mkdir(logDir, { recursive: true });
    // The log as the store writes it: GZIP JSON lines (Firehose's format, and the local
    // writer's), one object per hour of the day as Firehose's buffer flushes them.
    let logBytes = 0;
    for (let hour = 0; hour < 24; hour++) {
      const logFile = path.join(logDir, `part-${String(hour).padStart(2, '0')}.jsonl.gz`);
      await duckdb.run(
        `COPY (
         SELECT 'req-' || _sk_row AS request_id, 0 AS "row",
                strftime(served_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS served_at,
                ${stringLiteral(SERVICE)} AS service, ${stringLiteral(registry.hash)} AS registry_hash,
                's:' || origin || '|s:' || destination AS entity_key,
                {origin: origin, destination: destination} AS keys,
                {scheduled_hour: scheduled_hour} AS request,
                ${struct(
                  service.outputs.map((o) => o.name),
                  (n) =>
                    n === perturbed
                      ? `CASE WHEN _sk_row % 200 = 7 THEN ${q(n)} + 1 ELSE ${q(n)} END`
                      : q(n),
                )} AS "values",
                ${struct(stored, (n) => q(`${n}__status`))} AS statuses,
                ${struct(stored, (n) => `CASE WHEN ${q(`${n}__status`)} = 'missing' THEN NULL ELSE CAST(floor(random() * 3600000) AS BIGINT) END`)} AS ages_ms
         FROM served_rows WHERE hour(served_at) = ${hour} ORDER BY _sk_row
       ) TO ${stringLiteral(logFile)} (FORMAT JSON, COMPRESSION gzip)`,
      );
      logBytes += (await stat(logFile)).size;
    }
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

    // The timed part: the check as the CLI runs it (its own DuckDB, every core).
    const { baseline } = parseBaseline(baselineDoc, baselineFile);
    const alerts: string[] = [];
    const loadBefore = os.loadavg();
    const start = Date.now();
    const result = await runLocalSkewCheck({
      dataDir,
      duckdbConfig: { memory_limit: memoryLimit },
      runtime,
      date: DAY,
      baselines: new Map([[SERVICE, baseline]]),
      alerts: localAlertSink(dataDir, (t) => alerts.push(t)),
    });
    const seconds = (Date.now() - start) / 1000;
    const report = result.reports[0]!;
    return {
      vectors: report.vectors,
      seconds,
      vectors_per_s: Math.round(report.vectors / seconds),
      goal_seconds: 30,
      steps_s: report.timings,
      // Everything but the rebuild: reading the logs, comparing, distributions, report, alert.
      check_without_rebuild_s:
        Math.round((seconds - (report.timings['rebuild_s'] ?? 0)) * 1000) / 1000,
      rebuild_same_spine_instant_as_of_s: rebuildInstantSeconds,
      note:
        'rebuild_s is exportPointInTimeLocal with the per-row as_of column (as_of = served_at), ' +
        "whose late rows are re-picked within (t - ttl, t] of their keys' records; with one as-of " +
        'instant the same spine takes rebuild_same_spine_instant_as_of_s (setup, not timed).',
      log_bytes: logBytes,
      log_bytes_per_vector: Math.round((logBytes / report.vectors) * 10) / 10,
      goal_log_bytes_per_vector: 250,
      log_format: 'GZIP JSON lines, one object per hour of the day',
      offline_flights: flightRows,
      day_flights: dayFlights,
      verdicts: Object.fromEntries(report.outputs.map((o) => [o.output, o.verdict])),
      kinds: report.kinds,
      perturbed_feature: perturbed,
      perturbed_match_rate: report.outputs.find((o) => o.output === perturbed)?.exactMatchRate,
      perturbed_causes: report.outputs
        .find((o) => o.output === perturbed)
        ?.causes.map((c) => [c.cause, c.count]),
      load_before: loadBefore,
      load_after: os.loadavg(),
      alerts: result.alerts.length,
      setup_seconds: setupSeconds,
      threads: os.cpus().length,
      memory_limit: memoryLimit,
    };
  } finally {
    if (!process.env.SKEW_BENCH_KEEP) await rm(dataDir, { recursive: true, force: true });
  }
}

async function count(duckdb: DuckDBConnection, table: string): Promise<number> {
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(table)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}
