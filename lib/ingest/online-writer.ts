/**
 * The online half of ingestion: one conditional PutItem per (entity key, view) of a batch,
 * carrying the batch's newest record for that pair. The condition (`newerThanStoredCondition`)
 * makes replays and out-of-order delivery converge; pre-reducing the batch keeps DynamoDB
 * writes at ≤ 1 per record per view (BatchWriteItem cannot carry a condition, so writes are
 * parallel PutItems instead).
 */
import { compareVersions } from '../core/ordering.ts';
import {
  encodeOnlineItem,
  newerThanStoredCondition,
  type Item,
  type OnlineRecord,
} from '../core/online-item.ts';
import type { PlainRegistryView } from '../registry/types.ts';
import { isTransientError, mapLimit, withRetry, type RetryWorld } from '../core/retry.ts';

/** A conditional put, shaped like DynamoDB's PutItem input minus the table name. */
export interface ConditionalPut {
  readonly Item: Item;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Item;
}

/**
 * The online store as ingestion sees it. Resolves `stale` when the condition failed (the stored
 * item is as new or newer: an expected outcome, not an error); rejects with the store's error
 * (its `name` tells throttling from other faults) otherwise.
 */
export interface OnlineStoreWriter {
  putIfNewer(put: ConditionalPut): Promise<'written' | 'stale'>;
  /** A strongly consistent read of one item (the tile items of aggregation views). */
  getItem(key: Item): Promise<Item | undefined>;
  /**
   * Strongly consistent reads of at most 100 items (BatchGetItem): the tombstones of a batch's
   * keys (`lib/ingest/forgotten.ts`). Resolves the items found once no key is left unprocessed.
   */
  getItems(keys: readonly Item[]): Promise<Item[]>;
}

/** One planned write: the newest record of a batch for one (entity key, view). */
export interface OnlineWrite<T> {
  readonly view: PlainRegistryView;
  readonly record: OnlineRecord;
  /** Every batch member folded into this write (the winner included). */
  readonly members: readonly T[];
}

/**
 * Reduces a batch to its newest record per (entity key, view) under the one ordering rule.
 * `toOnline` returns the record as the view stores it.
 */
export function planOnlineWrites<T>(
  views: readonly PlainRegistryView[],
  members: readonly T[],
  toOnline: (member: T) => OnlineRecord,
): OnlineWrite<T>[] {
  const plans: OnlineWrite<T>[] = [];
  for (const view of views) {
    const byKey = new Map<string, { record: OnlineRecord; members: T[] }>();
    for (const member of members) {
      const record = toOnline(member);
      const current = byKey.get(record.entityKey);
      if (!current) byKey.set(record.entityKey, { record, members: [member] });
      else {
        current.members.push(member);
        if (compareVersions(record, current.record) > 0) current.record = record;
      }
    }
    for (const { record, members: m } of byKey.values()) plans.push({ view, record, members: m });
  }
  return plans;
}

export type OnlineOutcome =
  | { readonly status: 'written' | 'stale' }
  /** Transient faults outlasted the retries: Kinesis should deliver the records again. */
  | { readonly status: 'retry'; readonly error: unknown }
  /** The store refused the item itself (e.g. a ValidationException): retrying cannot help. */
  | { readonly status: 'rejected'; readonly error: unknown };

export interface OnlineWriteStats {
  /** PutItem calls made, retries included. */
  requests: number;
  written: number;
  stale: number;
  retried: number;
  failed: number;
}

/** Executes the planned writes with at most `concurrency` in flight, retrying throttling. */
export async function writeOnline<T>(
  store: OnlineStoreWriter,
  plans: readonly OnlineWrite<T>[],
  options: { readonly concurrency: number; readonly retry: RetryWorld },
  stats: OnlineWriteStats,
): Promise<OnlineOutcome[]> {
  return mapLimit(plans, options.concurrency, async (plan) => {
    const put: ConditionalPut = {
      Item: encodeOnlineItem(plan.view, plan.record),
      ...newerThanStoredCondition(plan.record),
    };
    try {
      const status = await withRetry(
        options.retry,
        () => {
          stats.requests++;
          return store.putIfNewer(put);
        },
        () => stats.retried++,
      );
      stats[status]++;
      return { status };
    } catch (error) {
      stats.failed++;
      if (isPermanentItemError(error)) return { status: 'rejected', error };
      return { status: 'retry', error };
    }
  });
}

/** DynamoDB refused the item itself (size, shape): the same item will always be refused. */
function isPermanentItemError(error: unknown): boolean {
  return (
    !isTransientError(error) &&
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ValidationException'
  );
}
