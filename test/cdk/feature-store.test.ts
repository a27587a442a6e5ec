/**
 * Assertions on the resources of the synthesized flights store, one `describe` per construct.
 * How its functions run and how it is watched: `feature-store-runtime.test.ts`. One synthesis
 * (bundling skipped) is shared by every assertion.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ENV } from '../../lib/config.ts';
import { offlineTableName } from '../../lib/core/columns.ts';
import {
  glueDatabaseName,
  inferenceLogDeliveryStreamName,
  offlineDeliveryStreamName,
  onlineTableName,
  sourceStreamName,
  INFERENCE_LOG_TABLE,
} from '../../lib/core/naming.ts';
import { INFERENCE_LOG_COLUMNS } from '../../lib/core/inference-log.ts';
import { ONLINE_TTL_ATTRIBUTE } from '../../lib/core/online-item.ts';
import { INGEST_DEFAULTS } from '../../lib/cdk/feature-store-defaults.ts';
import { streamsOf } from '../../lib/registry/query.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, functionNamed, synthStore } from './synth.ts';

const names = { prefix: 'skewless' };
let registry: Registry;
let template: Template;

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
});

describe('OnlineStore', () => {
  it('creates one on-demand table with point-in-time recovery, a CMK and the TTL attribute', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: onlineTableName(names),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      TimeToLiveSpecification: { AttributeName: ONLINE_TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('retains stored data by default, except what a failed first deploy created', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key']) {
      template.hasResource(type, { DeletionPolicy: 'RetainExceptOnCreate' });
    }
    // The buckets are never empty after a first deploy, and have generated names.
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });
});

describe('OfflineStore', () => {
  it('encrypts the store bucket with the CMK, enforces TLS, blocks public access and logs access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: Match.anyValue(),
            },
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'store/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'athena-results/', ExpirationInDays: 7 }),
        ]),
      },
    });
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('creates one Iceberg table per view, partitioned by day of event_time', () => {
    // One per view, and the inference log's.
    template.resourceCountIs('AWS::Glue::Table', registry.featureViews.length + 1);
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({ Name: glueDatabaseName(names) }),
    });
    for (const view of registry.featureViews) {
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: glueDatabaseName(names),
        Name: offlineTableName(view),
        OpenTableFormatInput: {
          IcebergInput: {
            MetadataOperation: 'CREATE',
            Version: '2',
            IcebergTableInput: Match.objectLike({
              PartitionSpec: {
                SpecId: 0,
                Fields: [Match.objectLike({ Name: 'event_time_day', Transform: 'day' })],
              },
              Schema: Match.objectLike({
                // Column order is offlineColumns order: keys, features (an aggregation view's
                // raw event columns), then the record columns.
                Fields: Match.arrayWith([
                  ...(view.kind === 'aggregation' ? view.aggregation.columns : view.features).map(
                    (f) => Match.objectLike({ Name: f.name, Required: false }),
                  ),
                  Match.objectLike({ Name: 'event_time', Type: 'timestamp', Required: true }),
                  Match.objectLike({ Name: 'ingested_at', Type: 'timestamp' }),
                  Match.objectLike({ Name: 'record_id', Type: 'string' }),
                ]),
              }),
            }),
          },
        },
      });
    }
  });

  it('enforces the Athena workgroup result location, encryption and scan cut-off', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'skewless',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 ** 4,
        ResultConfiguration: {
          OutputLocation: Match.anyValue(),
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      }),
    });
  });
});

describe('Ingestion', () => {
  it('creates a KMS-encrypted stream per source', () => {
    const sources = streamsOf(registry);
    template.resourceCountIs('AWS::Kinesis::Stream', sources.length);
    for (const source of sources) {
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        Name: sourceStreamName(names, source),
        StreamEncryption: { EncryptionType: 'KMS', KeyId: Match.anyValue() },
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: INGEST_DEFAULTS.streamShards,
      });
    }
  });

  it('maps each stream to the ingest Lambda with bisect, bounded retries, partial failures and a DLQ', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', streamsOf(registry).length);
    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('creates two KMS-encrypted dead-letter queues', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });

  it('creates a Firehose stream per view version into its Iceberg table', () => {
    for (const view of registry.featureViews) {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: offlineDeliveryStreamName(names, view),
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
        IcebergDestinationConfiguration: Match.objectLike({
          AppendOnly: true,
          DestinationTableConfigurationList: [
            Match.objectLike({
              DestinationDatabaseName: glueDatabaseName(names),
              DestinationTableName: offlineTableName(view),
            }),
          ],
        }),
      });
    }
  });

  it('gives the ingest Lambda exactly the handler settings it reads', () => {
    const env = (functionNamed(template, 'ingest').Properties.Environment as { Variables: object })
      .Variables;
    expect(Object.keys(env).sort()).toEqual(
      [
        HANDLER_ENV.prefix,
        HANDLER_ENV.registryHash,
        HANDLER_ENV.onlineTable,
        HANDLER_ENV.deadLetterQueueUrl,
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
      ].sort(),
    );
    expect(env).toMatchObject({ [HANDLER_ENV.registryHash]: registry.hash });
  });
});

describe('Serving', () => {
  it('routes POST /features to the lookup Lambda with IAM authorization', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /features',
      AuthorizationType: 'AWS_IAM',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  });

  it('throttles the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 500 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
    });
  });

  it('logs inference into its own Iceberg table, partitioned by the UTC day of served_at', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      Name: INFERENCE_LOG_TABLE,
      OpenTableFormatInput: {
        IcebergInput: Match.objectLike({
          IcebergTableInput: Match.objectLike({
            Location: Match.anyValue(),
            PartitionSpec: {
              SpecId: 0,
              Fields: [Match.objectLike({ Name: 'served_at_day', Transform: 'day' })],
            },
            Schema: Match.objectLike({
              Fields: INFERENCE_LOG_COLUMNS.map((c) => Match.objectLike({ Name: c.name })),
            }),
          }),
        }),
      },
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: inferenceLogDeliveryStreamName(names),
      IcebergDestinationConfiguration: Match.objectLike({
        AppendOnly: true,
        DestinationTableConfigurationList: [
          Match.objectLike({
            DestinationDatabaseName: glueDatabaseName(names),
            DestinationTableName: INFERENCE_LOG_TABLE,
            // Refused records by arrival day: where the skew check of that day reads them.
            S3ErrorOutputPrefix:
              'firehose-errors/inference-log/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
          }),
        ],
      }),
    });
  });
});
