/**
 * The example producer: turns the flights data set (vega-datasets, flights-3m.parquet) into
 * records for the example views of `feature_defs/flights.ts`, as a team's streaming job would
 * (and the raw departures of the `flights` event stream, which the store aggregates itself), and
 * into the model's questions: one per flight, asked `ASK_LEAD_MINUTES` before it departs.
 * `npm start` replays a slice of 2001 through Kinesis and the real ingest handler.
 */
import { createRequire } from 'node:module';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stringLiteral } from '../../lib/sql/literals.ts';

/** Absolute path of the flights Parquet file shipped in the `vega-datasets` package. */
export function flightsParquetPath(): string {
  // The package exports only its code (build/index.js); its data folder sits beside build/.
  const main = createRequire(import.meta.url).resolve('vega-datasets');
  return path.join(path.dirname(main), '..', 'data', 'flights-3m.parquet');
}

export interface FlightsSlice {
  /** Inclusive start, epoch ms. */
  readonly from: number;
  /** Exclusive end, epoch ms. */
  readonly to: number;
  /** Only flights from these airports (a small real slice for tests); default: all. */
  readonly origins?: readonly string[];
}

/** The flights of a slice, as a SQL source (parameters `$path`, `$from`, `$to`). */
function sliceSource(slice: FlightsSlice): string {
  const origins = slice.origins
    ? ` AND origin IN (${slice.origins.map((o) => stringLiteral(o)).join(', ') || 'NULL'})`
    : '';
  return `(SELECT * FROM read_parquet($path) WHERE date >= make_timestamp($from * 1000) AND date < make_timestamp($to * 1000)${origins})`;
}

export type WireRecord = Record<string, string | number | boolean | null>;

/** A departure more than 15 minutes late: the label of the example model. */
export const LATE_MINUTES = 15;

/**
 * The model is asked this long before a flight departs (a lookup, or a training row's time): so
 * what it is told never holds the flight's own departure, which is its label.
 */
export const ASK_LEAD_MINUTES = 5;

const VIEW_QUERIES: Record<string, (source: string) => string> = {
  airport_departures: (source) => `
    SELECT origin, epoch_ms(date)::DOUBLE AS event_time, delay::INTEGER AS last_delay,
           destination AS last_destination, delay > ${LATE_MINUTES} AS last_departed_late
    FROM ${source} ORDER BY date, origin, destination`,
  route_flights: (source) => `
    SELECT origin, destination, epoch_ms(date)::DOUBLE AS event_time, distance::INTEGER AS distance, delay::INTEGER AS last_delay
    FROM ${source} ORDER BY date, origin, destination`,
  // The raw departures of the `flights` event stream: pushed once (through its first view), the
  // store aggregates them into `airport_delays` and `route_delays` itself.
  airport_delays: (source) => `
    SELECT origin, destination, epoch_ms(date)::DOUBLE AS event_time, delay::INTEGER AS delay,
           distance::INTEGER AS distance
    FROM ${source} ORDER BY date, origin, destination`,
};

export const DEMO_VIEWS = Object.keys(VIEW_QUERIES);

// JSON rows: integers are cast to INTEGER / DOUBLE so they arrive as JS numbers, not strings.

/** The records of one example view for flights departing in `slice`. */
export async function flightsRecords(
  duckdb: DuckDBConnection,
  view: string,
  slice: FlightsSlice,
): Promise<WireRecord[]> {
  const query = VIEW_QUERIES[view];
  if (!query)
    throw new Error(
      `The flights demo has no producer for view '${view}' (it has ${DEMO_VIEWS.join(', ')})`,
    );
  const reader = await duckdb.runAndReadAll(query(sliceSource(slice)), {
    path: flightsParquetPath(),
    from: slice.from,
    to: slice.to,
  });
  return reader.getRowObjectsJson() as WireRecord[];
}

/**
 * The model's questions in `slice`: one row per flight whose question falls in it (asked
 * `ASK_LEAD_MINUTES` before departure), keys + the time asked (`event_time`) + the request
 * field + the label. A training spine, and the demo's lookup traffic.
 */
export async function flightsSpine(
  duckdb: DuckDBConnection,
  slice: FlightsSlice,
): Promise<WireRecord[]> {
  const lead = ASK_LEAD_MINUTES * 60_000;
  const reader = await duckdb.runAndReadAll(
    `SELECT origin, destination, epoch_ms(date)::DOUBLE - ${lead} AS event_time,
            hour(date)::INTEGER AS scheduled_hour, delay > ${LATE_MINUTES} AS departed_late
     FROM ${sliceSource(slice)}
     ORDER BY date, origin, destination`,
    { path: flightsParquetPath(), from: slice.from + lead, to: slice.to + lead },
  );
  return reader.getRowObjectsJson() as WireRecord[];
}

/** Writes spine rows (the flights' keys, time, request field and label) as a Parquet file. */
export async function writeSpine(
  duckdb: DuckDBConnection,
  file: string,
  rows: readonly WireRecord[],
): Promise<void> {
  const json = path.join(path.dirname(file), 'spine.jsonl');
  await writeFile(json, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await duckdb.run(
    `COPY (SELECT origin, destination, make_timestamp(event_time::BIGINT * 1000) AS event_time,
                  scheduled_hour::BIGINT AS scheduled_hour, departed_late
           FROM read_json($json, format = 'newline_delimited',
                columns = {origin: 'VARCHAR', destination: 'VARCHAR', event_time: 'DOUBLE', scheduled_hour: 'BIGINT', departed_late: 'BOOLEAN'}))
     TO ${stringLiteral(file)} (FORMAT PARQUET)`,
    { json },
  );
  await rm(json);
}
