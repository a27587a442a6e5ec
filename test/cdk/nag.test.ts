/**
 * cdk-nag's AwsSolutionsChecks and CDK's CloudFormation validation run as validation plugins
 * during synthesis; an unacknowledged error fails it. The store must pass with zero findings,
 * and a deliberately non-compliant resource must fail (so the check is known to be live).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { flightsRegistry, testApp } from './synth.ts';

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
}

describe('validation plugins', () => {
  it('pass the flights store with no unacknowledged finding, errors or warnings', async () => {
    const registry = await flightsRegistry();
    const app = testApp({}, true);
    buildSkewlessApp({ app, registry });
    const assembly = app.synth();
    const report = JSON.parse(
      readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as Report;
    const findings = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => `${r.pluginName}: ${v.severity} ${v.ruleName}`),
    );
    expect(findings).toEqual([]);
  });

  it('fail synthesis on an unacknowledged finding', () => {
    const app = testApp({}, true);
    new sqs.Queue(new Stack(app, 'NonCompliant'), 'Queue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('fail synthesis on a template CloudFormation rejects', () => {
    const app = testApp({}, true);
    const queue = new sqs.CfnQueue(new Stack(app, 'Invalid'), 'Queue');
    queue.addPropertyOverride('MessageRetentionPeriod', 'a week');
    expect(() => app.synth()).toThrow(/CloudFormation Validate/);
  });
});
