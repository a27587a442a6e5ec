/**
 * The online half of ingestion for aggregation views: per (view entity, view) of a batch, one
 * read-modify-write of its tile item. The fold (`foldTileState`) skips what the item already
 * applied (per-shard sequence numbers, event ids), and the write is conditional on the revision
 * that was read: a concurrent writer makes it `stale`, and the group is read and folded again.
 * So a redelivered record never counts twice, also when a crash fell between a write and the
 * checkpoint.
 */
import { encodeEntityKey, type EntityKey, type KeyValue } from '../core/entity-key.ts';
import { onlineItemKey } from '../core/online-item.ts';
import {
  decodeTileItem,
  encodeTileItem,
  foldTileState,
  sameRevisionCondition,
  type TileRecord,
} from '../core/tile-state.ts';
import type { FeatureValue } from '../define/dtypes.ts';
import type { AggregationRegistryView } from '../registry/types.ts';
import type { OnlineOutcome, OnlineStoreWriter, OnlineWriteStats } from './online-writer.ts';
import { mapLimit, withRetry, type RetryWorld } from '../core/retry.ts';

/** A stamped record of an event stream, as the aggregate writer needs it. */
export interface AggregateInput {
  readonly keys: Readonly<Record<string, KeyValue>>;
  readonly eventTime: number;
  readonly recordId: string;
  readonly values: Readonly<Record<string, FeatureValue>>;
}

/** One planned read-modify-write: a view entity's records of the batch, in arrival order. */
export interface AggregateWrite<T> {
  readonly view: AggregationRegistryView;
  readonly entityKey: EntityKey;
  readonly members: readonly T[];
}

/** Groups a batch (in arrival order) per (view, view entity key). */
export function planAggregateWrites<T>(
  views: readonly AggregationRegistryView[],
  members: readonly T[],
  input: (member: T) => AggregateInput,
): AggregateWrite<T>[] {
  const plans: AggregateWrite<T>[] = [];
  for (const view of views) {
    const byKey = new Map<EntityKey, T[]>();
    for (const m of members) {
      const key = encodeEntityKey(view.joinKeys, input(m).keys);
      const list = byKey.get(key) ?? [];
      list.push(m);
      byKey.set(key, list);
    }
    for (const [entityKey, list] of byKey) plans.push({ view, entityKey, members: list });
  }
  return plans;
}

/** Optimistic rounds before a group is handed back to Kinesis (another writer kept winning). */
const MAX_ROUNDS = 8;

export async function writeAggregates<T>(
  store: OnlineStoreWriter,
  plans: readonly AggregateWrite<T>[],
  input: (member: T) => AggregateInput,
  options: { readonly concurrency: number; readonly retry: RetryWorld; readonly now: number },
  stats: OnlineWriteStats,
): Promise<OnlineOutcome[]> {
  return mapLimit(plans, options.concurrency, async (plan): Promise<OnlineOutcome> => {
    const eventId = plan.view.aggregation.eventId;
    const records: TileRecord[] = plan.members.map((m) => {
      const r = input(m);
      const id = eventId === null ? null : (r.values[eventId] ?? null);
      return { ...r, eventId: id === null ? null : String(id) };
    });
    const key = onlineItemKey(plan.entityKey, plan.view);
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const read = await withRetry(options.retry, () => {
          stats.requests++;
          return store.getItem(key);
        });
        const { state, rev } = decodeTileItem(read);
        if (foldTileState(plan.view, state, records, options.now) === 0) {
          stats.stale++;
          return { status: 'stale' };
        }
        const item = encodeTileItem(plan.view, plan.entityKey, state, rev + 1, options.now);
        const status = await withRetry(
          options.retry,
          () => {
            stats.requests++;
            return store.putIfNewer({ Item: item, ...sameRevisionCondition(rev) });
          },
          () => stats.retried++,
        );
        if (status === 'written') {
          stats.written++;
          return { status };
        }
      }
      stats.failed++;
      return { status: 'retry', error: new Error('the tile item kept changing under the write') };
    } catch (error) {
      stats.failed++;
      const permanent = (error as { name?: unknown }).name === 'ValidationException';
      return { status: permanent ? 'rejected' : 'retry', error };
    }
  });
}
