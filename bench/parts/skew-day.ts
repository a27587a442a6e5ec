/**
 * A served day of the flights example, as the skew bench and the replay bench (and the replay
 * test, on a small world) build it from a `flights` table (date, delay, distance, origin,
 * destination, rid):
 * - the offline store of the example's views, in the ingest layout (Parquet by event date);
 * - `vectors` lookups at random times of `day` on that day's flights, served with the values the
 *   point-in-time rule gives at served_at under `runtime` (computed by the export, standing in for
 *   the lookup), optionally 0.5% of one feature perturbed so a mismatch path runs;
 * - written as the store writes its log (Parquet, the log table's columns, one day partition).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { offlineColumns, offlineTableName } from '../../lib/core/columns.ts';
import { buildBaseline } from '../../lib/export/baseline.ts';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { flightsParquetPath } from '../../examples/flights/data.ts';
import { localDayLogGlob } from '../../lib/local/inference-log.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { getService, getView } from '../../lib/registry/query.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../../lib/sql/literals.ts';

export const SERVICE = 'departure_delay_model';
/** The feature the skew bench perturbs on 0.5% of the vectors. */
export const PERTURBED = 'route_flights__last_delay';

/**
 * The `flights` table from the example's data (3M flights, 2001-01..06), with record ids: the
 * zero-padded flight order, so ties on event_time go to the later flight.
 */
export async function loadFlights(duckdb: DuckDBConnection): Promise<void> {
  const flights = `read_parquet(${stringLiteral(flightsParquetPath())})`;
  await duckdb.run(
    `CREATE TEMP TABLE flights AS SELECT *, lpad(CAST(row_number() OVER (ORDER BY date, origin, destination, delay) AS VARCHAR), 20, '0') AS rid FROM ${flights}`,
  );
}

/**
 * A training baseline: 100k flights of the two weeks before `day`, through the export, saved
 * as `<dataDir>/training.baseline.json`. Returns the file.
 */
export async function writeBenchBaseline(
  duckdb: DuckDBConnection,
  dataDir: string,
  runtime: RuntimeRegistry,
  day: string,
): Promise<string> {
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - 14 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  await duckdb.run(
    `CREATE TEMP TABLE training_spine AS
     SELECT origin, destination, date AS event_time, hour(date)::BIGINT AS scheduled_hour
     FROM flights WHERE date >= TIMESTAMP '${from}' AND date < TIMESTAMP '${day}'
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
  const baseline = await buildBaseline(
    duckdb,
    'training_rows',
    getService(runtime.registry, SERVICE),
    {
      registryHash: runtime.registry.hash,
      exportId: 'bench-training',
    },
  );
  const file = path.join(dataDir, 'training.baseline.json');
  await writeFile(file, JSON.stringify(baseline));
  return file;
}

/** Writes the offline store of the example's four views from the `flights` table. */
export async function writeFlightsOffline(
  duckdb: DuckDBConnection,
  dataDir: string,
  registry: Registry,
): Promise<void> {
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
}

/**
 * `served_spine` (origin, destination, served_at, scheduled_hour, known_at): flights of `day`
 * drawn with replacement, each looked up at a random moment of the hour before its departure
 * (so served values follow the day's traffic). Returns the day's flights.
 */
export async function createServedSpine(
  duckdb: DuckDBConnection,
  day: string,
  vectors: number,
): Promise<number> {
  await duckdb.run(`SELECT setseed(0.42)`);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE day_flights AS
     SELECT row_number() OVER (ORDER BY date, origin, destination, delay) - 1 AS k, origin, destination, date
     FROM flights WHERE date >= TIMESTAMP '${day}' AND date < TIMESTAMP '${day}' + INTERVAL 1 DAY`,
  );
  const dayFlights = await count(duckdb, 'day_flights');
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE served_spine AS
     WITH draws AS (
       SELECT i, CAST(floor(random() * ${dayFlights}) AS BIGINT) AS k,
              CAST(floor(random() * 3600000) AS BIGINT) AS before_ms
       FROM range(${vectors}) t(i))
     SELECT f.origin, f.destination,
            greatest(f.date - to_milliseconds(d.before_ms), TIMESTAMP '${day}') AS served_at,
            CAST(hour(f.date) AS BIGINT) AS scheduled_hour
     FROM draws d JOIN day_flights f USING (k) ORDER BY d.i`,
  );
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE served_spine AS SELECT *, served_at AS known_at FROM served_spine`,
  );
  return dayFlights;
}

/**
 * Serves `served_spine` under `runtime` and writes the day's log into `dataDir`: the values the
 * point-in-time rule gives at served_at, as of served_at (what the online store held then), so
 * only the perturbed values (with `perturb`) differ from a rebuild. Returns the log's bytes.
 */
export async function writeServedDay(
  duckdb: DuckDBConnection,
  options: {
    readonly dataDir: string;
    readonly runtime: RuntimeRegistry;
    readonly day: string;
    readonly perturb: boolean;
  },
): Promise<number> {
  const { dataDir, runtime } = options;
  const service = getService(runtime.registry, SERVICE);
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
  // A served age is `t` minus the event time of the view's record (or newest windowed event),
  // so the features of one view share it, as the lookup logs them: one draw per view and row.
  const viewAges = [...new Set(service.features.map((f) => f.view))]
    .map((v) => `CAST(floor(random() * 3600000) AS BIGINT) AS ${q(`${v}__age`)}`)
    .join(', ');
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE day_log AS
     SELECT 'req-' || _sk_row AS request_id, 0 AS "row", served_at,
            ${stringLiteral(SERVICE)} AS service, ${stringLiteral(runtime.registry.hash)} AS registry_hash,
            's:' || origin || '|s:' || destination AS entity_key,
            json_object('origin', origin, 'destination', destination)::VARCHAR AS keys,
            json_object('scheduled_hour', CAST(scheduled_hour AS VARCHAR))::VARCHAR AS request,
            ${textMap(
              service.outputs.map((o) => o.name),
              (n) =>
                n === PERTURBED && options.perturb
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
  const bytes = await writeDayLog(duckdb, dataDir, options.day, 'day_log', 1);
  await duckdb.run('DROP TABLE served_rows');
  return bytes;
}

/** Writes `table` as the day's log partition of `dataDir` (`times` copies); returns its bytes. */
export async function writeDayLog(
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

export async function count(duckdb: DuckDBConnection, table: string): Promise<number> {
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(table)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}
