/**
 * The training rows of a feature service for a spine already in DuckDB, whichever offline store
 * runs the join: the spine validated and numbered, the store's point-in-time rows, the request
 * transforms (the lookup's own function), spine order. The training export (`run.ts`), the skew
 * check's rebuild and the tests all come through here.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import type { RegistryService } from '../registry/types.ts';
import type { DialectName } from '../sql/dialect.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import {
  servedViews,
  SPINE_ROW_COLUMN,
  statusColumnName,
  type AsOf,
  type ViewSubset,
} from '../sql/plan.ts';
import { localOfflineReader } from './offline-local.ts';
import type { OfflineReader, StoreRows } from './offline-reader.ts';
import { materializeSpine, validateSpine, type SpineColumn } from './spine.ts';
import { applyTransformsToTable, transformOutputs } from './transforms-duckdb.ts';
import { candidateHistoryOf } from '../registry/candidates.ts';

export interface PointInTimeRequest {
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
   * `<output>__status` (`present` | `missing` | `expired`). Rows in spine order (see `sorted`).
   */
  readonly into: string;
  /** Run the request transforms (false: stored features only, as the skew check asks). @default true */
  readonly transforms?: boolean;
  /** Only these views' features (`ViewSubset`; stored features only, so `transforms: false`). */
  readonly views?: ViewSubset;
  /**
   * Rows in spine order. A caller that joins the rows by `_sk_row` (the skew check) says false
   * and saves a sort of every row. @default true
   */
  readonly sorted?: boolean;
  /** Names the store's scratch objects (the export id). */
  readonly id?: string;
  /** What a spine error names. @default the spine table */
  readonly label?: string;
  /** Called with rows done while transforms run over large exports. */
  readonly onProgress?: (stage: 'join' | 'transforms', done: number) => void;
}

export interface PointInTimeDeps {
  readonly duckdb: DuckDBConnection;
  readonly runtime: RuntimeRegistry;
  readonly store: OfflineReader;
}

export interface PointInTimeResult extends Omit<StoreRows, 'relation' | 'release'> {
  readonly rows: number;
  /** The spine's columns as given (without a `_sk_row` the export added). */
  readonly spineColumns: readonly SpineColumn[];
}

/** Builds `request.into` (see `PointInTimeRequest`) through `deps.store`. */
export async function buildPointInTimeRows(
  deps: PointInTimeDeps,
  request: PointInTimeRequest,
): Promise<PointInTimeResult> {
  const { duckdb, runtime } = deps;
  const service = getService(runtime.registry, request.service);
  if (request.views !== undefined && request.transforms !== false)
    throw new RangeError('a rebuild of some views has stored features only: set transforms: false');
  const spineRelation = q(request.spineTable);
  const columns = await validateSpine(duckdb, spineRelation, service, {
    timeColumn: request.timeColumn,
    ...(request.asOf.kind === 'column' ? { asOfColumn: request.asOf.column } : {}),
    label: request.label ?? `table '${request.spineTable}'`,
  });
  const spine = await materializeSpine(duckdb, spineRelation, columns);
  try {
    // A shadow's candidate versions read their history where the served version's table holds it.
    const history = candidateHistoryOf(runtime.registry, service);
    const stored = await deps.store.pointInTime({
      registry: runtime.registry,
      ...(history.size > 0 ? { eventsFrom: history } : {}),
      service: service.name,
      spine: spine.relation,
      spineColumns: withRowColumn(columns),
      timeColumn: request.timeColumn,
      asOf: request.asOf,
      ...(request.views === undefined ? {} : { views: request.views }),
      ...(request.id === undefined ? {} : { id: request.id }),
    });
    try {
      const extra = request.transforms === false ? [] : transformOutputs(service);
      await finishRows(deps, service, columns, stored.relation, request, extra);
    } finally {
      await stored.release();
    }
    const reader = await duckdb.runAndReadAll(`SELECT count(*) AS n FROM ${q(request.into)}`);
    return {
      rows: Number(reader.getRowObjectsJS()[0]?.['n'] ?? 0),
      spineColumns: columns,
      queryId: stored.queryId,
      bytesScanned: stored.bytesScanned,
      files: stored.files,
    };
  } finally {
    await spine.drop();
  }
}

/** The spine's columns with `_sk_row` last (as the store sees the numbered spine). */
function withRowColumn(columns: readonly SpineColumn[]): SpineColumn[] {
  return [
    ...columns.filter((c) => c.name !== SPINE_ROW_COLUMN),
    columns.find((c) => c.name === SPINE_ROW_COLUMN) ?? { name: SPINE_ROW_COLUMN, type: 'BIGINT' },
  ];
}

/** `into` from the store's rows: transforms joined on the spine row, columns in order, sorted. */
async function finishRows(
  deps: PointInTimeDeps,
  service: RegistryService,
  columns: readonly SpineColumn[],
  relation: string,
  request: PointInTimeRequest,
  extra: RegistryService['outputs'],
): Promise<void> {
  const { duckdb, runtime } = deps;
  const views = servedViews(service, request.views);
  const features = service.features.filter((f) => views.includes(f.view));
  const pit = q(`${request.into}__sk_pit`);
  const order = request.sorted === false ? '' : ` ORDER BY p.${q(SPINE_ROW_COLUMN)}`;
  const tx = `${request.into}__sk_tx`;
  const row = q(SPINE_ROW_COLUMN);
  const select = [
    ...columns
      .map((c) => c.name)
      .filter((n) => n !== SPINE_ROW_COLUMN)
      .map((c) => `p.${q(c)}`),
    `p.${row}`,
    ...features.map((f) => `p.${q(f.output)}`),
    ...extra.map((o) => `x.${q(o.name)}`),
    ...features.map((f) => `p.${q(statusColumnName(f.output))}`),
  ].join(', ');
  const create = `CREATE OR REPLACE TABLE ${q(request.into)} AS SELECT ${select}`;
  if (extra.length === 0) {
    // No transforms: the join writes the final table directly, in spine order.
    await duckdb.run(`${create} FROM ${relation} AS p${order}`);
    request.onProgress?.('join', 0);
    return;
  }
  try {
    await duckdb.run(`CREATE OR REPLACE TEMP TABLE ${pit} AS SELECT * FROM ${relation}`);
    request.onProgress?.('join', 0);
    await applyTransformsToTable(duckdb, runtime, service, pit, tx, (done) =>
      request.onProgress?.('transforms', done),
    );
    await duckdb.run(
      `${create} FROM ${pit} AS p LEFT JOIN ${q(tx)} AS x ON x.${row} = p.${row}${order}`,
    );
  } finally {
    for (const t of [pit, q(tx)]) await duckdb.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/** Where `exportPointInTimeLocal` reads: the local offline store. */
export interface LocalPointInTimeDeps {
  readonly duckdb: DuckDBConnection;
  /** Folder whose `offline/<view>_v<version>/**\/*.parquet` is the offline store. */
  readonly dataDir: string;
  readonly runtime: RuntimeRegistry;
}

export interface LocalPointInTimeRequest extends PointInTimeRequest {
  /** The pick's SQL shape. @default 'duckdb-asof' (same rows as 'duckdb', the Athena shape) */
  readonly dialect?: Exclude<DialectName, 'athena'>;
}

/**
 * `buildPointInTimeRows` over the local offline store.
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
  const store = localOfflineReader({
    dataDir: deps.dataDir,
    registry: deps.runtime.registry,
    ...(request.dialect ? { dialect: request.dialect } : {}),
    // The Athena shape runs as Athena runs it: with the span's literal bounds.
    ...(request.dialect === 'duckdb' ? { duckdb: deps.duckdb } : {}),
  });
  const { rows } = await buildPointInTimeRows({ ...deps, store }, request);
  return { rows };
}
