/** Kinesis Data Streams: record and batch limits, shard throughput, on-demand's starting shards. */
import { awsRule, MiB } from './rule.ts';

export const KINESIS = {
  /** PutRecords: 500 records and 5 MiB per call, 1 MiB per record (partition key included). */
  putRecords: awsRule(
    { maxEntries: 500, maxBytes: 5 * MiB, maxEntryBytes: 1 * MiB },
    'https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html',
  ),
  /** A partition key is 1 to 256 Unicode characters. */
  partitionKeyMaxLength: awsRule(
    256,
    'https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html',
  ),
  /** One shard takes 1 MB/s or 1,000 records/s of writes, in either capacity mode. */
  shardWrite: awsRule(
    { bytesPerSecond: 1_000_000, recordsPerSecond: 1000 },
    'https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html',
  ),
  /**
   * A new on-demand stream starts at 4 MB/s of write capacity, i.e. 4 shards (1 MB/s each), and
   * scales up from there.
   */
  onDemandInitialShards: awsRule(
    4,
    'https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html',
  ),
} as const;
