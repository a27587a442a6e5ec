/**
 * Materialize for aggregation views: per entity, the tiles of every window that can still reach
 * the clock, rebuilt from the offline raw events (`rebuildFromHistory`) and written where they
 * differ from the online item (`writeTileRebuilds`). The offline history comes from a
 * `TileHistorySource` (DuckDB locally, Athena in AWS): the same core runs on both.
 */
import type { EntityKey, KeyValue } from '../core/entity-key.ts';
import type { RetryWorld } from '../core/retry.ts';
import { rebuildFromHistory } from '../core/tile-rebuild.ts';
import { oldestWindowStart, type TileState } from '../core/tile-state.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import type { AggregationRegistryView } from '../registry/types.ts';
import type { EntityHistory, TileHistorySource } from './tile-source.ts';
import { writeTileRebuilds, type TileRebuildResult, type TileWriteOptions } from './tile-writer.ts';
import type { MaterializeProgress } from './local.ts';

export interface TileMaterializeOptions {
  /** The rebuild's clock (epoch ms): the tiles are those a stream write at `now` would keep. */
  readonly now: number;
  /** Only these entities (a value per view key); absent: every entity with offline events. */
  readonly entities?: readonly Readonly<Record<string, KeyValue>>[];
  readonly progress?: MaterializeProgress;
  readonly concurrency?: number;
  readonly retry?: RetryWorld;
  readonly onOutcome?: TileWriteOptions['onOutcome'];
  /** Rebuild from the events stored under this earlier version (a new version's first run). */
  readonly fromVersion?: number;
}

export async function materializeTiles(
  source: TileHistorySource,
  online: OnlineStoreWriter,
  view: AggregationRegistryView,
  options: TileMaterializeOptions,
): Promise<TileRebuildResult> {
  const { now } = options;
  const histories =
    options.entities?.length === 0
      ? new Map<EntityKey, EntityHistory>()
      : await source.histories(
          view,
          {
            after: oldestWindowStart(view, now),
            ...(options.entities ? { entities: options.entities } : {}),
          },
          options.fromVersion,
        );
  const rebuilds = new Map<EntityKey, TileState>();
  for (const [entityKey, history] of histories)
    rebuilds.set(entityKey, rebuildFromHistory(view, history, now));
  options.progress?.start(rebuilds.size);
  return writeTileRebuilds(online, view, rebuilds, {
    now,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.progress ? { onProgress: options.progress.advance } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
}
