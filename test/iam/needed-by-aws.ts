/**
 * The one list of granted actions that no recorded request needs because AWS itself uses them
 * with the role: Lambda's runtime writes the function's logs, its event source mapping
 * describes the streams, Athena reads the catalog and uploads in parts as the query's caller,
 * DynamoDB uses the table's key as the writer. Each entry says why and where AWS documents it.
 * The mutation run (`mutation.ts`) accepts an action that no recorded request needs only if it
 * is named here, and rejects an entry whose action the role is no longer granted.
 */
import type { HandlerName } from '../../lib/cdk/handler-function.ts';

/**
 * A Lambda's role, or a role given `grantExport`, `grantBackfill`, `grantForget`, `grantReplay`,
 * `grantProduce` or `grantDirectLookup`.
 */
export type RoleName =
  HandlerName | 'exporter' | 'backfill' | 'forgetter' | 'replayer' | 'producer' | 'direct-lookup';

export interface NeededByAws {
  readonly action: string;
  readonly reason: string;
  readonly source: string;
}

const LAMBDA_LOGS: readonly NeededByAws[] = ['logs:CreateLogStream', 'logs:PutLogEvents'].map(
  (action) => ({
    action,
    reason: "Lambda's runtime writes the function's logs to its log group with the execution role",
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html',
  }),
);

/**
 * Athena runs each query with the caller's credentials (`athena-caller.ts` derives the reads and
 * writes a query's text implies); what it does beyond them, per AWS's documentation:
 */
const ATHENA_AS_CALLER: readonly NeededByAws[] = [
  ...['s3:AbortMultipartUpload', 's3:ListBucketMultipartUploads'].map((action) => ({
    action,
    reason:
      'Athena writes query results and UNLOAD files in multipart uploads as the caller, and ' +
      "AWS's policy for Athena users grants these on the result locations",
    source:
      'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAthenaFullAccess.html',
  })),
  ...['glue:BatchGetPartition', 'glue:GetPartition', 'glue:GetTables'].map((action) => ({
    action,
    reason:
      "Athena's planner reads the catalog as the caller; AWS's examples of table-level access " +
      'for Athena queries grant these with glue:GetTable (none is an API our code calls)',
    source:
      'https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html',
  })),
];

/** The online table's writers (`OnlineStore.grantPut`). */
const TABLE_KEY_ENCRYPT: NeededByAws = {
  action: 'kms:Encrypt',
  reason:
    "DynamoDB uses the table's customer managed key with the writer's permissions; AWS's " +
    'guidance for such keys lets the table users encrypt as well as decrypt, and no request ' +
    'the simulator can see shows which writes need it',
  source: 'https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html',
};

export const NEEDED_BY_AWS: Readonly<Record<RoleName, readonly NeededByAws[]>> = {
  ingest: [
    ...LAMBDA_LOGS,
    ...['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary'].map((action) => ({
      action,
      reason:
        "the Kinesis event source mapping describes the stream with the function's role " +
        '(the local poller that stands in for it lists shards and reads records, recorded)',
      source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html',
    })),
    TABLE_KEY_ENCRYPT,
  ],
  lookup: [...LAMBDA_LOGS],
  export: [...LAMBDA_LOGS, ...ATHENA_AS_CALLER],
  'skew-check': [...LAMBDA_LOGS, ...ATHENA_AS_CALLER],
  exporter: [...ATHENA_AS_CALLER],
  backfill: [...ATHENA_AS_CALLER, TABLE_KEY_ENCRYPT],
  forgetter: [...ATHENA_AS_CALLER, TABLE_KEY_ENCRYPT],
  replayer: [...ATHENA_AS_CALLER],
  producer: [],
  'direct-lookup': [],
};
