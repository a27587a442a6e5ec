/**
 * Backfill in local mode: validated rows appended to the view's Parquet under
 * `<dataDir>/offline` unless their record id is already stored (so a rerun adds nothing).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { OfflineSource } from '../ingest/offline-row.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { storedRecordIds, writeOfflineRows } from './offline.ts';

export interface LocalBackfillDeps {
  readonly duckdb: DuckDBConnection;
  readonly registry: Registry;
  readonly dataDir: string;
}

export interface LocalBackfillResult {
  /** Rows appended now. */
  readonly added: number;
  /** Rows whose record id the offline store already held (an earlier run). */
  readonly alreadyStored: number;
}

export async function runLocalBackfill(
  deps: LocalBackfillDeps,
  view: RegistryView,
  rows: readonly OfflineSource[],
  progress?: { start(total: number): void; advance(done: number): void },
): Promise<LocalBackfillResult> {
  const { duckdb, registry, dataDir } = deps;
  const ids = rows.map((r) => r.recordId);
  const stored = await storedRecordIds(duckdb, registry, dataDir, view, ids);
  const fresh = rows.filter((r) => !stored.has(r.recordId));
  progress?.start(fresh.length);
  await writeOfflineRows(duckdb, registry, dataDir, view, fresh, (n) => progress?.advance(n));
  return { added: fresh.length, alreadyStored: rows.length - fresh.length };
}
