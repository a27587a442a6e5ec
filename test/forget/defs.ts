/**
 * Definitions of the forget tests: a person (`customer`, string key) with a plain view and an
 * aggregation view of their purchases, a `device` (int64 key) with its own view, and a view keyed
 * by both (so a customer's rows also live in a wider view, whose items forget must find by scan).
 */
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureService,
  defineFeatureView,
  field,
} from '../../lib/define/index.ts';

export const customer = defineEntity({ name: 'customer', keys: { customer_id: 'string' } });
export const device = defineEntity({ name: 'device', keys: { device_id: 'int64' } });

export const customerProfile = defineFeatureView({
  name: 'customer_profile',
  version: 1,
  entities: [customer],
  ttl: '30d',
  owner: 'test@example.com',
  features: { city: field.string(), age: field.int64({ default: 0 }) },
});

export const deviceStats = defineFeatureView({
  name: 'device_stats',
  version: 1,
  entities: [device],
  ttl: '30d',
  owner: 'test@example.com',
  features: { battery: field.float64() },
});

export const customerDevice = defineFeatureView({
  name: 'customer_device',
  version: 1,
  entities: [customer, device],
  ttl: '30d',
  owner: 'test@example.com',
  features: { sessions: field.int64({ default: 0 }) },
});

export const purchases = defineEventStream({
  name: 'purchases',
  entities: [customer],
  partitionKey: ['customer_id'],
  columns: { amount: 'float64' },
});

export const customerSpend = defineAggregationView({
  name: 'customer_spend',
  entities: [customer],
  stream: purchases,
  owner: 'test@example.com',
  features: (a) => ({
    spend_1d: a.sum('amount', { window: '1d' }),
    purchases_7d: a.count({ window: '7d' }),
  }),
});

export const churnModel = defineFeatureService({
  name: 'churn_model',
  features: [customerProfile, customerSpend, customerDevice, deviceStats],
});
