/** Small synthetic definitions for property tests: a string key, a composite key, ms TTLs. */
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineRequestTransform,
  field,
  pick,
} from '../../lib/define/index.ts';

export const user = defineEntity({
  name: 'user',
  description: 'A user.',
  keys: { user_id: 'string' },
});
export const pair = defineEntity({
  name: 'pair',
  description: 'A composite key.',
  keys: { a: 'int64', b: 'string' },
});

export const userStats = defineFeatureView({
  name: 'user_stats',
  version: 2,
  entities: [user],
  ttl: '5ms',
  owner: 'test@example.com',
  description: 'Per-user values.',
  features: {
    score: field.int64({ default: 0, description: 'int with a default' }),
    tag: field.string({ description: 'string, null default' }),
    ratio: field.float64({ default: 1.5, description: 'float with a default' }),
    flag: field.bool({ default: false, description: 'bool with a default' }),
  },
});

export const pairStats = defineFeatureView({
  name: 'pair_stats',
  version: 1,
  entities: [pair],
  ttl: '8ms',
  owner: 'test@example.com',
  description: 'Per-pair values.',
  features: {
    amount: field.float64({ description: 'float, null default' }),
    note: field.string({ default: 'none', description: 'string with a default' }),
    unused: field.int64({ description: 'not in the service' }),
  },
});

export const bonus = defineRequestTransform({
  name: 'bonus',
  description: 'score plus a request-time bonus.',
  request: { bonus: 'int64' },
  inputs: [pick(userStats, ['score'])],
  outputs: { score_plus: 'int64' },
  fn: ({ request, features }) => ({
    score_plus: features.user_stats__score + (request.bonus ?? 0),
  }),
});

export const svc = defineFeatureService({
  name: 'svc',
  description: 'Two views, a composite key, a transform.',
  features: [userStats, pick(pairStats, ['amount', 'note'])],
  transforms: [bonus],
});

export const svcPlain = defineFeatureService({
  name: 'svc_plain',
  description: 'One view of a composite key, no transforms.',
  features: [pick(pairStats, ['amount', 'note'])],
});
