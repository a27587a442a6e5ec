/**
 * The IAM contract of the AWS services that act for the store: Firehose (assumes its roles and
 * writes the Iceberg tables and the inference log), CloudWatch (publishes alarms to the
 * encrypted alert topic) and Glue's table optimizers (maintain the Iceberg tables). Each call is
 * the one AWS documents for that service, addressed at the resources the template configures;
 * each is evaluated with the IAM simulator against the trust, identity, key and topic policies.
 * And the roles of the Lambdas are denied what their handlers never do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_LOG_TABLE } from '../../lib/core/naming.ts';
import { ACCOUNT, deployedStore, REGION, type Deployed } from './deployed.ts';
import type { IamRequest } from './calls.ts';
import { expectAllAllowed, expectDenied } from './simulate.ts';

let deployed: Deployed;
beforeAll(async () => {
  deployed = await deployedStore();
});

const OTHER_ACCOUNT = '210987654321';
const regional = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const req = (action: string, resource: string, because: string, context?: Record<string, string>) =>
  ({ action, resource, because, ...(context ? { context } : {}) }) as IamRequest;

/** The service may assume the role, from this account only. */
async function expectTrust(roleId: string, service: string): Promise<void> {
  const trust = deployed.resources[roleId]!.Properties!.AssumeRolePolicyDocument as never;
  const roleArn = deployed.getAtt(roleId, 'Arn');
  const assume = req('sts:AssumeRole', roleArn, `${service} assumes the role`);
  const asService = (account: string) => ({
    service,
    context: { 'aws:SourceAccount': account },
  });
  // The trust policy is the role's resource policy for sts:AssumeRole.
  await expectAllAllowed(deployed, asService(ACCOUNT), [assume], trust);
  await expectDenied(deployed, asService(OTHER_ACCOUNT), assume, trust);
}

function s3Requests(bucket: string, prefix: string, because: string): IamRequest[] {
  const key = deployed.keyOf(`arn:aws:s3:::${bucket}`)!;
  return [
    req('s3:PutObject', `arn:aws:s3:::${bucket}/${prefix}data/00000-0-x.parquet`, because),
    req('s3:GetObject', `arn:aws:s3:::${bucket}/${prefix}metadata/00001-x.metadata.json`, because),
    req('s3:AbortMultipartUpload', `arn:aws:s3:::${bucket}/${prefix}data/big.parquet`, because),
    req('s3:GetBucketLocation', `arn:aws:s3:::${bucket}`, because),
    req('s3:ListBucketMultipartUploads', `arn:aws:s3:::${bucket}`, because),
    req('kms:GenerateDataKey', key, `${because} (SSE-KMS)`),
    req('kms:Decrypt', key, `${because} (SSE-KMS)`),
  ];
}

describe('Firehose', () => {
  it('may write each Iceberg table (every view, the inference log), as AWS documents for the Iceberg destination', async () => {
    const streams = deployed
      .ofType('AWS::KinesisFirehose::DeliveryStream')
      .filter(([, p]) => p.IcebergDestinationConfiguration);
    for (const [, p] of streams) {
      const config = p.IcebergDestinationConfiguration as {
        RoleARN: string;
        DestinationTableConfigurationList: {
          DestinationDatabaseName: string;
          DestinationTableName: string;
          S3ErrorOutputPrefix: string;
        }[];
        CloudWatchLoggingOptions: { LogGroupName: string; LogStreamName: string };
      };
      const roleId = deployed.roleIdOfArn(config.RoleARN);
      await expectTrust(roleId, 'firehose.amazonaws.com');
      const { DestinationDatabaseName: db, DestinationTableName: table } =
        config.DestinationTableConfigurationList[0]!;
      const bucket = deployed.storeBucket();
      const location = table === INFERENCE_LOG_TABLE ? 'inference-log/' : `offline/${table}/`;
      const glue = [regional('glue', 'catalog'), regional('glue', `database/${db}`)];
      const tableArn = regional('glue', `table/${db}/${table}`);
      const role = { roleId };
      await expectAllAllowed(deployed, role, [
        ...glue.map((r) => req('glue:GetDatabase', r, 'resolve the destination')),
        ...[...glue, tableArn].flatMap((r) => [
          req('glue:GetTable', r, 'read the table metadata'),
          req('glue:UpdateTable', r, 'commit a snapshot'),
        ]),
        ...s3Requests(bucket, location, 'append'),
        // AWS documents s3:ListBucket on the bucket, with no prefix condition.
        req('s3:ListBucket', `arn:aws:s3:::${bucket}`, 'list the destination bucket'),
        req('s3:ListBucket', `arn:aws:s3:::${bucket}`, 'list the table', { 's3:prefix': location }),
        req(
          's3:PutObject',
          `arn:aws:s3:::${bucket}/${config.DestinationTableConfigurationList[0]!.S3ErrorOutputPrefix}x`,
          'failed records',
        ),
        req(
          'logs:PutLogEvents',
          regional(
            'logs',
            `log-group:${config.CloudWatchLoggingOptions.LogGroupName}:log-stream:${config.CloudWatchLoggingOptions.LogStreamName}`,
          ),
          'delivery errors',
        ),
      ]);
      // No stream writes another table's files: a view's role not the log, the log's no view.
      const other =
        table === INFERENCE_LOG_TABLE ? 'offline/airport_departures_v1/x' : 'inference-log/x';
      await expectDenied(
        deployed,
        role,
        req('s3:PutObject', `arn:aws:s3:::${bucket}/${other}`, 'another table'),
      );
      await expectDenied(
        deployed,
        role,
        req('glue:UpdateTable', regional('glue', `table/${db}/not_${table}`), 'another table'),
      );
    }
  });

  it('includes the inference log among the Iceberg destinations', () => {
    const tables = deployed.ofType('AWS::KinesisFirehose::DeliveryStream').map(
      ([, p]) =>
        (
          p.IcebergDestinationConfiguration as {
            DestinationTableConfigurationList: { DestinationTableName: string }[];
          }
        ).DestinationTableConfigurationList[0]!.DestinationTableName,
    );
    expect(tables).toContain(INFERENCE_LOG_TABLE);
  });
});

describe('CloudWatch alarms', () => {
  it('may publish to the encrypted alert topic for this account only', async () => {
    const [topicId] = deployed.ofType('AWS::SNS::Topic')[0]!;
    const topic = deployed.ref(topicId);
    const key = deployed.keyOf(topic)!;
    const alarms = deployed.ofType('AWS::CloudWatch::Alarm').map(([, p]) => String(p.AlarmName));
    for (const alarm of alarms) {
      const asAlarm = (account: string, name = alarm) => ({
        service: 'cloudwatch.amazonaws.com',
        context: {
          'aws:SourceAccount': account,
          'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`,
        },
      });
      const publish = [
        req('sns:Publish', topic, `alarm ${alarm}`),
        req('kms:GenerateDataKey', key, `alarm ${alarm} (encrypted topic)`),
        req('kms:Decrypt', key, `alarm ${alarm} (encrypted topic)`),
      ];
      await expectAllAllowed(deployed, asAlarm(ACCOUNT), publish);
      for (const r of publish) {
        await expectDenied(deployed, asAlarm(OTHER_ACCOUNT), r);
      }
    }
    await expectDenied(
      deployed,
      {
        service: 'cloudwatch.amazonaws.com',
        context: {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': regional('cloudwatch', 'alarm:someone-elses-alarm'),
        },
      },
      req('sns:Publish', topic, "an alarm that is not the store's"),
    );
  });
});

describe('Glue table optimizers', () => {
  it('may maintain every view table and the inference log, and nothing else', async () => {
    const optimizers = deployed.ofType('AWS::Glue::TableOptimizer');
    const roleArn = (optimizers[0]![1].TableOptimizerConfiguration as { RoleArn: string }).RoleArn;
    const roleId = deployed.roleIdOfArn(roleArn);
    await expectTrust(roleId, 'glue.amazonaws.com');
    const bucket = deployed.storeBucket();
    const role = { roleId };
    for (const [, p] of optimizers) {
      const table = String(p.TableName);
      const db = String(p.DatabaseName);
      const location = table === INFERENCE_LOG_TABLE ? 'inference-log/' : `offline/${table}/`;
      await expectAllAllowed(deployed, role, [
        ...[
          regional('glue', 'catalog'),
          regional('glue', `database/${db}`),
          regional('glue', `table/${db}/${table}`),
        ].flatMap((r) => [
          req('glue:GetTable', r, String(p.Type)),
          req('glue:UpdateTable', r, String(p.Type)),
        ]),
        ...s3Requests(bucket, location, String(p.Type)),
        req(
          's3:DeleteObject',
          `arn:aws:s3:::${bucket}/${location}data/old.parquet`,
          String(p.Type),
        ),
        req('s3:ListBucket', `arn:aws:s3:::${bucket}`, String(p.Type)),
        req(
          'logs:PutLogEvents',
          regional('logs', 'log-group:/aws-glue/iceberg-compaction/logs:log-stream:run-1'),
          'optimizer logs',
        ),
      ]);
    }
    await expectDenied(
      deployed,
      role,
      req('s3:DeleteObject', `arn:aws:s3:::${bucket}/exports/e1/data/x`, 'a training export'),
    );
  });
});

describe('the Lambdas are denied what their handlers never do', () => {
  it('keeps each query role to its own prefixes, workgroup and topic', async () => {
    const bucket = deployed.storeBucket();
    for (const handler of ['export', 'skew-check'] as const) {
      const role = { roleId: deployed.function(handler).roleId };
      await expectDenied(
        deployed,
        role,
        req(
          's3:PutObject',
          `arn:aws:s3:::${bucket}/offline/airport_departures_v1/x`,
          'the offline tables',
        ),
      );
      await expectDenied(
        deployed,
        role,
        req('s3:ListBucket', `arn:aws:s3:::${bucket}`, 'the whole bucket', { 's3:prefix': '' }),
      );
      await expectDenied(
        deployed,
        role,
        req(
          'athena:StartQueryExecution',
          regional('athena', 'workgroup/primary'),
          'another workgroup',
        ),
      );
      await expectDenied(
        deployed,
        role,
        req(
          'glue:DeleteTable',
          regional('glue', 'table/skewless_offline/airport_departures_v1'),
          'an offline table',
        ),
      );
    }
    await expectDenied(
      deployed,
      { roleId: deployed.function('export').roleId },
      req(
        's3:GetObject',
        `arn:aws:s3:::${bucket}/inference-log/dt=2001-01-01/x`,
        'the inference log',
      ),
    );
    await expectDenied(
      deployed,
      { roleId: deployed.function('skew-check').roleId },
      req('sns:Publish', regional('sns', 'another-topic'), 'another topic'),
    );
    // The bucket policy takes part: a read the role may make over TLS is denied without it.
    await expectAllAllowed(deployed, { roleId: deployed.function('skew-check').roleId }, [
      req('s3:GetObject', `arn:aws:s3:::${bucket}/baselines/x.baseline.json`, 'TLS'),
    ]);
    await expectDenied(
      deployed,
      { roleId: deployed.function('skew-check').roleId },
      req('s3:GetObject', `arn:aws:s3:::${bucket}/baselines/x.baseline.json`, 'no TLS', {
        'aws:SecureTransport': 'false',
      }),
    );
  });
});
