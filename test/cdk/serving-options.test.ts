/**
 * Serving's options on the synthesized store: `grantDirectLookup` (what `skewless/lookup` in a
 * service's own process needs, and no more) and the lookup Lambda's provisioned concurrency
 * (off by default; when set, a `live` alias with warm environments that API Gateway invokes).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore, testApp } from './synth.ts';

let registry: Registry;

beforeAll(async () => {
  registry = await flightsRegistry();
});

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

describe('FeatureStore.grantDirectLookup', () => {
  it('grants BatchGetItem on the online table, Decrypt with its key and PutRecordBatch on the inference log: nothing else', () => {
    const { stack, store } = buildSkewlessApp({ registry, app: testApp(), nag: false });
    const role = new iam.Role(stack, 'ModelService', { assumedBy: new iam.AccountRootPrincipal() });
    store.grantDirectLookup(role);
    const template = Template.fromStack(stack);
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: roleId }] },
      }),
    ).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const byAction = Object.fromEntries(
      statements.flatMap((s) => [s.Action].flat().map((a) => [a, JSON.stringify(s.Resource)])),
    );
    expect(Object.keys(byAction).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'firehose:PutRecordBatch',
      'kms:Decrypt',
    ]);
    expect(byAction['dynamodb:BatchGetItem']).toMatch(/OnlineTable[A-Za-z0-9]*","Arn"/);
    expect(byAction['kms:Decrypt']).toMatch(/DataKey[A-Za-z0-9]*","Arn"/);
    expect(byAction['firehose:PutRecordBatch']).toMatch(/InferenceLogDelivery[A-Za-z0-9]*","Arn"/);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });
});

describe('lookupProvisionedConcurrency', () => {
  it('is off by default: no alias, no provisioned environments, the API invokes the function', () => {
    const { template } = synthStore(registry);
    template.resourceCountIs('AWS::Lambda::Alias', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('ServingLookupFunction'), 'Arn'] },
    });
  });

  it('when set, keeps that many environments warm on a live alias that the API invokes', () => {
    const { template } = synthStore(registry, { store: { lookupProvisionedConcurrency: 2 } });
    template.resourceCountIs('AWS::Lambda::Alias', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    const [aliasId] = Object.keys(template.findResources('AWS::Lambda::Alias'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { Ref: aliasId },
    });
    // API Gateway may invoke the alias it calls.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: aliasId },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('refuses a count that is not a positive integer, or above the reserved concurrency', () => {
    for (const count of [0, -1, 1.5]) {
      expect(() =>
        synthStore(registry, { store: { lookupProvisionedConcurrency: count } }),
      ).toThrow(/lookupProvisionedConcurrency must be a positive integer/);
    }
    expect(() =>
      synthStore(registry, {
        store: { lookupProvisionedConcurrency: 5, lookupReservedConcurrency: 4 },
      }),
    ).toThrow(/exceeds lookupReservedConcurrency/);
  });
});
