/**
 * Materialize in local mode: the newest row per entity from the view's Parquet under
 * `<dataDir>/offline`, read by DuckDB, written to the running store's online table (dynalite).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { offlineTableName } from '../core/columns.ts';
import type { OnlineRecord } from '../core/online-item.ts';
import { localRelations } from '../export/offline-local.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import type { Registry, PlainRegistryView } from '../registry/types.ts';
import {
  newestPerEntitySql,
  onlineRecordOfRow,
  writeNewest,
  type MaterializeResult,
} from './materialize.ts';

export interface LocalMaterializeDeps {
  readonly duckdb: DuckDBConnection;
  readonly registry: Registry;
  readonly dataDir: string;
  readonly online: OnlineStoreWriter;
}

export interface MaterializeProgress {
  /** The number of entities to write is known. */
  start(entities: number): void;
  advance(done: number): void;
}

/** Newest offline record per entity of `view` in a DuckDB relation, as online records. */
export async function newestRecords(
  duckdb: DuckDBConnection,
  view: PlainRegistryView,
  relation: string,
): Promise<OnlineRecord[]> {
  const reader = await duckdb.runAndReadAll(newestPerEntitySql(view, relation));
  return reader.getRowObjectsJS().map((row) => onlineRecordOfRow(view, row));
}

export async function runLocalMaterialize(
  deps: LocalMaterializeDeps,
  view: PlainRegistryView,
  progress?: MaterializeProgress,
): Promise<MaterializeResult> {
  const table = offlineTableName(view);
  const relation = (
    await localRelations(deps.registry, deps.dataDir, [{ name: view.name, table }])
  ).get(table);
  const records = relation ? await newestRecords(deps.duckdb, view, relation) : [];
  progress?.start(records.length);
  return writeNewest(deps.online, view, records, {}, (done) => progress?.advance(done));
}
