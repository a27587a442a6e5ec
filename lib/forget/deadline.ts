/**
 * When rows forgotten in AWS are physically gone, from the construct's own settings (so the
 * deadline the audit states moves with them): Athena's DELETE and OPTIMIZE leave the old data
 * files in older snapshots; the daily snapshot-retention optimizer expires snapshots older than
 * `snapshotRetentionDays` and deletes the files only they held; the bucket is versioned, so a
 * deleted or replaced object then stays as a noncurrent version until its lifecycle rule
 * expires it (the offline tables' prefix quickly, the log and exports after the general rule).
 */
import {
  ICEBERG_MAINTENANCE_DEFAULTS,
  INGEST_DEFAULTS,
  OFFLINE_DEFAULTS,
  SERVING_DEFAULTS,
} from '../cdk/feature-store-defaults.ts';
import { NONCURRENT_VERSION_EXPIRATION } from '../cdk/offline-bucket.ts';

const DAY_MS = 86_400_000;

export function physicalRemoval(): { afterMs: number; how: string } {
  const snapshots = ICEBERG_MAINTENANCE_DEFAULTS.snapshotRetentionDays;
  // The optimizer runs daily: a snapshot just past its retention waits up to a day more.
  const expiry = snapshots + 1;
  const noncurrent = Math.max(
    NONCURRENT_VERSION_EXPIRATION.toDays(),
    OFFLINE_DEFAULTS.offlineNoncurrentVersionExpiration.toDays(),
  );
  return {
    afterMs: (expiry + noncurrent) * DAY_MS,
    how:
      `Athena DELETE and OPTIMIZE REWRITE DATA ran; snapshot retention (${snapshots} d, run daily) ` +
      `deletes the old data files within ${expiry} d, and their noncurrent S3 versions (and the ` +
      `replaced export objects') expire within ${noncurrent} d more`,
  };
}

/**
 * How long after the tombstones a record or vector accepted before them may still be on its way
 * to a table: the longer Firehose buffer (the offline tables' or the inference log's) after the
 * longest ingest or lookup invocation that read no tombstone.
 */
export function settleMs(): number {
  const buffer = Math.max(
    OFFLINE_DEFAULTS.firehoseBufferInterval.toSeconds(),
    SERVING_DEFAULTS.inferenceLogBufferInterval.toSeconds(),
  );
  const invocation = Math.max(
    INGEST_DEFAULTS.timeout.toSeconds(),
    SERVING_DEFAULTS.timeout.toSeconds(),
  );
  return (buffer + invocation) * 1000;
}
