/**
 * Where a tile rebuild reads its offline history: the one SELECT of `lib/sql/tile-events.ts`,
 * run by DuckDB over the local Parquet folder or by Athena over the Iceberg table (UNLOADed, then
 * read back by DuckDB), and grouped per entity here.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { offlineTableName } from '../core/columns.ts';
import { encodeEntityKey, type EntityKey, type KeyValue } from '../core/entity-key.ts';
import type { TileHistory } from '../core/tile-rebuild.ts';
import type { TileRecord } from '../core/tile-state.ts';
import type { FeatureValue } from '../define/dtypes.ts';
import { unloadSql } from '../export/athena-sql.ts';
import {
  downloadObjects,
  exportPrefixes,
  runAthenaQuery,
  type AthenaExportDeps,
} from '../export/athena-aws.ts';
import { fromDuckdbValue } from '../export/duckdb-values.ts';
import { localRelations } from '../export/offline-local.ts';
import type { Registry, AggregationRegistryView } from '../registry/types.ts';
import { athenaDialect, duckdbDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import {
  TILE_ROW_KIND,
  tileEventColumns,
  tileEventsSql,
  type TileEventsQuery,
} from '../sql/tile-events.ts';

/** An entity's history and its key values (the heal and the tests name entities by them). */
export interface EntityHistory extends TileHistory {
  readonly keys: Readonly<Record<string, KeyValue>>;
}

/** Reads the offline history of a view's entities (all, or those of the query). */
export interface TileHistorySource {
  /**
   * `fromVersion`: read the raw events stored under that earlier version of the view (the same
   * stream's records, with the same record ids): a new version's first rebuild.
   */
  histories(
    view: AggregationRegistryView,
    query: TileEventsQuery,
    fromVersion?: number,
  ): Promise<Map<EntityKey, EntityHistory>>;
}

/** The offline table the events are read from: the view's own, or an earlier version's. */
function eventsTable(view: AggregationRegistryView, fromVersion: number | undefined): string {
  if (fromVersion === undefined) return offlineTableName(view);
  if (!Number.isSafeInteger(fromVersion) || fromVersion < 1 || fromVersion >= view.version)
    throw new RangeError(
      `version ${fromVersion} of '${view.name}' is not an earlier version (the current is ${view.version})`,
    );
  return offlineTableName({ name: view.name, version: fromVersion });
}

/** The rows of a tile-events SELECT (run in DuckDB), grouped per entity. */
export async function readTileHistories(
  duckdb: DuckDBConnection,
  view: AggregationRegistryView,
  select: string,
): Promise<Map<EntityKey, EntityHistory>> {
  const reader = await duckdb.runAndReadAll(select);
  const eventId = view.aggregation.eventId ?? null;
  const columns = view.aggregation.columns;
  const out = new Map<
    EntityKey,
    { keys: Record<string, KeyValue>; events: TileRecord[]; marks: string[] }
  >();
  for (const row of reader.getRowObjectsJS()) {
    const keys: Record<string, KeyValue> = {};
    for (const k of view.joinKeys) {
      const v = row[k.name];
      keys[k.name] = typeof v === 'bigint' ? Number(v) : (v as KeyValue);
    }
    const entityKey = encodeEntityKey(view.joinKeys, keys);
    let entry = out.get(entityKey);
    if (!entry) out.set(entityKey, (entry = { keys, events: [], marks: [] }));
    const recordId = String(row['record_id']);
    if (row[TILE_ROW_KIND] === 'm') {
      entry.marks.push(recordId);
      continue;
    }
    const values: Record<string, FeatureValue> = {};
    for (const c of columns)
      values[c.name] = fromDuckdbValue(c.dtype, row[c.name] ?? null, `${view.name}.${c.name}`);
    const id = eventId === null ? null : (values[eventId] ?? null);
    entry.events.push({
      eventTime: (row['event_time'] as Date).getTime(),
      recordId,
      values,
      eventId: id === null ? null : String(id),
    });
  }
  return out;
}

/** The local Parquet folder (`<dataDir>/offline/<view>_v<version>/`), read by DuckDB. */
export function localTileHistories(deps: {
  readonly duckdb: DuckDBConnection;
  readonly registry: Registry;
  readonly dataDir: string;
}): TileHistorySource {
  return {
    async histories(view, query, fromVersion) {
      const table = eventsTable(view, fromVersion);
      const relation = (
        await localRelations(deps.registry, deps.dataDir, [{ name: view.name, table }])
      ).get(table);
      if (!relation) return new Map();
      return readTileHistories(
        deps.duckdb,
        view,
        tileEventsSql(view, relation, duckdbDialect, query),
      );
    },
  };
}

export interface AthenaTileDeps extends Omit<AthenaExportDeps, 'runtime'> {
  readonly duckdb: DuckDBConnection;
  /** Scratch folder for the unloaded files. */
  readonly tmpDir: string;
  /** `[a-z0-9_]`, unique per run: names the S3 prefixes (`exports/tiles_<runId>_<n>/`). */
  readonly runId: string;
}

/** The Athena UNLOAD of a view's tile events from its Iceberg table in `database`. */
export function tileEventsUnloadSql(
  view: AggregationRegistryView,
  database: string,
  query: TileEventsQuery,
  target: string,
  table = offlineTableName(view),
): string {
  const relation = `${q(database)}.${q(table)}`;
  const columns = [TILE_ROW_KIND, ...tileEventColumns(view).map((c) => c.name)].map((name) => ({
    name,
    timestamp: name === 'event_time',
  }));
  return unloadSql(tileEventsSql(view, relation, athenaDialect, query), columns, target);
}

/** Athena over the view's Iceberg table: the SELECT UNLOADed as Parquet, read back by DuckDB. */
export function athenaTileHistories(deps: AthenaTileDeps): TileHistorySource {
  let n = 0;
  return {
    async histories(view, query, fromVersion) {
      const id = `tiles_${deps.runId}_${n++}`;
      const prefixes = exportPrefixes(id);
      const target = `s3://${deps.bucket}/${prefixes.data}`;
      await runAthenaQuery(
        deps,
        tileEventsUnloadSql(view, deps.glueDatabase, query, target, eventsTable(view, fromVersion)),
      );
      const work = path.join(deps.tmpDir, id);
      await mkdir(work, { recursive: true });
      const files = await downloadObjects(deps, prefixes.data, work);
      if (files.length === 0) return new Map();
      const read = `SELECT * FROM read_parquet([${files.map(stringLiteral).join(', ')}])`;
      return readTileHistories(deps.duckdb, view, read);
    },
  };
}
