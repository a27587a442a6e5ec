/**
 * How the synthesized flights store runs and is watched: its Lambdas' runtime, settings and
 * roles, the alarms and dashboard, and the secure defaults. Its resources:
 * `feature-store.test.ts`. One synthesis (bundling skipped) is shared by every assertion.
 */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { RemovalPolicy } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ENV } from '../../lib/config.ts';
import { FRESHNESS_METRIC, viewMetricDimension } from '../../lib/cdk/metrics.ts';
import { streamsOf } from '../../lib/registry/query.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, functionNamed, synthStore } from './synth.ts';

let registry: Registry;
let template: Template;

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry));
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
      // onlineTable: the heal of the aggregation views' tiles (`lib/heal`).
      [
        'prefix',
        'registryHash',
        'bucket',
        'athenaWorkgroup',
        'glueDatabase',
        'alertTopicArn',
        'onlineTable',
      ],
    ],
  ] as const)('gives the %s Lambda only the HANDLER_ENV settings it needs', (handler, keys) => {
    const env = (functionNamed(template, handler).Properties.Environment as { Variables: object })
      .Variables;
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
      expect(functionNamed(template, name).Properties.Architectures).toEqual(['x86_64']);
    for (const name of ['ingest', 'lookup']) {
      expect(functionNamed(template, name).Properties.Architectures).toEqual(['arm64']);
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
