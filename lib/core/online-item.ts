/**
 * The online store's item layout, one item per (entity key, view, version):
 *   pk = encoded entity key, sk = `view#v<version>`,
 *   event_time / ingested_at (epoch ms), record_id, values (a map by feature name),
 *   expires_at (epoch s, DynamoDB's TTL attribute: garbage collection only; reads check ttl).
 * `AttributeValue` below is structurally the SDK's, so the core needs no SDK import.
 */
import { assertNever, type Dtype, type FeatureValue } from '../define/dtypes.ts';
import type { RegistryView } from '../registry/types.ts';
import type { EntityKey } from './entity-key.ts';

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

export type Item = Record<string, AttributeValue>;

export const ONLINE_KEY = { partition: 'pk', sort: 'sk' } as const;
export const ONLINE_TTL_ATTRIBUTE = 'expires_at';
/** DynamoDB deletes expired items within days; keep them one extra ttl so reads see `expired`. */
const GC_GRACE_FACTOR = 2;

export function onlineSortKey(view: Pick<RegistryView, 'name' | 'version'>): string {
  return `${view.name}#v${view.version}`;
}

export function onlineItemKey(
  entityKey: EntityKey,
  view: Pick<RegistryView, 'name' | 'version'>,
): Item {
  return {
    [ONLINE_KEY.partition]: { S: entityKey },
    [ONLINE_KEY.sort]: { S: onlineSortKey(view) },
  };
}

export interface OnlineRecord {
  readonly entityKey: EntityKey;
  readonly eventTime: number;
  readonly ingestedAt: number;
  readonly recordId: string;
  readonly values: Readonly<Record<string, FeatureValue>>;
}

export function encodeOnlineItem(view: RegistryView, record: OnlineRecord): Item {
  const values: Record<string, AttributeValue> = {};
  for (const f of view.features)
    values[f.name] = encodeValue(f.dtype, record.values[f.name] ?? null);
  return {
    ...onlineItemKey(record.entityKey, view),
    event_time: { N: String(record.eventTime) },
    ingested_at: { N: String(record.ingestedAt) },
    record_id: { S: record.recordId },
    values: { M: values },
    [ONLINE_TTL_ATTRIBUTE]: {
      N: String(Math.ceil((record.eventTime + GC_GRACE_FACTOR * view.ttlMs) / 1000)),
    },
  };
}

export function decodeOnlineItem(view: RegistryView, item: Item): OnlineRecord {
  const values: Record<string, FeatureValue> = {};
  const stored =
    'M' in (item.values ?? { NULL: true })
      ? (item.values as { M: Record<string, AttributeValue> }).M
      : {};
  for (const f of view.features) values[f.name] = decodeValue(f.dtype, stored[f.name]);
  return {
    entityKey: str(item[ONLINE_KEY.partition]) as EntityKey,
    eventTime: Number(num(item.event_time)),
    ingestedAt: Number(num(item.ingested_at)),
    recordId: str(item.record_id),
    values,
  };
}

/**
 * The newest-wins condition of a conditional put, the ordering rule of `ordering.ts` in
 * DynamoDB's words: write when no item exists, or the stored one is older.
 */
export function newerThanStoredCondition(record: Pick<OnlineRecord, 'eventTime' | 'recordId'>): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  return {
    ConditionExpression: 'attribute_not_exists(#pk) OR #et < :et OR (#et = :et AND #rid < :rid)',
    ExpressionAttributeNames: {
      '#pk': ONLINE_KEY.partition,
      '#et': 'event_time',
      '#rid': 'record_id',
    },
    ExpressionAttributeValues: {
      ':et': { N: String(record.eventTime) },
      ':rid': { S: record.recordId },
    },
  };
}

export function encodeValue(dtype: Dtype, value: FeatureValue): AttributeValue {
  if (value === null) return { NULL: true };
  switch (dtype) {
    case 'int64':
    case 'float64':
      return { N: String(value) };
    case 'string':
    case 'timestamp':
      return { S: String(value) };
    case 'bool':
      return { BOOL: Boolean(value) };
    case 'float64_list':
      return { L: (value as number[]).map((x) => ({ N: String(x) })) };
    default:
      return assertNever(dtype, 'dtype');
  }
}

export function decodeValue(dtype: Dtype, attr: AttributeValue | undefined): FeatureValue {
  if (attr === undefined || 'NULL' in attr) return null;
  switch (dtype) {
    case 'int64':
    case 'float64':
      return Number(num(attr));
    case 'string':
    case 'timestamp':
      return str(attr);
    case 'bool':
      return 'BOOL' in attr ? attr.BOOL : null;
    case 'float64_list':
      return 'L' in attr ? attr.L.map((x) => Number(num(x))) : null;
    default:
      return assertNever(dtype, 'dtype');
  }
}

function str(attr: AttributeValue | undefined): string {
  return attr && 'S' in attr ? attr.S : '';
}

function num(attr: AttributeValue | undefined): string {
  return attr && 'N' in attr ? attr.N : 'NaN';
}
