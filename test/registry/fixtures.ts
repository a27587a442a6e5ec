/** Small definitions for registry tests, built fresh per call so each test can bend one rule. */
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineRequestTransform,
  field,
  pick,
} from '../../lib/define/index.ts';

export function makeDefinitions() {
  const user = defineEntity({ name: 'user', keys: { user_id: 'int64' } });
  const merchant = defineEntity({ name: 'merchant', keys: { merchant_id: 'string' } });
  const userStats = defineFeatureView({
    name: 'user_stats',
    entities: [user],
    ttl: '1d',
    owner: 'team@example.com',
    features: {
      spend_7d: field.float64({ default: 0 }),
      country: field.string(),
    },
  });
  const pairStats = defineFeatureView({
    name: 'pair_stats',
    version: 2,
    entities: [user, merchant],
    ttl: '6h',
    owner: 'team@example.com',
    features: { visits: field.int64({ default: 0 }), embedding: field.float64List() },
  });
  const ratio = defineRequestTransform({
    name: 'spend_ratio',
    request: { amount: 'float64' },
    inputs: [pick(userStats, ['spend_7d'])],
    outputs: { amount_over_spend: 'float64' },
    fn: ({ request, features }) => ({
      amount_over_spend:
        request.amount === null || features.user_stats__spend_7d === 0
          ? null
          : request.amount / features.user_stats__spend_7d,
    }),
  });
  const fraud = defineFeatureService({
    name: 'fraud_model',
    features: [userStats, pick(pairStats, ['visits'])],
    transforms: [ratio],
  });
  return { user, merchant, userStats, pairStats, ratio, fraud };
}

export function allOf(defs: ReturnType<typeof makeDefinitions>) {
  return Object.values(defs);
}
