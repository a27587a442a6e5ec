/**
 * Materialize: the newest offline value of each entity of a view, written to the online store
 * with ingestion's own conditional put (`planOnlineWrites` + `writeOnline`, the condition of
 * `newerThanStoredCondition`). A fresher online value is never replaced and a rerun writes
 * nothing: every put of a rerun finds an item at least as new and counts as `stale`.
 *
 * The pick is the ordering rule of `lib/core/ordering.ts` in SQL: per entity, the row with the
 * greatest `(event_time, record_id)`. The same text runs in DuckDB (local Parquet) and Athena
 * (the Iceberg table); only the relation differs.
 */
import type { JS } from '@duckdb/node-api';
import { offlineColumns } from '../core/columns.ts';
import { encodeEntityKey, type KeyValue } from '../core/entity-key.ts';
import type { OnlineRecord } from '../core/online-item.ts';
import { fromDuckdbValue } from '../export/duckdb-values.ts';
import {
  planOnlineWrites,
  writeOnline,
  type OnlineStoreWriter,
  type OnlineWriteStats,
} from '../ingest/online-writer.ts';
import { retryWorld, type RetryWorld } from '../core/retry.ts';
import type { PlainRegistryView, RegistryView } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { ValidationError } from '../core/errors.ts';

/** `SELECT` of the newest offline row per entity key of `view`, from `relation`. */
export function newestPerEntitySql(view: RegistryView, relation: string): string {
  const columns = offlineColumns(view).map((c) => q(c.name));
  const keys = view.joinKeys.map((k) => q(k.name));
  return [
    `SELECT ${columns.join(', ')}`,
    `FROM (SELECT ${columns.join(', ')},`,
    `        row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${q('event_time')} DESC, ${q('record_id')} DESC) AS ${q('_sk_rank')}`,
    `      FROM ${relation}) AS newest`,
    `WHERE ${q('_sk_rank')} = 1`,
  ].join('\n');
}

/** One offline row (DuckDB JS values) as the online record ingestion would have written. */
export function onlineRecordOfRow(
  view: RegistryView,
  row: Readonly<Record<string, JS>>,
): OnlineRecord {
  const keys: Record<string, KeyValue> = {};
  for (const k of view.joinKeys) {
    const value = row[k.name];
    keys[k.name] = typeof value === 'bigint' ? Number(value) : (value as KeyValue);
  }
  const values: Record<string, ReturnType<typeof fromDuckdbValue>> = {};
  for (const f of view.features)
    values[f.name] = fromDuckdbValue(f.dtype, row[f.name] ?? null, `${view.name}.${f.name}`);
  return {
    entityKey: encodeEntityKey(view.joinKeys, keys),
    eventTime: instantMs(row['event_time'], 'event_time'),
    ingestedAt: instantMs(row['ingested_at'], 'ingested_at'),
    recordId: String(row['record_id']),
    values,
  };
}

function instantMs(value: JS | undefined, column: string): number {
  if (value instanceof Date) return value.getTime();
  throw new ValidationError(
    `offline column ${column} is not a timestamp: ${String(value)}`,
    column,
  );
}

export interface MaterializeResult {
  readonly view: string;
  /** Entities with an offline value (one conditional put each). */
  readonly entities: number;
  /** Items written: no online value, or an older one. */
  readonly written: number;
  /** Puts refused because the online value was as new or newer (kept, as ingestion would). */
  readonly kept: number;
  /** Puts that failed after retries (rerun materialize: it is idempotent). */
  readonly failed: number;
}

/** Conditional puts of `records`, in chunks so a progress bar moves; counts what happened. */
export async function writeNewest(
  online: OnlineStoreWriter,
  view: PlainRegistryView,
  records: readonly OnlineRecord[],
  options: { readonly concurrency?: number; readonly retry?: RetryWorld } = {},
  onProgress?: (done: number) => void,
): Promise<MaterializeResult> {
  const stats: OnlineWriteStats = { requests: 0, written: 0, stale: 0, retried: 0, failed: 0 };
  const retry = options.retry ?? retryWorld();
  const chunk = 1_000;
  for (let from = 0; from < records.length; from += chunk) {
    const plans = planOnlineWrites([view], records.slice(from, from + chunk), (r) => r);
    await writeOnline(online, plans, { concurrency: options.concurrency ?? 16, retry }, stats);
    onProgress?.(Math.min(records.length, from + chunk));
  }
  return {
    view: view.name,
    entities: records.length,
    written: stats.written,
    kept: stats.stale,
    failed: stats.failed,
  };
}
