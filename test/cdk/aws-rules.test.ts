/**
 * The synthesized app against AWS's own rules (`lib/aws-rules/`): what a failed first deploy's
 * rollback can delete, what a Glue table update touches, the names AWS accepts, the ingest
 * concurrency a new account allows and how far Iceberg metadata grows.
 */
import { readFileSync } from 'node:fs';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOUDFORMATION } from '../../lib/aws-rules/cloudformation.ts';
import { DYNAMODB } from '../../lib/aws-rules/dynamodb.ts';
import { FIREHOSE } from '../../lib/aws-rules/firehose.ts';
import { GLUE } from '../../lib/aws-rules/glue.ts';
import { KINESIS } from '../../lib/aws-rules/kinesis.ts';
import { LAMBDA } from '../../lib/aws-rules/lambda.ts';
import { NAME_RULES, nameProblems } from '../../lib/aws-rules/names.ts';
import { SQS } from '../../lib/aws-rules/sqs.ts';
import {
  ICEBERG_MAINTENANCE_DEFAULTS,
  OFFLINE_DEFAULTS,
} from '../../lib/cdk/feature-store-defaults.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore } from './synth.ts';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

let registry: Registry;
let template: Template;
const resourcesOf = (t: Template) => t.toJSON().Resources as Record<string, CfnResource>;
const ofType = (t: Template, type: string) =>
  Object.entries(resourcesOf(t)).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
});

describe('the AWS rules module', () => {
  it('gives every rule the AWS (or Iceberg spec) page it comes from', () => {
    const modules = { CLOUDFORMATION, DYNAMODB, FIREHOSE, GLUE, KINESIS, LAMBDA, SQS, NAME_RULES };
    for (const [name, rules] of Object.entries(modules)) {
      for (const [key, rule] of Object.entries(rules)) {
        expect(rule.source, `${name}.${key}`).toMatch(
          /^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com|iceberg\.apache\.org)\//,
        );
      }
    }
  });
});

describe('a failed first deploy', () => {
  /**
   * Under Delete or RetainExceptOnCreate the rollback of the deploy that created a resource
   * deletes it (`CLOUDFORMATION.retainExceptOnCreate`); only Retain leaves it.
   */
  const deletedOnRollback = (r: CfnResource) => r.DeletionPolicy !== 'Retain';

  /** Buckets something writes into during the first deploy: Iceberg locations, access logs. */
  function bucketsWrittenDuringDeploy(t: Template): Set<string> {
    const written = new Set<string>();
    const all = JSON.stringify(
      ofType(t, 'AWS::Glue::Table').map(([, r]) => r.Properties?.OpenTableFormatInput),
    );
    for (const [id, r] of ofType(t, 'AWS::S3::Bucket')) {
      if (all.includes(`"${id}"`)) written.add(id);
      const logs = (r.Properties?.LoggingConfiguration as { DestinationBucketName?: unknown })
        ?.DestinationBucketName;
      const target = (logs as { Ref?: string } | undefined)?.Ref;
      if (target) written.add(target);
    }
    return written;
  }

  /** What would make the rollback fail: deletes AWS refuses right after creation. */
  function rollbackBlockers(t: Template): string[] {
    const blockers: string[] = [];
    for (const [id, r] of Object.entries(resourcesOf(t))) {
      if (!deletedOnRollback(r)) continue;
      // DeleteTable fails under deletion protection (`CLOUDFORMATION.dynamoDeletionProtectionBlocksDelete`).
      if (r.Type === 'AWS::DynamoDB::Table' && r.Properties?.DeletionProtectionEnabled === true)
        blockers.push(`${id}: deletion protection`);
    }
    // S3 deletes only empty buckets (`CLOUDFORMATION.s3DeleteNeedsEmptyBucket`).
    for (const id of bucketsWrittenDuringDeploy(t)) {
      if (deletedOnRollback(resourcesOf(t)[id]!)) blockers.push(`${id}: bucket not empty`);
    }
    return blockers;
  }

  it('rolls back cleanly: nothing it deletes is protected or holds objects', () => {
    expect(bucketsWrittenDuringDeploy(template).size).toBe(2);
    expect(rollbackBlockers(template)).toEqual([]);
  });

  it('leaves only what the deploy guide says: the two buckets, under generated names', () => {
    const left = Object.values(resourcesOf(template)).filter((r) => !deletedOnRollback(r));
    expect(left.map((r) => r.Type)).toEqual(['AWS::S3::Bucket', 'AWS::S3::Bucket']);
    for (const r of left) expect(r.Properties?.BucketName).toBeUndefined();
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('A failed first deploy leaves only the two buckets');
  });

  it('keeps deletion protection where nothing is deleted on rollback (plain RETAIN)', async () => {
    const { RemovalPolicy } = await import('aws-cdk-lib');
    const { template: retained } = synthStore(registry, {
      store: { removalPolicy: RemovalPolicy.RETAIN },
    });
    retained.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    expect(rollbackBlockers(retained)).toEqual([]);
  });
});

describe('Glue Iceberg tables', () => {
  it('are declared by Name and OpenTableFormatInput only, never a TableInput', () => {
    const { forbidden, name, iceberg } = CLOUDFORMATION.glueIcebergTableShape.value;
    const tables = ofType(template, 'AWS::Glue::Table');
    expect(tables.length).toBeGreaterThanOrEqual(registry.featureViews.length);
    for (const [id, t] of tables) {
      expect(Object.keys(t.Properties ?? {}), id).not.toContain(forbidden);
      expect(t.Properties?.[name], id).toEqual(expect.any(String));
      expect(t.Properties?.[iceberg], id).toBeDefined();
    }
  });

  it('spell every column type as an Iceberg primitive type name, as CloudFormation takes it', () => {
    for (const [id, t] of ofType(template, 'AWS::Glue::Table')) {
      const fields = (
        t.Properties?.OpenTableFormatInput as {
          IcebergInput: { IcebergTableInput: { Schema: { Fields: { Type: unknown }[] } } };
        }
      ).IcebergInput.IcebergTableInput.Schema.Fields;
      for (const f of fields) expect(GLUE.icebergPrimitiveTypes.value, id).toContain(f.Type);
    }
  });

  it('do not change when a view’s description, owner or tags change (a non-breaking plan)', () => {
    const edited: Registry = {
      ...registry,
      featureViews: registry.featureViews.map((v) => ({
        ...v,
        description: `${v.description} (edited)`,
        owner: 'someone-else@example.com',
        tags: { ...v.tags, edited: 'yes' },
      })),
    };
    const { template: after } = synthStore(edited);
    const props = (t: Template) =>
      Object.fromEntries(ofType(t, 'AWS::Glue::Table').map(([id, r]) => [id, r.Properties]));
    expect(props(after)).toEqual(props(template));
  });

  it('delete old metadata files at commit, keeping an hour of them', () => {
    const { deleteAfterCommit, previousVersionsMax } = GLUE.metadataCleanupProperties.value;
    const perHour = 3600 / OFFLINE_DEFAULTS.firehoseBufferInterval.toSeconds();
    for (const [id, t] of ofType(template, 'AWS::Glue::Table')) {
      const properties = (
        t.Properties?.OpenTableFormatInput as {
          IcebergInput: { IcebergTableInput: { Properties: Record<string, string> } };
        }
      ).IcebergInput.IcebergTableInput.Properties;
      expect(properties[deleteAfterCommit], id).toBe('true');
      expect(Number(properties[previousVersionsMax]), id).toBe(perHour);
    }
  });

  it('list at most two days of snapshots per metadata file, and deleted files go within a day', () => {
    // The retention optimizer runs daily by default (`GLUE.retentionOptimizer`), so a table
    // holds its retention period plus up to a day of commits.
    const commitsPerDay = 86_400 / OFFLINE_DEFAULTS.firehoseBufferInterval.toSeconds();
    const worstSnapshots = (ICEBERG_MAINTENANCE_DEFAULTS.snapshotRetentionDays + 1) * commitsPerDay;
    expect(worstSnapshots).toBeLessThanOrEqual(2 * commitsPerDay);
    template.hasResourceProperties('AWS::Glue::TableOptimizer', {
      Type: 'retention',
      TableOptimizerConfiguration: Match.objectLike({
        RetentionConfiguration: {
          IcebergConfiguration: Match.objectLike({
            SnapshotRetentionPeriodInDays: ICEBERG_MAINTENANCE_DEFAULTS.snapshotRetentionDays,
          }),
        },
      }),
    });
    // Noncurrent versions under the tables' prefix expire no later than the snapshots do.
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'offline/',
            NoncurrentVersionExpiration: {
              NoncurrentDays: Math.min(1, ICEBERG_MAINTENANCE_DEFAULTS.snapshotRetentionDays),
            },
          }),
        ]),
      },
    });
  });
});

describe('physical names', () => {
  it('fit AWS’s length and character rules for every named resource', () => {
    let checked = 0;
    for (const [type, rule] of Object.entries(NAME_RULES)) {
      for (const [id, r] of ofType(template, type)) {
        let name: unknown = r.Properties;
        for (const key of rule.value.property)
          name = (name as Record<string, unknown> | undefined)?.[key];
        if (typeof name !== 'string') continue; // generated by CloudFormation, or a token
        checked++;
        expect(nameProblems(type, name), id).toEqual([]);
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('still fit with the longest prefix the construct accepts', () => {
    const { template: long } = synthStore(registry, { prefix: 'a'.repeat(24) });
    for (const [type] of Object.entries(NAME_RULES)) {
      for (const [id, r] of ofType(long, type)) {
        const name = NAME_RULES[type]!.value.property.reduce<unknown>(
          (x, key) => (x as Record<string, unknown> | undefined)?.[key],
          r.Properties,
        );
        if (typeof name === 'string') expect(nameProblems(type, name), id).toEqual([]);
      }
    }
  });
});

describe('ingest concurrency', () => {
  /** Concurrent ingest invocations at deploy: per stream, its shards × parallelization factor. */
  function ingestConcurrencyOf(t: Template): number {
    const mappings = ofType(t, 'AWS::Lambda::EventSourceMapping');
    return mappings.reduce((sum, [, m]) => {
      const arn = JSON.stringify(m.Properties?.EventSourceArn);
      const [, stream] = ofType(t, 'AWS::Kinesis::Stream').find(([id]) => arn.includes(id))!;
      const mode = (stream.Properties?.StreamModeDetails as { StreamMode: string }).StreamMode;
      const shards =
        mode === 'ON_DEMAND'
          ? KINESIS.onDemandInitialShards.value
          : (stream.Properties?.ShardCount as number);
      return sum + shards * ((m.Properties?.ParallelizationFactor as number | undefined) ?? 1);
    }, 0);
  }

  it('leaves most of a new account’s Lambda concurrency to lookups, exports and the skew check', () => {
    expect(ofType(template, 'AWS::Lambda::EventSourceMapping').length).toBe(3);
    expect(ingestConcurrencyOf(template)).toBeLessThanOrEqual(
      LAMBDA.newAccountConcurrency.value / 2,
    );
  });

  it('warns when on-demand streams start above the quota', () => {
    const { template: onDemand, built } = synthStore(registry, {
      store: { ingestStreamShards: 'on-demand' },
    });
    expect(ingestConcurrencyOf(onDemand)).toBe(12);
    Annotations.fromStack(built.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('12 concurrent ingest invocations'),
    );
  });
});

describe('the README’s cost model', () => {
  /** The counts the README prices, read from its "What it costs" section. */
  function readmeCounts() {
    const readme = readFileSync('README.md', 'utf8');
    const costs = readme.slice(
      readme.indexOf('### What it costs'),
      readme.indexOf('## Benchmarks'),
    );
    const number = (pattern: RegExp) => Number(pattern.exec(costs)?.[1] ?? NaN);
    return {
      views: number(/the flights example \((\d+) views on \d+ source streams/),
      streams: number(/the flights example \(\d+ views on (\d+) source streams/),
      alarms: number(/\| (\d+) alarms\s*\|/),
      optimizers: number(/\| Glue table optimizers[^|]*\| (\d+)\s*\|/),
      keys: number(/\| KMS keys[^|]*\| (\d+)\s*\|/),
    };
  }

  it('counts what the synthesized app creates: views, streams, alarms, optimizers, keys', () => {
    expect(readmeCounts()).toEqual({
      views: registry.featureViews.length,
      streams: ofType(template, 'AWS::Kinesis::Stream').length,
      alarms: ofType(template, 'AWS::CloudWatch::Alarm').length,
      optimizers: ofType(template, 'AWS::Glue::TableOptimizer').length,
      keys: ofType(template, 'AWS::KMS::Key').length,
    });
  });
});
