/**
 * The Athena rules skewless's SQL depends on, each with the AWS page it comes from. Nothing here
 * reaches AWS: the SQL builders follow these rules, and the Athena stand-in under `test/` refuses
 * what they forbid, as Athena would.
 */

/** One documented rule: its value, what it says, and where AWS says it. */
export interface AwsRule<T> {
  readonly value: T;
  readonly rule: string;
  readonly source: string;
}

const rule = <T>(value: T, text: string, source: string): AwsRule<T> => ({
  value,
  rule: text,
  source,
});

export const ATHENA_RULES = {
  /** Athena engine 3 reads Iceberg timestamps with their microseconds: `timestamp(6)`. */
  icebergTimestampPrecision: rule(
    6,
    'Iceberg supports microsecond precision for the timestamp data type; in Athena engine version 3, microsecond precision is supported for reads and writes',
    'https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html',
  ),
  /**
   * UNLOAD writes its files through the Hive writer, whose timestamps are milliseconds: a
   * `timestamp(6)` column fails the query ("Incorrect timestamp precision for timestamp(6); the
   * configured precision is MILLISECONDS"), so every timestamp it writes is a `timestamp(3)`.
   */
  unloadTimestampPrecision: rule(
    3,
    'Hive-format TIMESTAMP data is YYYY-MM-DD HH:MM:SS.SSS (milliseconds); Athena and Glue handle only millisecond precision for TIMESTAMP values they write as Parquet',
    'https://docs.aws.amazon.com/athena/latest/ug/data-types-timestamps.html ; https://docs.aws.amazon.com/dms/latest/APIReference/API_S3Settings.html (ParquetTimestampInMillisecond)',
  ),
  /** UNLOAD's target must hold no data (it never overwrites): one fresh prefix per run. */
  unloadEmptyTarget: rule(
    true,
    'Except when writing partitions, the TO destination must specify a location in Amazon S3 that has no data; UNLOAD does not write to a location that already has data',
    'https://docs.aws.amazon.com/athena/latest/ug/unload.html',
  ),
  /** UNLOAD writes several files in parallel, in no order relative to each other. */
  unloadFilesUnordered: rule(
    true,
    'UNLOAD results are written to multiple files in parallel; the files are not sorted relative to each other',
    'https://docs.aws.amazon.com/athena/latest/ug/unload.html',
  ),
  /** The formats UNLOAD writes; skewless unloads Parquet only. */
  unloadFormats: rule(
    ['PARQUET', 'ORC', 'AVRO', 'JSON', 'TEXTFILE'] as const,
    'Supported formats for UNLOAD include Apache Parquet, ORC, Apache Avro, and JSON (and text)',
    'https://docs.aws.amazon.com/athena/latest/ug/unload.html',
  ),
  /** The query string sent to StartQueryExecution: at most 262,144 bytes, not adjustable. */
  queryStringMaxBytes: rule(
    262_144,
    "'queryString' must have length less than or equal to 262144; the maximum query string length is not an adjustable quota",
    'https://repost.aws/knowledge-center/athena-query-string-length',
  ),
  /** Identifiers: backticks in DDL (Hive), double quotes in SELECT/DML (Trino). */
  identifierQuotes: rule(
    { ddl: '`', dml: '"' } as const,
    'To escape reserved keywords in DDL statements, enclose them in backticks; in SQL SELECT statements and queries on views, enclose them in double quotes',
    'https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html',
  ),
  /**
   * The offline tables are partitioned by `day(event_time)`; Athena plans an Iceberg scan from
   * predicates on the source column, so span bounds on `event_time` must be constants.
   */
  icebergPartitionTransforms: rule(
    'day(event_time)',
    'Iceberg tables are partitioned with transforms of a column (year, month, day, hour, bucket, truncate); queries filter on the column itself',
    'https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html',
  ),
} as const;

/** The Trino type every timestamp an UNLOAD writes is cast to. */
export const UNLOAD_TIMESTAMP_TYPE = `timestamp(${ATHENA_RULES.unloadTimestampPrecision.value})`;

/** UTF-8 bytes of a query string, as Athena counts its limit. */
export function queryStringBytes(sql: string): number {
  return Buffer.byteLength(sql, 'utf8');
}
