/**
 * Secure and operational defaults of the `FeatureStore` construct, as data. The constructs read
 * these and nothing else; a prop that weakens one of the `SECURE_DEFAULTS` raises an
 * `Annotations` warning (see `warnIfWeakened`).
 */
import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Defaults whose override lowers the security posture: overriding one is a synth warning. */
export const SECURE_DEFAULTS = {
  /** HTTP API routes require SigV4 (IAM) signatures. */
  apiAuthorization: 'iam',
  /**
   * Data survives `cdk destroy` and updates (CloudFormation `RetainExceptOnCreate`), but a
   * failed first deploy deletes what it created: a retained resource with a physical name (the
   * table, streams, queues, log groups, key aliases) would otherwise block the next deploy.
   */
  removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
} as const;

/** Kinesis → ingest Lambda event source mapping. */
export const INGEST_DEFAULTS = {
  /** Records per invocation: DynamoDB writes are per record, Firehose takes 500 per call. */
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  /** Split a failing batch to isolate the poison record instead of blocking the shard. */
  bisectBatchOnError: true,
  /** Bounded: after these the batch's metadata goes to the failed-batch queue. */
  retryAttempts: 3,
  maxRecordAge: Duration.hours(6),
  /** One concurrent batch per shard keeps each entity's records in arrival order. */
  parallelizationFactor: 1,
  /** Kinesis retention: long enough to replay a day of outage. */
  streamRetention: Duration.hours(48),
  memorySize: 512,
  timeout: Duration.seconds(60),
} as const;

export const SERVING_DEFAULTS = {
  /** Steady-state requests per second across the API. */
  throttleRateLimit: 500,
  throttleBurstLimit: 1000,
  memorySize: 1024,
  /** API Gateway's integration timeout is 30 s; a lookup is one BatchGetItem round trip. */
  timeout: Duration.seconds(10),
  /** Inference log: Firehose buffers (flush on whichever comes first). */
  inferenceLogBufferInterval: Duration.seconds(300),
  /** Dynamic partitioning needs at least 64 MiB buffers. */
  inferenceLogBufferSizeMiB: 64,
} as const;

export const EXPORT_DEFAULTS = {
  /**
   * DuckDB holds the joined rows and the Node transforms run over them in 50,000-row pages:
   * 2 GiB (and the vCPU share that comes with it) keeps a million-row spine in memory.
   */
  memorySize: 2048,
  /**
   * /tmp holds the spine, the unloaded Parquet, the training file and DuckDB's spill files
   * (`temp_directory`). 10 GiB is Lambda's maximum, as for the skew check.
   */
  ephemeralStorageMiB: 10240,
  /** Athena queries run asynchronously; the Lambda polls up to its timeout. */
  timeout: Duration.minutes(15),
  // No reserved concurrency by default (for any handler): new and sandbox accounts have a
  // concurrency quota of 10 and Lambda keeps 10 unreserved, so any reservation fails the deploy
  // there. `exportReservedConcurrency` opts in to bound concurrent Athena exports.
} as const;

export const OFFLINE_DEFAULTS = {
  /** Athena cut-off per query: 1 TiB. */
  bytesScannedCutoffPerQuery: 1024 ** 4,
  /** Athena results and temporary exports expire; offline data does not. */
  athenaResultsExpiration: Duration.days(7),
  exportsExpiration: Duration.days(30),
  inferenceLogTransitionToIa: Duration.days(30),
  accessLogsExpiration: Duration.days(365),
  /** Iceberg Firehose buffers. */
  firehoseBufferInterval: Duration.seconds(60),
  firehoseBufferSizeMiB: 64,
} as const;

/**
 * Iceberg maintenance by Glue table optimizers, one set per view table. Firehose commits every
 * `firehoseBufferInterval` (~1,440 small commits a day per table); compaction rewrites the
 * small files, snapshot retention expires the commits, orphan-file deletion removes files no
 * snapshot references (failed writes). Exports never time-travel (`as_of` filters on
 * `ingested_at`), so old snapshots serve no query.
 */
export const ICEBERG_MAINTENANCE_DEFAULTS = {
  snapshotRetentionDays: 5,
  /** Keep at least this many snapshots whatever their age. */
  snapshotsToRetain: 1,
  orphanFileRetentionDays: 3,
} as const;

export const MONITORING_DEFAULTS = {
  /** Nightly skew check: 03:00 UTC, after the previous day's inference log has landed. */
  skewCheckSchedule: { minute: '0', hour: '3' },
  skewCheckTimeout: Duration.minutes(15),
  /** The function's memory with no sample to hold; `skewCheckMemoryMb` adds the sample's. */
  skewCheckMemorySize: 1024,
  /**
   * /tmp for DuckDB: the day's inference log, the unloaded rebuilds and DuckDB's spill files
   * (`temp_directory`) live there. 10 GiB is Lambda's maximum; past the free 512 MB it costs
   * about $0.0003 per 15-minute run.
   */
  skewCheckEphemeralStorageMiB: 10240,
  /**
   * Memory per 1,000 sampled vectors of the largest daily cap: the bench's 200k-vector sample of a
   * 20M day peaked at about 0.7-1.3 GB of RSS (`bench/results/skew.json`), so 5 MB a thousand
   * keeps DuckDB's half of the function (`lambdaDuckDBConfig`) above what it needs.
   */
  skewCheckMbPerThousandVectors: 5,
  /**
   * Lambda's own retries of the nightly (asynchronous) invocation: none. A failed night is an
   * alarm (Errors-SkewCheck), not up to three Athena runs over the same day.
   */
  skewCheckRetryAttempts: 0,
  /** Alarm when a shard's oldest unread record is older than this. */
  iteratorAgeThreshold: Duration.minutes(5),
  logRetentionDays: 90,
} as const;

/**
 * Raises a synth warning when `value` differs from a secure default. The id is stable so a
 * user can acknowledge it deliberately (`Validations.of(x).acknowledge({ id: 'annotation::…' })`).
 */
export function warnIfWeakened<K extends keyof typeof SECURE_DEFAULTS>(
  scope: IConstruct,
  key: K,
  value: (typeof SECURE_DEFAULTS)[K] | string | boolean | RemovalPolicy | undefined,
): void {
  if (value === undefined || value === SECURE_DEFAULTS[key]) return;
  // Plain RETAIN keeps data too (it only also keeps what a failed first deploy created).
  if (key === 'removalPolicy' && value === RemovalPolicy.RETAIN) return;
  Annotations.of(scope).addWarningV2(
    `skewless:secureDefault:${key}`,
    `FeatureStore: '${key}' overrides the secure default (${String(SECURE_DEFAULTS[key])}) with ${String(value)}.`,
  );
}

/**
 * The skew-check function's memory: the base, plus room for the largest sample any service may
 * check in a night (its `maxVectorsPerDay`), rounded up to 128 MB, within Lambda's 10,240 MB.
 */
export function skewCheckMemoryMb(maxVectorsPerDay: number): number {
  const mb =
    MONITORING_DEFAULTS.skewCheckMemorySize +
    (maxVectorsPerDay / 1000) * MONITORING_DEFAULTS.skewCheckMbPerThousandVectors;
  return Math.min(10_240, Math.ceil(mb / 128) * 128);
}
