/**
 * Writes rebuilt tile items with ingestion's own conditional write (`sameRevisionCondition` over
 * `encodeTileItem`, as `lib/ingest/aggregate-writer.ts`): per entity, read the item, judge it
 * against the rebuild (`judgeTileItem`), and put only what differs, on the revision that was
 * read. A stream write in between makes the put fail its condition; the entity is then read and
 * judged again. So a rerun writes nothing and an event streaming in is never lost or doubled.
 */
import type { EntityKey } from '../core/entity-key.ts';
import { onlineItemKey, type Item } from '../core/online-item.ts';
import { mapLimit, retryWorld, withRetry, type RetryWorld } from '../core/retry.ts';
import {
  judgeTileItem,
  TILE_CAUSES,
  type OnlineTiles,
  type TileCause,
} from '../core/tile-rebuild.ts';
import {
  decodeTileItem,
  encodeTileItem,
  REV_ATTRIBUTE,
  sameRevisionCondition,
  type TileState,
} from '../core/tile-state.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import type { AggregationRegistryView } from '../registry/types.ts';

/** What a tile rebuild did to one view's items. */
export interface TileRebuildResult {
  readonly view: string;
  /** Entities rebuilt (and compared with their online item). */
  readonly entities: number;
  /** Items rewritten; `causes` says why. */
  readonly written: number;
  /** Items already equal to the rebuild (nothing written). */
  readonly kept: number;
  /** Items the stream is ahead on: the offline store does not hold all they applied yet. */
  readonly deferred: number;
  /** Entities whose write failed after retries (rerun: it is idempotent). */
  readonly failed: number;
  readonly causes: Readonly<Record<TileCause, number>>;
}

/** Optimistic rounds against a stream that keeps writing the same item. */
const MAX_ROUNDS = 8;

export interface TileWriteOptions {
  /** The rebuild's clock (epoch ms). */
  readonly now: number;
  readonly concurrency?: number;
  readonly retry?: RetryWorld;
  readonly onProgress?: (done: number) => void;
  /** Told each entity's outcome: the cause it was rewritten for, or kept/deferred/failed. */
  readonly onOutcome?: (entityKey: EntityKey, outcome: TileOutcome) => void;
}

export type TileOutcome = TileCause | 'kept' | 'deferred' | 'failed';

export async function writeTileRebuilds(
  online: OnlineStoreWriter,
  view: AggregationRegistryView,
  rebuilds: ReadonlyMap<EntityKey, TileState>,
  options: TileWriteOptions,
): Promise<TileRebuildResult> {
  const causes = Object.fromEntries(TILE_CAUSES.map((c) => [c, 0])) as Record<TileCause, number>;
  const counts = { written: 0, kept: 0, deferred: 0, failed: 0 };
  const retry = options.retry ?? retryWorld();
  let done = 0;
  await mapLimit([...rebuilds], options.concurrency ?? 16, async ([entityKey, rebuilt]) => {
    let outcome: TileOutcome;
    try {
      outcome = await rebuildOne(online, view, entityKey, rebuilt, options.now, retry);
    } catch {
      outcome = 'failed';
    }
    if (outcome === 'failed' || outcome === 'kept' || outcome === 'deferred') counts[outcome]++;
    else {
      counts.written++;
      causes[outcome]++;
    }
    options.onOutcome?.(entityKey, outcome);
    if (++done % 500 === 0 || done === rebuilds.size) options.onProgress?.(done);
  });
  return { view: view.name, entities: rebuilds.size, ...counts, causes };
}

async function rebuildOne(
  online: OnlineStoreWriter,
  view: AggregationRegistryView,
  entityKey: EntityKey,
  rebuilt: TileState,
  now: number,
  retry: RetryWorld,
): Promise<TileOutcome> {
  const key = onlineItemKey(entityKey, view);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const read = await withRetry(retry, () => online.getItem(key));
    const { tiles, rev } = readTiles(read);
    const verdict = judgeTileItem(view, tiles, rebuilt, now);
    if (verdict.kind === 'same') return 'kept';
    if (verdict.kind === 'deferred') return 'deferred';
    const item = encodeTileItem(view, entityKey, rebuilt, rev + 1, now);
    const status = await withRetry(retry, () =>
      online.putIfNewer({ Item: item, ...sameRevisionCondition(rev) }),
    );
    if (status === 'written') return verdict.cause;
  }
  return 'failed';
}

/** The item as the judge sees it; an item that does not decode is `unreadable`. */
function readTiles(item: Item | undefined): { tiles: OnlineTiles; rev: number } {
  if (item === undefined) return { tiles: { kind: 'absent' }, rev: 0 };
  try {
    const { state, rev } = decodeTileItem(item);
    const valid = typeof state.seq === 'object' && Array.isArray(state.pending);
    return valid ? { tiles: state, rev } : { tiles: { kind: 'unreadable' }, rev };
  } catch {
    const rev = item[REV_ATTRIBUTE];
    return { tiles: { kind: 'unreadable' }, rev: rev && 'N' in rev ? Number(rev.N) : 0 };
  }
}
