/**
 * Ingestion: a Kinesis stream per source (`streamsOf`), ONE shared ingest Lambda with an event
 * source mapping per stream, two SQS dead-letter queues, and a Firehose delivery stream per view
 * version into its Iceberg table.
 *
 * One function rather than one per source: every source runs the same handler over the same
 * registry, so separate functions would only multiply cold starts and alarms. The handler finds
 * a batch's views from the record's `eventSourceARN`: the stream name is
 * `sourceStreamName({ prefix }, stream)` for exactly one `stream` of `streamsOf(registry)`.
 *
 * Two queues, because they carry different things: the poison queue (`SKEWLESS_DLQ_URL`) gets
 * the records the handler rejects, with the reason, and never blocks the shard; the failed-batch
 * queue is the event source mapping's on-failure destination and gets the metadata (shard,
 * sequence range) of a batch that still failed after the bounded retries.
 */
import { Annotations, ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KINESIS } from '../aws-rules/kinesis.ts';
import { LAMBDA } from '../aws-rules/lambda.ts';
import { offlineTableName } from '../core/columns.ts';
import {
  BUCKET_PREFIXES,
  offlineDeliveryStreamName,
  sourceStreamName,
  type ResourceNames,
} from '../core/naming.ts';
import { streamsOf } from '../registry/query.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { INGEST_DEFAULTS, OFFLINE_DEFAULTS } from './feature-store-defaults.ts';
import { HandlerFunction, type HandlerFunctionDefaults } from './handler-function.ts';
import type { OfflineStore } from './offline-store.ts';
import type { OnlineStore } from './online-store.ts';
import { acknowledgeRule } from './nag.ts';
import { dependOnRolePolicy } from './role-policy.ts';
import { isAggregationView } from '../registry/query.ts';
import { storedViews } from '../registry/candidates.ts';

export interface IngestionProps {
  readonly names: ResourceNames;
  readonly registry: Registry;
  readonly key: kms.IKey;
  readonly onlineStore: OnlineStore;
  readonly offlineStore: OfflineStore;
  readonly removalPolicy: RemovalPolicy;
  readonly functionDefaults: HandlerFunctionDefaults;
  /** @default INGEST_DEFAULTS.batchSize */
  readonly batchSize?: number;
  /** @default - unreserved (concurrency is already bounded by shards × parallelization factor) */
  readonly reservedConcurrency?: number;
  /** Shards per source stream, or on-demand capacity. @default INGEST_DEFAULTS.streamShards */
  readonly streamShards?: number | 'on-demand';
}

export class Ingestion extends Construct {
  /** Kinesis stream per source stream name (as declared in the definitions). */
  public readonly streams: ReadonlyMap<string, kinesis.Stream>;
  public readonly ingest: HandlerFunction;
  public readonly poisonQueue: sqs.Queue;
  public readonly failedBatchQueue: sqs.Queue;
  /** Firehose delivery stream per view version, by `offlineTableName`. */
  public readonly deliveryStreams: ReadonlyMap<string, firehose.CfnDeliveryStream>;
  public readonly firehoseLogGroup: logs.LogGroup;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    this.key = props.key;
    const { names, registry } = props;
    this.streams = this.sourceStreams(props);
    this.poisonQueue = this.queue('PoisonQueue', `${names.prefix}-ingest-poison`, props);
    this.failedBatchQueue = this.queue('FailedBatchQueue', `${names.prefix}-ingest-failed`, props);
    acknowledgeRule(
      this.poisonQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the ingest handler (rejected records).',
    );
    acknowledgeRule(
      this.failedBatchQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue (on-failure destination) of the Kinesis event source mappings.',
    );
    this.firehoseLogGroup = new logs.LogGroup(this, 'FirehoseLogs', {
      logGroupName: `/aws/kinesisfirehose/${names.prefix}`,
      retention: props.functionDefaults.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.deliveryStreams = new Map(
      storedViews(registry).map((view) => [
        offlineTableName(view),
        this.deliveryStream(view, props),
      ]),
    );
    this.ingest = this.ingestFunction(props);
    this.mapStreamsToIngest(props);
  }

  /** One on-demand Kinesis stream per source stream, encrypted with the store key. */
  private sourceStreams(props: IngestionProps): Map<string, kinesis.Stream> {
    const streams = new Map<string, kinesis.Stream>();
    const shards = props.streamShards ?? INGEST_DEFAULTS.streamShards;
    for (const source of streamsOf(props.registry)) {
      const stream = new kinesis.Stream(this, `Stream-${source}`, {
        streamName: sourceStreamName(props.names, source),
        ...(shards === 'on-demand'
          ? { streamMode: kinesis.StreamMode.ON_DEMAND }
          : { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: shards }),
        encryption: kinesis.StreamEncryption.KMS,
        encryptionKey: props.key,
        retentionPeriod: INGEST_DEFAULTS.streamRetention,
        removalPolicy: props.removalPolicy,
      });
      acknowledgeRule(
        stream.node.defaultChild!,
        'AwsSolutions-KDS3',
        'The store CMK (not aws/kinesis) is deliberate: one key policy and rotation for all feature data.',
      );
      streams.set(source, stream);
    }
    warnAboveNewAccountConcurrency(this, streams.size, shards);
    return streams;
  }

  /** The ingest handler, with the grants it needs on streams, Firehoses, queues and the table. */
  private ingestFunction(props: IngestionProps): HandlerFunction {
    const ingest = new HandlerFunction(this, 'Ingest', {
      ...props.functionDefaults,
      handler: 'ingest',
      description: 'Validates Kinesis records and writes them to the online and offline stores.',
      environment: {
        onlineTable: props.onlineStore.table.tableName,
        deadLetterQueueUrl: this.poisonQueue.queueUrl,
      },
      memorySize: INGEST_DEFAULTS.memorySize,
      timeout: INGEST_DEFAULTS.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    this.grantIngest(ingest.role);
    props.onlineStore.grantPut(ingest.role);
    // Each batch reads its keys' tombstones in one BatchGetItem (`lib/ingest/forgotten.ts`).
    props.onlineStore.grantLookup(ingest.role);
    // Aggregation views update their tile item by read-modify-write (a conditional put).
    if (storedViews(props.registry).some(isAggregationView))
      props.onlineStore.grantTileRead(ingest.role);
    return ingest;
  }

  /** One event source mapping per stream, reporting partial failures, failed batches to SQS. */
  private mapStreamsToIngest(props: IngestionProps): void {
    for (const [source, stream] of this.streams) {
      const mapping = new lambda.EventSourceMapping(this, `Mapping-${source}`, {
        target: this.ingest.function,
        eventSourceArn: stream.streamArn,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? INGEST_DEFAULTS.batchSize,
        maxBatchingWindow: INGEST_DEFAULTS.maxBatchingWindow,
        bisectBatchOnError: INGEST_DEFAULTS.bisectBatchOnError,
        retryAttempts: INGEST_DEFAULTS.retryAttempts,
        maxRecordAge: INGEST_DEFAULTS.maxRecordAge,
        parallelizationFactor: INGEST_DEFAULTS.parallelizationFactor,
        reportBatchItemFailures: true,
        // The role's explicit statements (below) replace the grant a built-in destination adds.
        onFailure: { bind: () => ({ destination: this.failedBatchQueue.queueArn }) },
      });
      // The mapping is validated against the role at creation: create the policy first.
      mapping.node.addDependency(this.ingest.role);
    }
  }

  /** The ingest role's statements: read its streams, feed its Firehoses, dead-letter to its queues. */
  private grantIngest(role: iam.IRole): void {
    const streamArns = [...this.streams.values()].map((s) => s.streamArn);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSourceStreams',
        actions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        resources: streamArns,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FeedOfflineDeliveryStreams',
        // The ingest core sends batches only (test/iam/ingest-recorded.test.ts records it).
        actions: ['firehose:PutRecordBatch'],
        resources: [...this.deliveryStreams.values()].map((d) => d.attrArn),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeadLetter',
        // SendMessage only: the sink's batches, and Lambda's on-failure destination
        // (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html).
        actions: ['sqs:SendMessage'],
        resources: [this.poisonQueue.queueArn, this.failedBatchQueue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseStoreKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
  }

  /** Lets a producer put records on one source stream (or all of them). */
  public grantProduce(grantee: iam.IGrantable, source?: string): void {
    const streams = source === undefined ? [...this.streams.values()] : [this.stream(source)];
    iam.Grant.addToPrincipal({
      grantee,
      // The producer helper (`skewless push`, `putRecords`) sends batches only.
      actions: ['kinesis:PutRecords'],
      resourceArns: streams.map((s) => s.streamArn),
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey'],
      resourceArns: [this.key.keyArn],
    });
  }

  public stream(source: string): kinesis.Stream {
    const stream = this.streams.get(source);
    if (!stream) {
      throw new Error(
        `No source stream '${source}'; the definitions declare: ${[...this.streams.keys()].join(', ')}`,
      );
    }
    return stream;
  }

  private queue(id: string, queueName: string, props: IngestionProps): sqs.Queue {
    return new sqs.Queue(this, id, {
      queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
  }

  private deliveryStream(view: RegistryView, props: IngestionProps): firehose.CfnDeliveryStream {
    const table = offlineTableName(view);
    const offline = props.offlineStore;
    const errorPrefix = `${BUCKET_PREFIXES.firehoseErrors}${table}/`;
    const role = new iam.Role(this, `DeliveryRole-${table}`, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Firehose into the Iceberg table ${table} only`,
    });
    offline.grantIcebergAppend(role, table, errorPrefix);
    const logStream = new logs.LogStream(this, `DeliveryLogs-${table}`, {
      logGroup: this.firehoseLogGroup,
      logStreamName: table,
      removalPolicy: props.removalPolicy,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${this.firehoseLogGroup.logGroupName}:log-stream:${table}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const keyArn = props.key.keyArn;
    const stream = new firehose.CfnDeliveryStream(this, `Delivery-${table}`, {
      deliveryStreamName: offlineDeliveryStreamName(props.names, view),
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn },
      icebergDestinationConfiguration: {
        roleArn: role.roleArn,
        catalogConfiguration: { catalogArn: offline.glueArn('catalog') },
        destinationTableConfigurationList: [
          {
            destinationDatabaseName: offline.databaseName,
            destinationTableName: table,
            s3ErrorOutputPrefix: errorPrefix,
          },
        ],
        // Inserts only: duplicates from retries are removed at read time by record id.
        appendOnly: true,
        bufferingHints: {
          intervalInSeconds: OFFLINE_DEFAULTS.firehoseBufferInterval.toSeconds(),
          sizeInMBs: OFFLINE_DEFAULTS.firehoseBufferSizeMiB,
        },
        retryOptions: { durationInSeconds: 3600 },
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: offline.bucket.bucketArn,
          roleArn: role.roleArn,
          errorOutputPrefix: errorPrefix,
          encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: keyArn } },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.firehoseLogGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    stream.applyRemovalPolicy(props.removalPolicy);
    const glueTable = offline.tables.get(table);
    if (glueTable) stream.node.addDependency(glueTable);
    dependOnRolePolicy(stream, role);
    return stream;
  }
}

/**
 * Concurrent ingest invocations the streams start with: one batch per shard at a time, times
 * the parallelization factor (`LAMBDA.kinesisConcurrencyPerShard`).
 */
export function ingestConcurrency(streams: number, shards: number | 'on-demand'): number {
  const perStream = shards === 'on-demand' ? KINESIS.onDemandInitialShards.value : shards;
  return streams * perStream * INGEST_DEFAULTS.parallelizationFactor;
}

function warnAboveNewAccountConcurrency(
  scope: Construct,
  streams: number,
  shards: number | 'on-demand',
): void {
  const concurrency = ingestConcurrency(streams, shards);
  const quota = LAMBDA.newAccountConcurrency.value;
  if (concurrency < quota) return;
  Annotations.of(scope).addWarningV2(
    'skewless:ingestConcurrency',
    `Ingestion: ${streams} stream(s) × ${shards === 'on-demand' ? `${KINESIS.onDemandInitialShards.value} shards (on-demand start)` : `${shards} shard(s)`} = ${concurrency} concurrent ingest invocations, at or above a new account's Lambda quota of ${quota} (${LAMBDA.newAccountConcurrency.source}).`,
  );
}
