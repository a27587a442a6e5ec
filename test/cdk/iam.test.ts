/**
 * Each role may touch only its own resources: the exact action set per role, the resources
 * each data action reaches, and no wildcard action anywhere.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineTableName } from '../../lib/core/columns.ts';
import { baselineKey, BUCKET_PREFIXES } from '../../lib/core/naming.ts';
import { exportPrefixes } from '../../lib/export/athena-aws.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore } from './synth.ts';

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let registry: Registry;
let template: Template;

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
});

function logicalIdOf(type: string, props: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function roleOfFunction(handler: string): string {
  const fnId = logicalIdOf('AWS::Lambda::Function', { FunctionName: `skewless-${handler}` });
  const fn = template.toJSON().Resources[fnId] as {
    Properties: { Role: { 'Fn::GetAtt': string[] } };
  };
  return fn.Properties.Role['Fn::GetAtt'][0]!;
}

function statementsOfRole(roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): string[] =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));

function actionSet(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap(actionsOf))].sort();
}

/** Every resource (rendered) that an action reaches in these statements. */
function resourcesFor(statements: Statement[], action: string): string[] {
  return statements.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf);
}

describe('IAM: every role', () => {
  it('uses no wildcard action and no "*" resource', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: Statement[] } };
    }[];
    expect(policies.length).toBeGreaterThan(0);
    for (const statement of policies.flatMap((p) => p.Properties.PolicyDocument.Statement)) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      expect(resourcesOf(statement)).not.toContain('"*"');
    }
  });
});

describe('IAM: ingest Lambda', () => {
  it('reads its streams, puts items, feeds its Firehoses and dead-letters, nothing else', () => {
    const statements = statementsOfRole(roleOfFunction('ingest'));
    expect(actionSet(statements)).toEqual(
      [
        // BatchGetItem: each batch's read of its keys' tombstones (lib/ingest/forgotten.ts).
        'dynamodb:BatchGetItem',
        // GetItem: the read of an aggregation view's tile item before its conditional put.
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'firehose:PutRecordBatch',
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(resourcesFor(statements, 'dynamodb:PutItem')).toEqual([
      expect.stringMatching(/OnlineTable.*Arn/),
    ]);
    expect(resourcesFor(statements, 'dynamodb:GetItem')).toEqual([
      expect.stringMatching(/OnlineTable.*Arn/),
    ]);
    expect(resourcesFor(statements, 'dynamodb:BatchGetItem')).toEqual([
      expect.stringMatching(/OnlineTable.*Arn/),
    ]);
    const firehoses = resourcesFor(statements, 'firehose:PutRecordBatch');
    expect(firehoses).toHaveLength(registry.featureViews.length);
    for (const f of firehoses) expect(f).toMatch(/IngestionDelivery/);
    expect(resourcesFor(statements, 'kinesis:GetRecords')).toHaveLength(3);
  });
});

describe('IAM: lookup Lambda', () => {
  it('only reads the table and writes the inference log', () => {
    const statements = statementsOfRole(roleOfFunction('lookup'));
    expect(actionSet(statements)).toEqual([
      'dynamodb:BatchGetItem',
      'firehose:PutRecordBatch',
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(resourcesFor(statements, 'firehose:PutRecordBatch')).toEqual([
      expect.stringMatching(/InferenceLogDelivery/),
    ]);
  });
});

const QUERY_ACTIONS = [
  'athena:GetQueryExecution',
  'athena:StartQueryExecution',
  'glue:BatchGetPartition',
  'glue:CreateTable',
  'glue:DeleteTable',
  'glue:GetDatabase',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:GetTable',
  'glue:GetTables',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:PutObject',
];

function prefixesFor(statements: Statement[], action: string): string[] {
  return resourcesFor(statements, action)
    .map((r) => /"\/([a-z-]+\/)\*"/.exec(r)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}

describe('IAM: export Lambda', () => {
  it('queries in its workgroup, reads the offline tables and spines, writes exports, results and promoted baselines', () => {
    const statements = statementsOfRole(roleOfFunction('export'));
    expect(actionSet(statements)).toEqual(QUERY_ACTIONS.sort());
    expect(resourcesFor(statements, 'athena:StartQueryExecution')).toEqual([
      expect.stringContaining('workgroup/skewless'),
    ]);
    // The prefixes the handler's adapters address: the numbered spine and the UNLOAD target,
    // the training set with its manifest and baseline (`exportPrefixes`), and the promoted
    // baseline (`baselineKey`); it reads back what its UNLOAD wrote.
    const top = (key: string) => `${key.split('/')[0]}/`;
    const run = exportPrefixes('run');
    const writes = [
      run.spine,
      run.data,
      run.training,
      run.manifest,
      run.baseline,
      baselineKey('s'),
    ];
    const written = ['athena-results/', ...new Set(writes.map(top))].sort();
    expect(prefixesFor(statements, 's3:PutObject')).toEqual(written);
    expect(prefixesFor(statements, 's3:GetObject')).toEqual(
      [...new Set([...written, 'offline/'])].sort(),
    );
    const tables = resourcesFor(statements, 'glue:GetTable').join('\n');
    for (const view of registry.featureViews) {
      expect(tables).toContain(`table/skewless_offline/${offlineTableName(view)}`);
    }
    expect(resourcesFor(statements, 'glue:CreateTable').join('\n')).toContain(
      'table/skewless_offline/tmp_*',
    );
  });
});

describe('IAM: skew-check Lambda', () => {
  it('may write and read what its Athena rebuild writes (spines, exports), and publishes alerts', () => {
    const statements = statementsOfRole(roleOfFunction('skew-check'));
    // The heal reads each tile item and puts it back conditionally (the flights views aggregate).
    const heal = ['dynamodb:GetItem', 'dynamodb:PutItem', 'kms:Encrypt'];
    expect(actionSet(statements)).toEqual([...QUERY_ACTIONS, 'sns:Publish', ...heal].sort());
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem'])
      expect(resourcesFor(statements, action)).toEqual([expect.stringMatching(/Online/)]);
    // The prefixes the handler's adapters address (not the grant's own list): the rebuild's
    // spine and UNLOAD target (`exportPrefixes`), reports, logs and baselines.
    const rebuild = exportPrefixes('run');
    const top = (key: string) => `${key.split('/')[0]}/`;
    const writes = [top(rebuild.spine), top(rebuild.data), BUCKET_PREFIXES.skewReports];
    for (const prefix of writes) expect(prefixesFor(statements, 's3:PutObject')).toContain(prefix);
    for (const prefix of [...writes, BUCKET_PREFIXES.inferenceLog, BUCKET_PREFIXES.baselines])
      expect(prefixesFor(statements, 's3:GetObject')).toContain(prefix);
    expect(resourcesFor(statements, 'sns:Publish')).toEqual([expect.stringMatching(/Alerts/)]);
  });
});

describe('IAM: Firehose roles', () => {
  it('let each offline delivery stream write only its own Iceberg table and prefix', () => {
    for (const view of registry.featureViews) {
      const table = offlineTableName(view);
      const streamId = logicalIdOf('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: `skewless-${table.replace(/_/g, '-')}`,
      });
      const stream = template.toJSON().Resources[streamId] as {
        Properties: { IcebergDestinationConfiguration: { RoleARN: { 'Fn::GetAtt': string[] } } };
      };
      const statements = statementsOfRole(
        stream.Properties.IcebergDestinationConfiguration.RoleARN['Fn::GetAtt'][0]!,
      );
      const glueTables = resourcesFor(statements, 'glue:UpdateTable').filter((r) =>
        r.includes(':table/'),
      );
      expect(glueTables).toEqual([expect.stringContaining(`table/skewless_offline/${table}"`)]);
      const objects = resourcesFor(statements, 's3:PutObject').join('\n');
      expect(objects).toContain(`/offline/${table}/*`);
      for (const other of registry.featureViews.filter((v) => v !== view)) {
        expect(objects).not.toContain(offlineTableName(other));
      }
    }
  });
});
