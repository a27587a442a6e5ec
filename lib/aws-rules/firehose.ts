/** Amazon Data Firehose: batch limits and how its Iceberg destination is billed. */
import { awsRule, KiB, MiB } from './rule.ts';

export const FIREHOSE = {
  /** PutRecordBatch: 500 records and 4 MiB per call, 1,000 KiB per record. */
  putRecordBatch: awsRule(
    { maxEntries: 500, maxBytes: 4 * MiB, maxEntryBytes: 1000 * KiB },
    'https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html',
  ),
  /**
   * Direct PUT into S3 rounds each record up to 5 KB; an Apache Iceberg destination is billed
   * per GB ingested, with no per-record rounding.
   */
  billing: awsRule(
    { directPutS3RecordRoundingBytes: 5 * KiB, icebergBilledPer: 'GB' as const },
    'https://aws.amazon.com/firehose/pricing/',
  ),
} as const;
