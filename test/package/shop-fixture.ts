/**
 * The shop project of the end-to-end test: its definitions (two entities, one with a composite
 * key, a service over both), what it pushes, its spine and its older history, all relative to
 * the time the test starts; and the oracle's view of the pushed records.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import type { OfflineRecord } from '../export/offline-fixture.ts';

export const MIN = 60_000;
export const H = 60 * MIN;
export const NOW = Math.floor(Date.now() / MIN) * MIN;
export const T0 = NOW - 2 * H;
export const iso = (ms: number) => new Date(ms).toISOString();

export const DEFS = `import { defineEntity, defineFeatureService, defineFeatureView, field } from 'skewless';

export const customer = defineEntity({ name: 'customer', keys: { customer_id: 'string' } });
export const storeProduct = defineEntity({
  name: 'store_product',
  keys: { store_id: 'int64', product: 'string' },
});
export const customerStats = defineFeatureView({
  name: 'customer_stats',
  version: 1,
  entities: [customer],
  ttl: '1d',
  owner: 'shop@example.com',
  features: { visits: field.int64({ default: 0 }), last_basket: field.float64() },
});
export const productSales = defineFeatureView({
  name: 'product_sales',
  version: 1,
  entities: [storeProduct],
  ttl: '6h',
  owner: 'shop@example.com',
  features: { units_sold: field.int64({ default: 0 }), in_stock: field.bool({ default: true }) },
});
export const recommender = defineFeatureService({
  name: 'recommender',
  features: [customerStats, productSales],
});
`;

/** Pushed, in arrival order (a later line of one entity arrives later). */
export const CUSTOMER_RECORDS = [
  { customer_id: 'c1', event_time: iso(T0 - 60 * MIN), visits: 1, last_basket: 10.5 },
  { customer_id: 'c1', event_time: iso(T0), visits: 2, last_basket: 20 },
  { customer_id: 'c2', event_time: iso(T0 - 30 * MIN), visits: 7 },
  { customer_id: 'c2', event_time: iso(T0 + 30 * MIN), visits: 8 },
  { customer_id: 'c2', event_time: iso(T0 + 30 * MIN), visits: 9 }, // same time: arrives later, wins
  { customer_id: 'c1', event_time: iso(T0 - 90 * MIN), visits: 0, last_basket: 1 }, // late
];
export const PRODUCT_RECORDS = [
  { store_id: 1, product: 'apple', event_time: iso(T0 - 2 * H), units_sold: 5, in_stock: true },
  { store_id: 1, product: 'apple', event_time: iso(T0 - H), units_sold: 8, in_stock: false },
  { store_id: 2, product: 'apple', event_time: iso(T0 - 10 * MIN), units_sold: 1 },
  { store_id: 1, product: 'pear', event_time: iso(T0 - 7 * H), units_sold: 3, in_stock: true },
];
export const SPINE: { customer_id: string; store_id: number; product: string; t: number }[] = [
  { customer_id: 'c1', store_id: 1, product: 'apple', t: T0 - 60 * MIN }, // exactly at an event
  { customer_id: 'c1', store_id: 1, product: 'apple', t: T0 - 61 * MIN },
  { customer_id: 'c2', store_id: 2, product: 'apple', t: T0 + 30 * MIN }, // the tie
  { customer_id: 'c1', store_id: 1, product: 'pear', t: T0 - H }, // age exactly ttl: expired
  { customer_id: 'c1', store_id: 1, product: 'pear', t: T0 - 61 * MIN },
  { customer_id: 'c3', store_id: 3, product: 'kiwi', t: T0 },
  { customer_id: 'c1', store_id: 1, product: 'apple', t: NOW },
];
/** Older history: c1's is older than what streamed in; c3 is new; a repeated row; a bad row. */
export const HISTORY = [
  { customer_id: 'c1', event_time: iso(T0 - 5 * H), visits: 100, last_basket: 1 },
  { customer_id: 'c3', event_time: iso(T0 - 3 * H), visits: 4, last_basket: 9.5 },
  { customer_id: 'c1', event_time: iso(T0 - 5 * H), visits: 100, last_basket: 1 },
  { customer_id: 'c4', event_time: 'yesterday', visits: 1 },
];

/** Pushed records as the oracle's history: arrival order is record id order. */
export function oracleRecords(
  records: readonly Record<string, unknown>[],
  keys: readonly string[],
  features: readonly string[],
): OfflineRecord[] {
  return records.map((r, i) => ({
    keys: Object.fromEntries(keys.map((k) => [k, r[k] as string | number])),
    values: Object.fromEntries(features.map((f) => [f, (r[f] ?? null) as FeatureValue])),
    eventTime: Date.parse(r['event_time'] as string),
    ingestedAt: 0,
    recordId: String(i).padStart(8, '0'),
  }));
}

export async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const duckdb = await instance.connect();
  try {
    const rows = (
      await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)
    ).getRowObjectsJS();
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
      ),
    );
  } finally {
    duckdb.closeSync();
    instance.closeSync();
  }
}
