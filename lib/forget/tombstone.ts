/**
 * Tombstones live in the online table, one item per forgotten key under a reserved partition
 * key (`_sk#forgotten#<key hash>`, sort key `tombstone`). Why there: the ingest Lambda already
 * holds the table and its grants, a strongly consistent BatchGetItem reads every key of a batch
 * in one call, and no encoded entity key can collide (those start with a type tag, `s:` or `i:`).
 * The item holds the hash and the time, never the key's values.
 *
 * The rule (docs/semantics.md, "Forgetting an entity"): a record whose keys hash to a tombstone
 * and whose `event_time` is at or before its `forgotten_at` is refused, whenever it arrives.
 */
import type { AttributeValue, Item } from '../core/online-item.ts';
import { ONLINE_KEY } from '../core/online-item.ts';

export const TOMBSTONE_PREFIX = '_sk#forgotten#';
export const TOMBSTONE_SORT_KEY = 'tombstone';

export interface Tombstone {
  readonly hash: string;
  /** Epoch ms: records of the key with `event_time` at or before it are refused. */
  readonly forgottenAt: number;
  readonly requestId: string;
}

export function tombstoneKey(hash: string): Item {
  return {
    [ONLINE_KEY.partition]: { S: `${TOMBSTONE_PREFIX}${hash}` },
    [ONLINE_KEY.sort]: { S: TOMBSTONE_SORT_KEY },
  };
}

export function encodeTombstone(t: Tombstone): Item {
  return {
    ...tombstoneKey(t.hash),
    forgotten_at: { N: String(t.forgottenAt) },
    request_id: { S: t.requestId },
  };
}

/** The tombstone an item holds, or undefined for any other item. */
export function decodeTombstone(item: Item): Tombstone | undefined {
  const pk = text(item[ONLINE_KEY.partition]);
  if (!pk?.startsWith(TOMBSTONE_PREFIX)) return undefined;
  const at = item.forgotten_at;
  if (!at || !('N' in at)) return undefined;
  return {
    hash: pk.slice(TOMBSTONE_PREFIX.length),
    forgottenAt: Number(at.N),
    requestId: text(item.request_id) ?? '',
  };
}

/**
 * The put of a tombstone: it moves only forward, so a rerun, or an older request finishing
 * late, never shortens what a newer request refuses.
 */
export function tombstonePut(t: Tombstone): {
  Item: Item;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  return {
    Item: encodeTombstone(t),
    ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
    ExpressionAttributeNames: { '#pk': ONLINE_KEY.partition, '#at': 'forgotten_at' },
    ExpressionAttributeValues: { ':at': { N: String(t.forgottenAt) } },
  };
}

/** True when the item's partition key is reserved by skewless (never an entity's item). */
export function isReservedItem(item: Item): boolean {
  return text(item[ONLINE_KEY.partition])?.startsWith('_sk#') ?? false;
}

function text(attr: AttributeValue | undefined): string | undefined {
  return attr && 'S' in attr ? attr.S : undefined;
}
