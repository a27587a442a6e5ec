/**
 * The local offline store: Parquet files under `<dataDir>/offline/<view>_v<version>/`, queried
 * by DuckDB through the same point-in-time generator Athena uses (its DuckDB spellings).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType, offlineColumns } from '../core/columns.ts';
import { getView } from '../registry/query.ts';
import { viewAtVersion } from '../registry/candidates.ts';
import type { Registry } from '../registry/types.ts';
import { dialectByName, type DialectName } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { buildPointInTimePlan, type PlannedView } from '../sql/plan.ts';
import { renderPointInTimeSql } from '../sql/render.ts';
import {
  storedTable,
  withQueryEventsFrom,
  type EventsFrom,
  type OfflineReader,
} from './offline-reader.ts';
import { localOfflineDir } from '../local/firehose.ts';
import { spineSpan } from './spine-span.ts';

export interface LocalOfflineReaderOptions {
  /** Folder whose `offline/<view>_v<version>/**\/*.parquet` is the offline store. */
  readonly dataDir: string;
  readonly registry: Registry;
  /** The pick's SQL shape. @default 'duckdb-asof' (same rows as 'duckdb', the Athena shape) */
  readonly dialect?: Exclude<DialectName, 'athena'>;
  /**
   * Computes each spine's span with this connection and renders the scan bounds as literals,
   * as the Athena runner does (the `duckdb` dialect then runs exactly Athena's shape). Absent:
   * the bounds are scalar subqueries over the spine, which DuckDB evaluates before the scan.
   */
  readonly duckdb?: DuckDBConnection;
  /** Views read from an earlier version's table (`EventsFrom`). @default none */
  readonly eventsFrom?: EventsFrom;
}

/** The local Parquet folder as an offline store: the join is a lazy DuckDB subquery. */
export function localOfflineReader(options: LocalOfflineReaderOptions): OfflineReader {
  const dialect = options.dialect ?? 'duckdb-asof';
  return {
    engine: 'duckdb',
    dialect,
    async pointInTime(query) {
      const registry = query.registry ?? options.registry;
      const eventsFrom = withQueryEventsFrom(options.eventsFrom, query.eventsFrom);
      const plan = buildPointInTimePlan(registry, query.service, query);
      const source = (v: Pick<PlannedView, 'name' | 'table'>) => storedTable(v, eventsFrom);
      const relations = await localRelations(
        registry,
        options.dataDir,
        plan.views.map((v) => ({ name: v.name, version: v.version, table: source(v) })),
      );
      const span = options.duckdb
        ? await spineSpan(options.duckdb, query.spine, query.timeColumn)
        : undefined;
      const sql = renderPointInTimeSql(
        plan,
        dialectByName(dialect),
        {
          spine: query.spine,
          view: (v) => relations.get(source(v)) ?? emptyRelation(registry, v),
        },
        span ? { span } : {},
      );
      return {
        relation: `(${sql})`,
        queryId: null,
        bytesScanned: 0,
        files: [],
        release: async () => undefined,
      };
    },
    // A local export keeps its manifest and baseline beside the training file only.
    artifacts: () => ({ manifest: [], baseline: [] }),
    async write(target, body) {
      if (target.startsWith('s3://'))
        throw new RangeError(`'${target}': the local store writes local files only (use --aws)`);
      await writeLocalFile(target, body);
    },
  };
}

/** Writes an export artifact to a local path (its folder created). */
export async function writeLocalFile(target: string, body: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(path.resolve(target)), { recursive: true });
  await writeFile(target, body);
}

/** `read_parquet` over each view that has files; views without files are left out (empty). */
export async function localRelations(
  registry: Registry,
  dataDir: string,
  views: readonly ViewTable[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const view of views) {
    const dir = localOfflineDir(path.resolve(dataDir), view.table);
    if (!(await hasParquet(dir))) continue;
    const glob = stringLiteral(path.join(dir, '**', '*.parquet'));
    const cols = offlineColumns(plannedViewOf(registry, view)).map((c) => q(c.name));
    // Only the offline columns: the hive partition column (event_date) is for pruning only.
    out.set(
      view.table,
      `(SELECT ${cols.join(', ')} FROM read_parquet(${glob}, hive_partitioning = true))`,
    );
  }
  return out;
}

/** A typed, empty relation with a view's offline columns: a view with no data yet. */
export function emptyRelation(registry: Registry, view: Omit<ViewTable, 'table'>): string {
  const cols = offlineColumns(plannedViewOf(registry, view)).map(
    (c) => `CAST(NULL AS ${duckdbType(c.dtype)}) AS ${q(c.name)}`,
  );
  return `(SELECT ${cols.join(', ')} WHERE FALSE)`;
}

/** A view's table to read; its columns are the view's at `version` (default: the served one). */
type ViewTable = Pick<PlannedView, 'name' | 'table'> & { readonly version?: number };

/** The registry's view at the planned version (a shadow's may be a candidate). */
function plannedViewOf(registry: Registry, view: Omit<ViewTable, 'table'>) {
  const at =
    view.version === undefined ? undefined : viewAtVersion(registry, view.name, view.version);
  return at ?? getView(registry, view.name);
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
