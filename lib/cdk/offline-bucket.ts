/**
 * The store bucket's lifecycle and what happens to the buckets when the stack goes away or a
 * first deploy fails.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import { OFFLINE_DEFAULTS } from './feature-store-defaults.ts';

/**
 * The buckets hold objects as soon as the first deploy has created the Iceberg tables (Glue
 * writes their metadata, S3 writes access logs), and S3 deletes only empty buckets: under
 * RetainExceptOnCreate the rollback of a failed first deploy would fail on them. Their names
 * are generated, so retaining them never blocks the next deploy.
 * (`CLOUDFORMATION.s3DeleteNeedsEmptyBucket`, `CLOUDFORMATION.retainExceptOnCreate`)
 */
export function bucketRemovalPolicy(policy: RemovalPolicy): RemovalPolicy {
  return policy === RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE ? RemovalPolicy.RETAIN : policy;
}

/** How long a replaced or deleted object stays as a noncurrent version (outside `offline/`). */
export const NONCURRENT_VERSION_EXPIRATION = Duration.days(30);

export function lifecycleRules(): s3.LifecycleRule[] {
  return [
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    // Replaced and deleted objects stay as noncurrent versions for a month (recovery)...
    { id: 'noncurrent-versions', noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRATION },
    // ...except the Iceberg tables': snapshot expiry, compaction and metadata cleanup delete
    // files all day long, and Iceberg's snapshots are the tables' own history.
    {
      id: 'offline-noncurrent-versions',
      prefix: BUCKET_PREFIXES.offline,
      noncurrentVersionExpiration: OFFLINE_DEFAULTS.offlineNoncurrentVersionExpiration,
    },
    {
      id: 'athena-results',
      prefix: BUCKET_PREFIXES.athenaResults,
      expiration: OFFLINE_DEFAULTS.athenaResultsExpiration,
    },
    {
      id: 'exports',
      prefix: BUCKET_PREFIXES.exports,
      expiration: OFFLINE_DEFAULTS.exportsExpiration,
    },
    {
      id: 'spines',
      prefix: BUCKET_PREFIXES.spines,
      expiration: OFFLINE_DEFAULTS.exportsExpiration,
    },
    {
      id: 'inference-log',
      prefix: BUCKET_PREFIXES.inferenceLog,
      transitions: [
        {
          storageClass: s3.StorageClass.INFREQUENT_ACCESS,
          transitionAfter: OFFLINE_DEFAULTS.inferenceLogTransitionToIa,
        },
      ],
    },
  ];
}
