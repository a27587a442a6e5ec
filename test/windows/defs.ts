/** Synthetic definitions of the window tests: one raw stream feeding two differently keyed views. */
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureService,
} from '../../lib/define/index.ts';

export const user = defineEntity({ name: 'user', keys: { user_id: 'string' } });
export const pair = defineEntity({ name: 'pair', keys: { user_id: 'string', item: 'int64' } });

export const clicks = defineEventStream({
  name: 'clicks',
  entities: [user, pair],
  partitionKey: ['user_id'],
  columns: { amount: 'int64', price: 'float64', kind: 'string', eid: 'string' },
  eventId: 'eid',
});

export const userWindows = defineAggregationView({
  name: 'user_windows',
  entities: [user],
  stream: clicks,
  owner: 'test@example.com',
  features: (a) => ({
    n_1h: a.count({ window: '1h' }),
    n_big_20m: a.count({ window: '20m', where: { column: 'amount', op: '>', value: 2 } }),
    amount_sum_30m: a.sum('amount', { window: '30m', tile: '10m' }),
    price_sum_20m: a.sum('price', {
      window: '20m',
      where: { column: 'kind', op: '=', value: 'a' },
    }),
    price_mean_15m: a.mean('price', { window: '15m', default: -1 }),
    price_max_30m: a.max('price', { window: '30m', tile: '10m' }),
    amount_min_20m: a.min('amount', { window: '20m' }),
    kind_last_10m: a.last('kind', { window: '10m' }),
    amount_last_5m: a.last('amount', { window: '5m', default: 0 }),
  }),
});

export const pairWindows = defineAggregationView({
  name: 'pair_windows',
  entities: [pair],
  stream: clicks,
  owner: 'test@example.com',
  features: (a) => ({
    n_30m: a.count({ window: '30m', tile: '10m' }),
    amount_mean_20m: a.mean('amount', {
      window: '20m',
      where: { column: 'amount', op: '>=', value: 0 },
    }),
    // No min, max or last: a per-row as-of's correction settles every row of this view.
    price_sum_1h: a.sum('price', { window: '1h' }),
  }),
});

export const svc = defineFeatureService({
  name: 'svc',
  features: [userWindows, pairWindows],
});
