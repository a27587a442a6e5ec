/**
 * One inference-log record: a served vector, as the lookup logs it and the skew check reads it.
 * Stored as JSON lines (Firehose → S3 in AWS, the local data folder locally), partitioned by
 * the UTC date of `served_at`.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from './defaults.ts';
import type { EntityKey, KeyValue } from './entity-key.ts';

export interface InferenceLogRecord {
  readonly request_id: string;
  /** Position of the entity row within the request. */
  readonly row: number;
  /** ISO-8601 UTC with milliseconds: the `t` the lookup resolved values at. */
  readonly served_at: string;
  readonly service: string;
  readonly registry_hash: string;
  readonly entity_key: EntityKey;
  readonly keys: Readonly<Record<string, KeyValue>>;
  readonly request: Readonly<Record<string, FeatureValue>>;
  /** Every output of the service, after defaults and transforms. */
  readonly values: Readonly<Record<string, FeatureValue>>;
  /** Status of each stored feature (transform outputs have none). */
  readonly statuses: Readonly<Record<string, FeatureStatus>>;
  readonly ages_ms: Readonly<Record<string, number | null>>;
}

/** The date partition (`YYYY-MM-DD`, UTC) of an instant. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
