/**
 * Reads one day's inference logs (JSON lines, one `InferenceLogRecord` per line) into DuckDB:
 * one row per served vector of one service, keys and request fields as typed columns, and per
 * output the served text, status and age. Served values stay text here (`<output>__raw`) and
 * are cast per output at comparison time with TRY_CAST, so a vector served under another
 * definition version (another dtype) is counted as a mismatch instead of failing the whole read.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../core/columns.ts';
import type { RegistryService } from '../registry/types.ts';
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
} as const;

/** Column names of one output in the served-vector table. */
export function servedColumns(output: string): { raw: string; status: string; age: string } {
  return { raw: `${output}__raw`, status: `${output}__sstatus`, age: `${output}__age` };
}

export interface LoadServedVectorsRequest {
  /** JSON-lines files (paths or globs) of the day. */
  readonly files: readonly string[];
  readonly service: RegistryService;
  /** Table to create (replaced if it exists). */
  readonly into: string;
}

/**
 * Creates `into` with one row per served vector of `service`: `_sk_row` (from 0, ordered by
 * served_at, request id and row), request_id, row, served_at (TIMESTAMP), registry_hash,
 * entity_key, the service's join keys and request fields (typed), and per output
 * `<output>__raw` / `__sstatus` / `__age`. Returns the number of vectors.
 */
export async function loadServedVectors(
  duckdb: DuckDBConnection,
  request: LoadServedVectorsRequest,
): Promise<number> {
  const { service } = request;
  const clash = [...service.joinKeys, ...service.request].find(
    (c) => c.name === SKEW_COLUMNS.servedAt,
  );
  if (clash)
    throw new SkewlessError(
      `service '${service.name}' has a join key or request field named '${clash.name}', which the skew check's spine uses for the served time`,
    );
  const structOf = (fields: readonly string[], type: string) =>
    fields.length === 0
      ? 'MAP(VARCHAR, VARCHAR)'
      : `STRUCT(${fields.map((f) => `${q(f)} ${type}`).join(', ')})`;
  const outputs = service.outputs.map((o) => o.name);
  const stored = service.features.map((f) => f.output);
  const columns = [
    ['request_id', 'VARCHAR'],
    ['row', 'BIGINT'],
    ['served_at', 'VARCHAR'],
    ['service', 'VARCHAR'],
    ['registry_hash', 'VARCHAR'],
    ['entity_key', 'VARCHAR'],
    [
      'keys',
      structOf(
        service.joinKeys.map((k) => k.name),
        'VARCHAR',
      ),
    ],
    [
      'request',
      structOf(
        service.request.map((r) => r.name),
        'VARCHAR',
      ),
    ],
    ['values', structOf(outputs, 'VARCHAR')],
    ['statuses', structOf(stored, 'VARCHAR')],
    ['ages_ms', structOf(stored, 'BIGINT')],
  ];
  const columnSpec = `{${columns.map(([n, t]) => `${q(n!)}: ${stringLiteral(t!)}`).join(', ')}}`;
  const select = [
    `row_number() OVER (ORDER BY served_at, request_id, "row") - 1 AS ${q(SKEW_COLUMNS.logId)}`,
    'request_id',
    '"row"',
    `CAST(served_at AS TIMESTAMP) AS ${q(SKEW_COLUMNS.servedAt)}`,
    'registry_hash',
    'entity_key',
    ...service.joinKeys.map(
      (k) => `TRY_CAST("keys".${q(k.name)} AS ${duckdbType(k.dtype)}) AS ${q(k.name)}`,
    ),
    ...service.request.map(
      (r) => `TRY_CAST("request".${q(r.name)} AS ${duckdbType(r.dtype)}) AS ${q(r.name)}`,
    ),
    ...outputs.map((o) => `"values".${q(o)} AS ${q(servedColumns(o).raw)}`),
    ...stored.flatMap((o) => [
      `statuses.${q(o)} AS ${q(servedColumns(o).status)}`,
      `ages_ms.${q(o)} AS ${q(servedColumns(o).age)}`,
    ]),
  ];
  const files = `[${request.files.map(stringLiteral).join(', ')}]`;
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(request.into)} AS
     SELECT ${select.join(',\n       ')}
     FROM read_json(${files}, format = 'newline_delimited', columns = ${columnSpec})
     WHERE service = ${stringLiteral(service.name)}`,
  );
  const reader = await duckdb.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(request.into)}`);
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}

/** The distinct services in a day's logs, with their vector counts. */
export async function servicesInLogs(
  duckdb: DuckDBConnection,
  files: readonly string[],
): Promise<{ service: string; vectors: number }[]> {
  const reader = await duckdb.runAndReadAll(
    `SELECT service, count(*)::BIGINT AS n
     FROM read_json([${files.map(stringLiteral).join(', ')}], format = 'newline_delimited',
                    columns = {service: 'VARCHAR'})
     GROUP BY service ORDER BY service`,
  );
  return reader
    .getRowObjectsJson()
    .map((r) => ({ service: String(r.service), vectors: Number(r.n) }));
}

/**
 * Creates the spine the rebuild runs over: `_sk_row`, join keys, request fields (the transforms
 * read them) and `served_at`, used both as the row's `t` and its `as_of`, so the rebuild sees
 * only records ingested by the time the vector was served.
 */
export async function createSkewSpine(
  duckdb: DuckDBConnection,
  service: RegistryService,
  served: string,
  into: string,
): Promise<void> {
  const cols = [
    SKEW_COLUMNS.logId,
    ...service.joinKeys.map((k) => k.name),
    SKEW_COLUMNS.servedAt,
    ...service.request.map((r) => r.name),
  ];
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(into)} AS
     SELECT ${cols.map(q).join(', ')} FROM ${q(served)} ORDER BY ${q(SKEW_COLUMNS.logId)}`,
  );
}
