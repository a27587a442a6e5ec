/**
 * The point-in-time join over the local offline store (Parquet under `<dataDir>/offline`), in
 * DuckDB, through the same generator Athena uses. The training export and the skew check both
 * call `exportPointInTimeLocal`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType, offlineColumns } from '../core/columns.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService, getView } from '../registry/query.ts';
import type { Registry } from '../registry/types.ts';
import { dialectByName, type DialectName } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import {
  buildPointInTimePlan,
  SPINE_ROW_COLUMN,
  statusColumnName,
  type AsOf,
  type PlannedView,
} from '../sql/plan.ts';
import { renderPointInTimeSql } from '../sql/render.ts';
import { materializeSpine, validateSpine } from './spine.ts';
import { applyTransformsToTable, transformOutputs } from './transforms-duckdb.ts';

export interface LocalPointInTimeRequest {
  /** Feature service name. */
  readonly service: string;
  /**
   * An existing DuckDB table or view: the service's join keys, the time column, the optional
   * as-of column, any other columns (they pass through). A `_sk_row` column, when present, is
   * used as the row number (it must be unique); otherwise rows are numbered in table order.
   */
  readonly spineTable: string;
  /** TIMESTAMP column with the t of each row. */
  readonly timeColumn: string;
  /** One instant (epoch ms) for every row, or a TIMESTAMP column of the spine (NULL: no limit). */
  readonly asOf: AsOf;
  /**
   * The DuckDB table to create (replaced if it exists): all spine columns, `_sk_row`, every
   * service output (defaults and transforms applied), and per stored feature output
   * `<output>__status` (`present` | `missing` | `expired`). Rows in spine order.
   */
  readonly into: string;
  /** The pick's SQL shape. @default 'duckdb-asof' (same rows as 'duckdb', the Athena shape) */
  readonly dialect?: Exclude<DialectName, 'athena'>;
  /** Run the request transforms (false: stored features only, as the skew check asks). @default true */
  readonly transforms?: boolean;
  /** Called with rows done while transforms run over large exports. */
  readonly onProgress?: (stage: 'join' | 'transforms', done: number) => void;
}

export interface LocalPointInTimeDeps {
  readonly duckdb: DuckDBConnection;
  /** Folder whose `offline/<view>_v<version>/**\/*.parquet` is the offline store. */
  readonly dataDir: string;
  readonly runtime: RuntimeRegistry;
}

/**
 * Builds the point-in-time rows of a feature service for a spine already in DuckDB.
 *
 * @example
 * await duckdb.run(`CREATE TABLE spine AS SELECT * FROM read_csv('spine.csv')`);
 * const { rows } = await exportPointInTimeLocal(
 *   { duckdb, dataDir: '.skewless/data', runtime },
 *   { service: 'departure_delay_model', spineTable: 'spine', timeColumn: 'event_time',
 *     asOf: { kind: 'instant', at: Date.parse('2001-07-01T00:00:00Z') }, into: 'training' },
 * );
 */
export async function exportPointInTimeLocal(
  deps: LocalPointInTimeDeps,
  request: LocalPointInTimeRequest,
): Promise<{ rows: number }> {
  const { duckdb, runtime } = deps;
  const service = getService(runtime.registry, request.service);
  const spineRelation = q(request.spineTable);
  const columns = await validateSpine(duckdb, spineRelation, service, {
    timeColumn: request.timeColumn,
    ...(request.asOf.kind === 'column' ? { asOfColumn: request.asOf.column } : {}),
    label: `table '${request.spineTable}'`,
  });
  const spine = await materializeSpine(duckdb, spineRelation, columns);
  const pit = q(`${request.into}__sk_pit`);
  const tx = `${request.into}__sk_tx`;
  const into = q(request.into);
  const row = q(SPINE_ROW_COLUMN);
  try {
    const plan = buildPointInTimePlan(runtime.registry, service.name, {
      timeColumn: request.timeColumn,
      asOf: request.asOf,
    });
    const relations = await localRelations(runtime.registry, deps.dataDir, plan.views);
    const sql = renderPointInTimeSql(plan, dialectByName(request.dialect ?? 'duckdb-asof'), {
      spine: spine.relation,
      view: (v) => relations.get(v.table) ?? emptyRelation(runtime.registry, v),
    });
    const extra = request.transforms === false ? [] : transformOutputs(service);
    const columnsOf = (p: string, x: string) => [
      ...columns
        .map((c) => c.name)
        .filter((n) => n !== SPINE_ROW_COLUMN)
        .map((c) => `${p}.${q(c)}`),
      `${p}.${row}`,
      ...service.features.map((f) => `${p}.${q(f.output)}`),
      ...extra.map((o) => `${x}.${q(o.name)}`),
      ...service.features.map((f) => `${p}.${q(statusColumnName(f.output))}`),
    ];
    if (extra.length === 0) {
      // No transforms: the join writes the final table directly, in spine order.
      await duckdb.run(
        `CREATE OR REPLACE TABLE ${into} AS SELECT ${columnsOf('p', 'x').join(', ')} FROM (${sql}) AS p ORDER BY p.${row}`,
      );
      request.onProgress?.('join', 0);
    } else {
      await duckdb.run(`CREATE OR REPLACE TEMP TABLE ${pit} AS ${sql}`);
      request.onProgress?.('join', 0);
      await applyTransformsToTable(duckdb, runtime, service, pit, tx, (done) =>
        request.onProgress?.('transforms', done),
      );
      await duckdb.run(
        `CREATE OR REPLACE TABLE ${into} AS SELECT ${columnsOf('p', 'x').join(', ')} FROM ${pit} AS p` +
          ` LEFT JOIN ${q(tx)} AS x ON x.${row} = p.${row} ORDER BY p.${row}`,
      );
    }
    const reader = await duckdb.runAndReadAll(`SELECT count(*) AS n FROM ${into}`);
    return { rows: Number(reader.getRowObjectsJS()[0]?.['n'] ?? 0) };
  } finally {
    for (const t of [pit, q(tx)]) await duckdb.run(`DROP TABLE IF EXISTS ${t}`);
    await spine.drop();
  }
}

/** The folder of a view version's Parquet files in the local offline store. */
export function localOfflineDir(dataDir: string, table: string): string {
  return path.join(dataDir, 'offline', table);
}

/** `read_parquet` over each view that has files; views without files are left out (empty). */
export async function localRelations(
  registry: Registry,
  dataDir: string,
  views: readonly Pick<PlannedView, 'name' | 'table'>[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const view of views) {
    const dir = localOfflineDir(path.resolve(dataDir), view.table);
    if (!(await hasParquet(dir))) continue;
    const glob = stringLiteral(path.join(dir, '**', '*.parquet'));
    const cols = offlineColumns(getView(registry, view.name)).map((c) => q(c.name));
    // Only the offline columns: the hive partition column (event_date) is for pruning only.
    out.set(
      view.table,
      `(SELECT ${cols.join(', ')} FROM read_parquet(${glob}, hive_partitioning = true))`,
    );
  }
  return out;
}

/** A typed, empty relation with a view's offline columns: a view with no data yet. */
export function emptyRelation(registry: Registry, view: Pick<PlannedView, 'name'>): string {
  const cols = offlineColumns(getView(registry, view.name)).map(
    (c) => `CAST(NULL AS ${duckdbType(c.dtype)}) AS ${q(c.name)}`,
  );
  return `(SELECT ${cols.join(', ')} WHERE FALSE)`;
}

async function hasParquet(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.some((e) => e.endsWith('.parquet'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
