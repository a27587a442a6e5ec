/**
 * What would fail, or leave the store unhealthy, on the first real `cdk deploy`: each test here
 * states an AWS rule (a quota, a rollback behaviour, a service principal's access, a documented
 * permission) and checks the synthesized template against it.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_LOG_TABLE } from '../../lib/core/naming.ts';
import { offlineTableName } from '../../lib/core/columns.ts';
import { ICEBERG_MAINTENANCE_DEFAULTS } from '../../lib/cdk/feature-store-defaults.ts';
import { TABLE_OPTIMIZERS } from '../../lib/cdk/iceberg-maintenance.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore } from './synth.ts';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: { Service?: string };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

let registry: Registry;
let template: Template;
const resources = () => template.toJSON().Resources as Record<string, CfnResource>;
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
});

/** Properties that give a resource a fixed physical name (CloudFormation cannot rename it). */
const NAME_PROPERTIES = [
  'TableName',
  'StreamName',
  'QueueName',
  'FunctionName',
  'LogGroupName',
  'AliasName',
  'TopicName',
  'DeliveryStreamName',
  'Name',
  'DatabaseInput',
  'TableInput',
  'BucketName',
];

describe('a failed first deploy', () => {
  it('leaves no retained resource with a fixed name behind to block the next deploy', () => {
    const named = Object.entries(resources()).filter(([, r]) =>
      NAME_PROPERTIES.some((p) => r.Properties?.[p] !== undefined),
    );
    expect(named.length).toBeGreaterThan(10);
    // `Retain` survives the rollback of a failed create; `RetainExceptOnCreate` does not.
    const blocking = named.filter(([, r]) => r.DeletionPolicy === 'Retain').map(([id]) => id);
    expect(blocking).toEqual([]);
  });

  it('reserves no Lambda concurrency unless asked (new accounts have a quota of 10)', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
    const { template: opted } = synthStore(registry, { store: { exportReservedConcurrency: 3 } });
    opted.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'skewless-export',
      ReservedConcurrentExecutions: 3,
    });
  });
});

describe('removalPolicy', () => {
  const CATALOG_AND_DELIVERY = [
    'AWS::Glue::Database',
    'AWS::Glue::Table',
    'AWS::Athena::WorkGroup',
    'AWS::KinesisFirehose::DeliveryStream',
  ];

  it('retains the Glue database and tables, the workgroup and the Firehoses by default', () => {
    for (const type of CATALOG_AND_DELIVERY) {
      const found = Object.values(resources()).filter((r) => r.Type === type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const r of found) expect(r.DeletionPolicy, type).toBe('RetainExceptOnCreate');
    }
  });

  it('deletes them with the stack when the store is DESTROY', () => {
    const { template: destroyed } = synthStore(registry, {
      store: { removalPolicy: RemovalPolicy.DESTROY },
    });
    const all = Object.values(destroyed.toJSON().Resources as Record<string, CfnResource>);
    for (const type of CATALOG_AND_DELIVERY) {
      for (const r of all.filter((x) => x.Type === type))
        expect(r.DeletionPolicy, type).toBe('Delete');
    }
  });
});

describe('alerts reach SNS', () => {
  const topicStatements = (): Statement[] =>
    Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
          .PolicyDocument.Statement,
    );

  it('lets CloudWatch alarms of this account publish to the topic', () => {
    const allow = topicStatements().filter(
      (s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(allow).toHaveLength(1);
    expect(actions(allow[0]!)).toEqual(['sns:Publish']);
    expect(allow[0]!.Condition?.StringEquals).toHaveProperty('aws:SourceAccount');
    expect(JSON.stringify(allow[0]!.Condition?.ArnLike?.['aws:SourceArn'])).toContain(
      ':alarm:skewless-*',
    );
  });

  it('lets CloudWatch use the topic key only for this account', () => {
    const key = Object.values(
      template.findResources('AWS::KMS::Key', {
        Properties: { Description: 'skewless alert topic' },
      }),
    )[0] as { Properties: { KeyPolicy: { Statement: Statement[] } } };
    const cw = key.Properties.KeyPolicy.Statement.filter(
      (s) => s.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cw).toHaveLength(1);
    expect(cw[0]!.Condition?.StringEquals).toHaveProperty('aws:SourceAccount');
  });

  it('subscribes the emails and HTTPS endpoints it is given, and none by default', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { template: subscribed } = synthStore(registry, {
      store: {
        alertSubscriptions: {
          emails: ['oncall@example.com'],
          httpsUrls: ['https://hooks.example.com/sns'],
        },
      },
    });
    subscribed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    subscribed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/sns',
    });
  });
});

describe('the nightly skew check', () => {
  it('is not retried by Lambda (one Athena run per night) and has /tmp for DuckDB', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: Match.anyValue(),
      MaximumRetryAttempts: 0,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'skewless-skew-check',
      EphemeralStorage: { Size: 10240 },
    });
  });
});

describe('the export Lambda', () => {
  it('has the memory and /tmp to finish a training set in DuckDB', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'skewless-export',
      MemorySize: 2048,
      EphemeralStorage: { Size: 10240 },
      Architectures: ['x86_64'],
    });
  });
});

describe('Firehose Iceberg destinations', () => {
  it('may list the store bucket, as AWS documents for the Iceberg destination role', () => {
    for (const view of registry.featureViews) {
      const table = offlineTableName(view);
      const stream = Object.values(resources()).find(
        (r) =>
          r.Type === 'AWS::KinesisFirehose::DeliveryStream' &&
          (
            r.Properties?.IcebergDestinationConfiguration as
              { DestinationTableConfigurationList: { DestinationTableName: string }[] } | undefined
          )?.DestinationTableConfigurationList[0]?.DestinationTableName === table,
      )!;
      const roleId = (
        stream.Properties!.IcebergDestinationConfiguration as {
          RoleARN: { 'Fn::GetAtt': string[] };
        }
      ).RoleARN['Fn::GetAtt'][0]!;
      const listing = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) =>
          (p as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.some(
            (r) => r.Ref === roleId,
          ),
        )
        .flatMap(
          (p) =>
            (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
              .PolicyDocument.Statement,
        )
        .filter((s) => actions(s).includes('s3:ListBucket'));
      expect(
        listing.some((s) => s.Condition === undefined),
        table,
      ).toBe(true);
    }
  });
});

describe('Iceberg maintenance', () => {
  it('compacts, expires snapshots and deletes orphan files of every view table and the inference log', () => {
    const optimizers = Object.values(resources()).filter(
      (r) => r.Type === 'AWS::Glue::TableOptimizer',
    );
    const tables = [...registry.featureViews.map(offlineTableName), INFERENCE_LOG_TABLE];
    expect(optimizers).toHaveLength(tables.length * 3);
    for (const table of tables) {
      const types = optimizers
        .filter((o) => o.Properties?.TableName === table)
        .map((o) => o.Properties?.Type)
        .sort();
      expect(types, table).toEqual(Object.keys(TABLE_OPTIMIZERS).sort());
    }
    template.hasResourceProperties('AWS::Glue::TableOptimizer', {
      Type: 'retention',
      TableOptimizerConfiguration: {
        Enabled: true,
        RetentionConfiguration: {
          IcebergConfiguration: {
            SnapshotRetentionPeriodInDays: ICEBERG_MAINTENANCE_DEFAULTS.snapshotRetentionDays,
            CleanExpiredFiles: true,
          },
        },
      },
    });
    template.hasResourceProperties('AWS::Glue::TableOptimizer', {
      Type: 'orphan_file_deletion',
      TableOptimizerConfiguration: {
        OrphanFileDeletionConfiguration: {
          IcebergConfiguration: {
            OrphanFileRetentionPeriodInDays: ICEBERG_MAINTENANCE_DEFAULTS.orphanFileRetentionDays,
          },
        },
      },
    });
  });

  it('runs them as a role Glue assumes, limited to the offline tables', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'glue.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ],
      },
    });
  });
});
