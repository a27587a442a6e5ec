/**
 * Statuses and defaults: the one rule the lookup and the training export share. A feature's
 * default applies when its value is absent: no record visible at t (`missing`), a record too old
 * (`expired`), or a stored null (`present`, value null).
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { RegistryServiceFeature } from '../registry/types.ts';
import { isFreshAt, isVisibleAt } from './ordering.ts';

export const FEATURE_STATUSES = ['present', 'missing', 'expired'] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export interface StoredValue {
  readonly value: FeatureValue;
  readonly eventTime: number;
}

export interface ResolvedValue {
  readonly value: FeatureValue;
  readonly status: FeatureStatus;
  /** ms between event_time and the read time; null when missing. */
  readonly ageMs: number | null;
}

/** Resolves one feature at read time `t` from what the store holds (undefined: nothing). */
export function resolveFeature(
  feature: Pick<RegistryServiceFeature, 'default'>,
  stored: StoredValue | undefined,
  t: number,
  ttlMs: number,
): ResolvedValue {
  // A value not yet true at t (a producer clock ahead) is invisible, as it is offline
  // (`event_time <= t`): the online store cannot hold the older value, so none is served.
  if (!stored || !isVisibleAt(stored.eventTime, t)) {
    return { value: feature.default, status: 'missing', ageMs: null };
  }
  const ageMs = t - stored.eventTime;
  if (!isFreshAt(stored.eventTime, t, ttlMs))
    return { value: feature.default, status: 'expired', ageMs };
  return { value: stored.value ?? feature.default, status: 'present', ageMs };
}
