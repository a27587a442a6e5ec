/**
 * Reads one day's inference logs (JSON lines, one `InferenceLogRecord` per line, plain or GZIP)
 * into DuckDB, once for every service: then one row per served vector of one service, keys and
 * request fields as typed columns, and per output the served text, status and age. Served values
 * stay text here (`<output>__raw`) and are cast per output at comparison time with TRY_CAST, so
 * a vector served under another definition version (another dtype) is counted as a mismatch
 * instead of failing the whole read. A line that is not a served vector is counted, never fatal.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../core/columns.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { SkewlessError } from '../core/errors.ts';

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

/** The day's log, read once for every service (see `loadDayLog`). */
export const DAY_LOG_TABLE = '_sk_day_log';

export interface DayLog {
  /** Log lines read as served vectors. */
  readonly vectors: number;
  /** Lines that are not a served vector (not JSON, not UTF-8, a lone surrogate, a field missing). */
  readonly malformed: number;
  readonly services: readonly { readonly service: string; readonly vectors: number }[];
}

/**
 * Reads a day's inference-log files (JSON lines, plain or GZIP; paths or globs) into
 * `DAY_LOG_TABLE`, one row per served vector, with every field any service of the registry needs
 * (outputs, keys and request fields as the union over services, values as text). DuckDB reads the
 * lines in parallel and turns a line it cannot read into a row of nulls instead of failing
 * (`ignore_errors`): such rows, and rows without a request id, service, entity key or a served_at
 * that is an instant, are counted as malformed and left out. `describeMalformedLines` names them.
 */
export async function loadDayLog(
  duckdb: DuckDBConnection,
  files: readonly string[],
  registry: Registry,
): Promise<DayLog> {
  const union = <T extends { name: string }>(items: readonly T[]) => [
    ...new Set(items.map((i) => i.name)),
  ];
  const services = registry.featureServices;
  const structOf = (fields: readonly string[], type: string) =>
    fields.length === 0
      ? 'MAP(VARCHAR, VARCHAR)'
      : `STRUCT(${fields.map((f) => `${q(f)} ${type}`).join(', ')})`;
  const columns: [string, string][] = [
    ['request_id', 'VARCHAR'],
    ['row', 'BIGINT'],
    ['served_at', 'VARCHAR'],
    ['service', 'VARCHAR'],
    ['registry_hash', 'VARCHAR'],
    ['entity_key', 'VARCHAR'],
    ['keys', structOf(union(services.flatMap((s) => s.joinKeys)), 'VARCHAR')],
    ['request', structOf(union(services.flatMap((s) => s.request)), 'VARCHAR')],
    ['values', structOf(union(services.flatMap((s) => s.outputs)), 'VARCHAR')],
    ['statuses', structOf(union(services.flatMap((s) => s.features.map(asName))), 'VARCHAR')],
    ['ages_ms', structOf(union(services.flatMap((s) => s.features.map(asName))), 'BIGINT')],
  ];
  const columnSpec = `{${columns.map(([n, t]) => `${q(n)}: ${stringLiteral(t)}`).join(', ')}}`;
  const readable = `request_id IS NOT NULL AND service IS NOT NULL AND entity_key IS NOT NULL AND ${q(SKEW_COLUMNS.servedAt)} IS NOT NULL`;
  const table = q(DAY_LOG_TABLE);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT * REPLACE (TRY_CAST(served_at AS TIMESTAMP) AS served_at)
     FROM read_json([${files.map(stringLiteral).join(', ')}], format = 'newline_delimited',
                    columns = ${columnSpec}, ignore_errors = true)`,
  );
  try {
    const counts = await duckdb.runAndReadAll(
      `SELECT count(*) FILTER (WHERE NOT (${readable}))::BIGINT AS bad, count(*)::BIGINT AS n
       FROM ${table}`,
    );
    const c = counts.getRowObjectsJson()[0] ?? {};
    // Deleted in place: copying the readable lines into a second table cost a second a million.
    if (Number(c.bad ?? 0) > 0) await duckdb.run(`DELETE FROM ${table} WHERE NOT (${readable})`);
    const bySerivce = await duckdb.runAndReadAll(
      `SELECT service, count(*)::BIGINT AS n FROM ${table} GROUP BY service ORDER BY service`,
    );
    return {
      vectors: Number(c.n ?? 0) - Number(c.bad ?? 0),
      malformed: Number(c.bad ?? 0),
      services: bySerivce
        .getRowObjectsJson()
        .map((r) => ({ service: String(r.service), vectors: Number(r.n) })),
    };
  } catch (error) {
    await duckdb.run(`DROP TABLE IF EXISTS ${table}`);
    throw error;
  }
}

function asName(f: { output: string }): { name: string } {
  return { name: f.output };
}

/**
 * Creates `into` from the day's log with one row per served vector of `service`: `_sk_row` (from
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
  const select = [
    `o.n AS ${q(SKEW_COLUMNS.logId)}`,
    'request_id',
    '"row"',
    q(SKEW_COLUMNS.servedAt),
    'registry_hash',
    'entity_key',
    ...service.joinKeys.map(
      (k) => `TRY_CAST("keys".${q(k.name)} AS ${duckdbType(k.dtype)}) AS ${q(k.name)}`,
    ),
    ...service.request.map(
      (r) => `TRY_CAST("request".${q(r.name)} AS ${duckdbType(r.dtype)}) AS ${q(r.name)}`,
    ),
    ...service.outputs.flatMap((o) => {
      const c = servedColumns(o.name);
      return [
        `"values".${q(o.name)} AS ${q(c.raw)}`,
        `TRY_CAST("values".${q(o.name)} AS ${duckdbType(o.dtype)}) AS ${q(c.value)}`,
      ];
    }),
    ...service.features.flatMap((f) => [
      `statuses.${q(f.output)} AS ${q(servedColumns(f.output).status)}`,
      `ages_ms.${q(f.output)} AS ${q(servedColumns(f.output).age)}`,
    ]),
  ];
  // The order is numbered over three narrow columns and joined back by rowid (sorting the wide
  // rows by those took longer than the rest of the load); the rows are stored in log-id order,
  // the rebuild's too, so the check joins them by position (see `createValuesView`).
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(request.into)} AS
     SELECT ${select.join(',\n       ')}
     FROM ${q(DAY_LOG_TABLE)} AS l
     JOIN (SELECT rowid AS id, row_number() OVER (ORDER BY served_at, request_id, "row") - 1 AS n
           FROM ${q(DAY_LOG_TABLE)} WHERE service = ${stringLiteral(service.name)}) AS o
       ON o.id = l.rowid
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
