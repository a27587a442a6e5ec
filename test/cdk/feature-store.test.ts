/**
 * Assertions on the synthesized flights store, one `describe` per construct. One synthesis
 * (bundling skipped) is shared by every assertion.
 */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { RemovalPolicy } from 'aws-cdk-lib';
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
import { FRESHNESS_METRIC, viewMetricDimension } from '../../lib/cdk/metrics.ts';
import { streamsOf } from '../../lib/registry/query.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore } from './synth.ts';

const names = { prefix: 'skewless' };
let registry: Registry;
let template: Template;

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
});

function functionNamed(handler: string) {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `skewless-${handler}` },
  });
  const entries = Object.entries(found);
  expect(entries).toHaveLength(1);
  return entries[0]![1] as { Properties: Record<string, unknown> };
}

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
    const env = (functionNamed('ingest').Properties.Environment as { Variables: object }).Variables;
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

describe('Lambdas', () => {
  it('runs every handler on nodejs22.x with JSON logs and its own log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
    });
  });

  it.each([
    ['ingest', ['prefix', 'registryHash', 'onlineTable', 'deadLetterQueueUrl']],
    ['lookup', ['prefix', 'registryHash', 'onlineTable']],
    ['export', ['prefix', 'registryHash', 'bucket', 'athenaWorkgroup', 'glueDatabase']],
    [
      'skew-check',
      ['prefix', 'registryHash', 'bucket', 'athenaWorkgroup', 'glueDatabase', 'alertTopicArn'],
    ],
  ] as const)('gives the %s Lambda only the HANDLER_ENV settings it needs', (handler, keys) => {
    const env = (functionNamed(handler).Properties.Environment as { Variables: object }).Variables;
    const skewless = Object.keys(env).filter((k) => k.startsWith('SKEWLESS_'));
    expect(skewless.sort()).toEqual(keys.map((k) => HANDLER_ENV[k]).sort());
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: handler,
      POWERTOOLS_METRICS_NAMESPACE: 'skewless',
    });
  });

  it('reserves no concurrency by default, so an account with the new-account quota of 10 deploys', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect((fn as { Properties: object }).Properties).not.toHaveProperty(
        'ReservedConcurrentExecutions',
      );
    }
  });

  it('runs the export and the skew check on x86_64, where the shipped DuckDB binary runs, and the rest on arm64', () => {
    for (const name of ['export', 'skew-check'])
      expect(functionNamed(name).Properties.Architectures).toEqual(['x86_64']);
    for (const name of ['ingest', 'lookup']) {
      expect(functionNamed(name).Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: object }).Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });
});

describe('Monitoring', () => {
  it('runs the skew check nightly and alerts on a KMS-encrypted topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }) })],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('alarms on iterator age per stream, dead letters, Lambda errors and throttles', () => {
    for (const source of streamsOf(registry)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `skewless-iterator-age-${source}`,
        MetricName: 'GetRecords.IteratorAgeMilliseconds',
        AlarmActions: [Match.anyValue()],
      });
    }
    for (const name of ['poisonrecords', 'failedbatches']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `skewless-dead-letters-${name}`,
        MetricName: 'ApproximateNumberOfMessagesVisible',
      });
    }
    for (const metric of ['Errors', 'Throttles']) {
      const alarms = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: metric, Namespace: 'AWS/Lambda' },
      });
      expect(Object.keys(alarms)).toHaveLength(4);
    }
  });

  it('alarms when a view’s records arrive as old as its ttl, on the metric the ingest handler emits', () => {
    for (const view of registry.featureViews) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: FRESHNESS_METRIC.namespace,
        MetricName: FRESHNESS_METRIC.metricName,
        Threshold: view.ttlMs,
        // CloudWatch matches the exact dimension set (rendered in name order).
        Dimensions: [
          { Name: 'prefix', Value: 'skewless' },
          { Name: 'service', Value: 'ingest' },
          { Name: 'view', Value: viewMetricDimension(view) },
        ],
      });
    }
  });

  it('builds a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('secure defaults', () => {
  it('warns when a secure default is overridden', () => {
    const { built } = synthStore(registry, {
      store: { removalPolicy: RemovalPolicy.DESTROY, apiAuthorization: 'none' },
    });
    const warnings = Annotations.fromStack(built.stack).findWarning(
      '*',
      Match.stringLikeRegexp('overrides the secure default'),
    );
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringContaining("'removalPolicy'"),
      expect.stringContaining("'apiAuthorization'"),
    ]);
  });

  it('rejects a prefix that would break physical names', () => {
    expect(() => synthStore(registry, { prefix: 'Has_Upper' })).toThrow(/prefix 'Has_Upper'/);
  });
});
