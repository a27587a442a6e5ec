import { describe, expectTypeOf, it } from 'vitest';
import type { InferFeatures } from '../../lib/define/index.ts';
import { clicks, type svc } from '../windows/defs.ts';
import { defineAggregationView } from '../../lib/define/index.ts';
import { user } from '../windows/defs.ts';

describe('aggregation types flow from the stream', () => {
  it('types count/sum as non-null, mean/min/max/last as nullable unless a default is given', () => {
    expectTypeOf<InferFeatures<typeof svc>>().toEqualTypeOf<{
      user_windows__n_1h: number;
      user_windows__n_big_20m: number;
      user_windows__amount_sum_30m: number;
      user_windows__price_sum_20m: number;
      user_windows__price_mean_15m: number;
      user_windows__price_max_30m: number | null;
      user_windows__amount_min_20m: number | null;
      user_windows__kind_last_10m: string | null;
      user_windows__amount_last_5m: number;
      pair_windows__n_30m: number;
      pair_windows__amount_mean_20m: number | null;
      pair_windows__price_sum_1h: number;
    }>();
  });

  it('refuses a sum of a string column and an unknown column at compile time', () => {
    defineAggregationView({
      name: 'v',
      entities: [user],
      stream: clicks,
      owner: 'o',
      features: (a) => ({
        // @ts-expect-error: 'kind' is a string column
        s: a.sum('kind', { window: '1h' }),
        // @ts-expect-error: no such column
        m: a.max('nope', { window: '1h' }),
      }),
    });
  });
});
