/**
 * Reads a day's inference log into DuckDB: the source counts the day where the log lives and
 * loads one service's sample (`./sample.ts`); then one row per sampled vector, keys and request
 * fields as typed columns, and per output the served text, status and age. Served values stay
 * text here (`<output>__raw`) and are cast per output at comparison time with TRY_CAST, so a
 * vector served under another definition version (another dtype) is counted as a mismatch
 * instead of failing the whole read. A record that is not a served vector is counted, never fatal.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../core/columns.ts';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { SkewlessError } from '../core/errors.ts';
import type { MalformedLines } from './types.ts';
import { INFERENCE_LOG_COLUMNS, LOG_MAP_VALUE_TYPES } from '../core/inference-log.ts';

/** Columns of the served-vector table that the spine carries to the rebuild. */
export const SKEW_COLUMNS = {
  /**
   * The vector's position in the day's logs of its service, from 0: the spine's row number
   * (`_sk_row`), which the export keeps, so served and rebuilt rows join on it.
   */
  logId: SPINE_ROW_COLUMN,
  /** `served_at` as a TIMESTAMP: the spine's `t` and its per-row `as_of`. */
  servedAt: 'served_at',
  /** A served value's own event time (`served_at − age`): the time of a second rebuild. */
  servedRecordAt: 'served_record_at',
  /** The rebuild's per-row as-of: `served_at`, or NULL (no limit: the latest as_of). */
  asOf: 'served_as_of',
} as const;

/** Statuses that mean "the default was served because no fresh value existed". */
export const ABSENT_STATUSES = `('expired', 'missing')`;

/**
 * Column names of one output in the served-vector table: the served text, that text cast to the
 * output's current type (NULL when it does not parse), the status and the age.
 */
export function servedColumns(output: string): {
  raw: string;
  value: string;
  status: string;
  age: string;
} {
  return {
    raw: `${output}__raw`,
    value: `${output}__served`,
    status: `${output}__sstatus`,
    age: `${output}__age`,
  };
}

/** The table one service's sampled vectors are loaded into (every log column). */
export const SAMPLE_TABLE = '_sk_day_sample';

/** How many vectors a service logged on the day, and how many of them the sample keeps. */
export interface DayCounts {
  readonly services: readonly { readonly service: string; readonly vectors: number }[];
  /** Rows of the day that are not served vectors (no request id, service or entity key). */
  readonly unreadable: number;
}

/** The counts from the rows of `renderDayCounts` (rows without a service are all unreadable). */
export function dayCountsOf(rows: readonly Record<string, unknown>[]): DayCounts {
  return {
    services: rows
      .filter((r) => r.service !== null)
      .map((r) => ({ service: String(r.service), vectors: Number(r.vectors) }))
      .sort((a, b) => a.service.localeCompare(b.service)),
    unreadable: rows.reduce((n, r) => n + Number(r.unreadable), 0),
  };
}

/** How many vectors `SAMPLE_TABLE` holds. */
export async function sampleSize(duckdb: DuckDBConnection): Promise<number> {
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(SAMPLE_TABLE)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}

/**
 * Where a day's log is read: DuckDB over the local Parquet files, or Athena over the Iceberg
 * table (downloading only the sample). Both run the SQL of `./sample.ts`.
 */
export interface DayLogSource {
  /** The day's vectors per service (the whole day, counted where the log is). */
  counts(): Promise<DayCounts>;
  /**
   * Creates `SAMPLE_TABLE` in the check's DuckDB with the service's sampled vectors (`logged`:
   * its count of the day); returns how many.
   */
  loadSample(service: RegistryService, logged: number): Promise<number>;
  /** Records the log refused (Firehose's error output for the day), counted and named. */
  rejected(): Promise<MalformedLines>;
}

/**
 * The log's JSON-object columns as structs of just the names the service reads, each object
 * parsed once (`json_transform`: a name the object lacks, or a value of another type, reads as
 * NULL instead of failing the day; a generic map cast was five times slower on a 1M-vector day).
 */
function structsOfJson(names: Readonly<Record<string, readonly string[]>>): string {
  return INFERENCE_LOG_COLUMNS.flatMap((c) => {
    const type = LOG_MAP_VALUE_TYPES[c.kind];
    const fields = names[c.name] ?? [];
    if (!type || fields.length === 0) return [];
    const structure = JSON.stringify(Object.fromEntries(fields.map((f) => [f, type])));
    return [`json_transform(${q(c.name)}, ${stringLiteral(structure)}) AS ${q(c.name)}`];
  }).join(', ');
}

/** A JSON-object column's entry by name (NULL when the vector has none). */
function entry(map: string, name: string): string {
  return `l.${q(map)}[${stringLiteral(name)}]`;
}

/**
 * Creates `into` from the service's sampled vectors (`SAMPLE_TABLE`) with one row per vector: `_sk_row` (from
 * 0, ordered by served_at, request id and row), request_id, row, served_at (TIMESTAMP),
 * registry_hash, entity_key, the service's join keys and request fields (typed), and per output
 * `<output>__raw` / `__served` / `__sstatus` / `__age`, in log-id order. Returns the number of
 * vectors.
 */
export async function loadServedVectors(
  duckdb: DuckDBConnection,
  request: { readonly service: RegistryService; readonly into: string },
): Promise<number> {
  const { service } = request;
  const reserved: readonly string[] = [
    SKEW_COLUMNS.servedAt,
    SKEW_COLUMNS.servedRecordAt,
    SKEW_COLUMNS.asOf,
  ];
  const clash = [...service.joinKeys, ...service.request].find((c) => reserved.includes(c.name));
  if (clash)
    throw new SkewlessError(
      `service '${service.name}' has a join key or request field named '${clash.name}', which the skew check's spines use for served times`,
    );
  const stored = service.features.map((f) => f.output);
  const names = {
    keys: service.joinKeys.map((k) => k.name),
    request: service.request.map((r) => r.name),
    values: service.outputs.map((o) => o.name),
    statuses: stored,
    ages_ms: stored,
  };
  const select = [
    `o.n AS ${q(SKEW_COLUMNS.logId)}`,
    'request_id',
    '"row"',
    q(SKEW_COLUMNS.servedAt),
    'registry_hash',
    'entity_key',
    ...service.joinKeys.map(
      (k) => `TRY_CAST(${entry('keys', k.name)} AS ${duckdbType(k.dtype)}) AS ${q(k.name)}`,
    ),
    ...service.request.map(
      (r) => `TRY_CAST(${entry('request', r.name)} AS ${duckdbType(r.dtype)}) AS ${q(r.name)}`,
    ),
    ...service.outputs.flatMap((o) => {
      const c = servedColumns(o.name);
      return [
        `${entry('values', o.name)} AS ${q(c.raw)}`,
        `TRY_CAST(${entry('values', o.name)} AS ${duckdbType(o.dtype)}) AS ${q(c.value)}`,
      ];
    }),
    ...service.features.flatMap((f) => [
      `${entry('statuses', f.output)} AS ${q(servedColumns(f.output).status)}`,
      `${entry('ages_ms', f.output)} AS ${q(servedColumns(f.output).age)}`,
    ]),
  ];
  // The order is numbered over three narrow columns and joined back by rowid (sorting the wide
  // rows by those took longer than the rest of the load); the rows are stored in log-id order,
  // the rebuild's too, so the check joins them by position (see `createValuesView`).
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(request.into)} AS
     SELECT ${select.join(',\n       ')}
     FROM (SELECT rowid AS _rid, * REPLACE (${structsOfJson(names)}) FROM ${q(SAMPLE_TABLE)}) AS l
     JOIN (SELECT rowid AS id, row_number() OVER (ORDER BY served_at, request_id, "row") - 1 AS n
           FROM ${q(SAMPLE_TABLE)}) AS o
       ON o.id = l._rid
     ORDER BY o.n`,
  );
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(request.into)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}

/**
 * Creates the spine the rebuild runs over: `_sk_row`, join keys, request fields (the transforms
 * read them), `served_at` as the row's `t`, and `as_of`:
 * - one row per vector (`_sk_row` = its log id) with `as_of = served_at`, so the rebuild sees only
 *   records ingested by the time the vector was served;
 * - one more row per vector that served some feature expired or missing (`_sk_row` = log id +
 *   `offset`), with no as-of limit: what training sees now, to tell late data apart.
 * Returns the number of rows of the second kind.
 */
export async function createSkewSpine(
  duckdb: DuckDBConnection,
  service: RegistryService,
  served: string,
  into: string,
  offset: number,
): Promise<number> {
  const cols = [
    ...service.joinKeys.map((k) => k.name),
    SKEW_COLUMNS.servedAt,
    ...service.request.map((r) => r.name),
  ].map(q);
  const id = q(SKEW_COLUMNS.logId);
  const absent = service.features.map(
    (f) => `${q(servedColumns(f.output).status)} IN ${ABSENT_STATUSES}`,
  );
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(into)} AS
     SELECT ${id}, ${cols.join(', ')}, ${q(SKEW_COLUMNS.servedAt)} AS ${q(SKEW_COLUMNS.asOf)}
     FROM ${q(served)}
     UNION ALL
     SELECT ${id} + ${offset}, ${cols.join(', ')}, CAST(NULL AS TIMESTAMP)
     FROM ${q(served)} WHERE ${absent.length ? absent.join(' OR ') : 'FALSE'}`,
  );
  const reader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM ${q(into)} WHERE ${id} >= ${offset}`,
  );
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}
