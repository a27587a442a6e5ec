/**
 * The construct's grant methods, as a team uses them (README "Deploy guide"): a producer role
 * given `grantProduce(role, source)` may put records with skewless's producer helper on that
 * source's stream only; a model role given `grantLookup` may call the lookup route; a training
 * role given `grantRunExport` may invoke the export Lambda. Evaluated with the IAM simulator.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { kinesisPutter } from '../../lib/producer/kinesis-aws.ts';
import { putRecords } from '../../lib/producer/put-records.ts';
import { getView } from '../../lib/registry/query.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { flightsRegistry, testApp } from '../cdk/synth.ts';
import { CallTranslator, recordedCalls } from './calls.ts';
import { ACCOUNT, deployedFrom, REGION, type Deployed } from './deployed.ts';
import { expectAllAllowed, expectDenied } from './simulate.ts';

let registry: Registry;
let deployed: Deployed;
const roles: Record<'producer' | 'model' | 'training', string> = {
  producer: '',
  model: '',
  training: '',
};

beforeAll(async () => {
  registry = await flightsRegistry();
  const { stack, store } = buildSkewlessApp({ registry, app: testApp(), nag: false });
  const role = (name: string) =>
    new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  const producer = role('Producer');
  const model = role('Model');
  const training = role('Training');
  const source = getView(registry, 'route_flights').source.stream;
  store.grantProduce(producer, source);
  store.grantLookup(model);
  store.grantRunExport(training);
  const template = Template.fromStack(stack);
  deployed = deployedFrom(template, registry);
  const idOf = (r: iam.Role) => stack.getLogicalId(r.node.defaultChild as iam.CfnRole);
  roles.producer = idOf(producer);
  roles.model = idOf(model);
  roles.training = idOf(training);
});

describe('grantProduce', () => {
  it("lets a producer put records on its source's stream with the producer helper, nowhere else", async () => {
    const kinesis = mockClient(KinesisClient);
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
    }));
    const view = getView(registry, 'route_flights');
    await putRecords(
      kinesisPutter(new KinesisClient({ region: REGION })),
      [{ origin: 'SFO', destination: 'LAX', event_time: Date.UTC(2001, 0, 1), distance: 337 }],
      { registry, names: { prefix: 'skewless' }, view },
    );
    const calls = recordedCalls(kinesis);
    kinesis.restore();
    expect(calls).toHaveLength(1);
    const requests = new CallTranslator(deployed, new Map()).translate(calls);
    const producer = { roleId: roles.producer };
    await expectAllAllowed(deployed, producer, requests);
    const other = registry.featureViews.find((v) => v.source.stream !== view.source.stream)!;
    await expectDenied(deployed, producer, {
      action: 'kinesis:PutRecords',
      resource: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${sourceStreamName({ prefix: 'skewless' }, other.source.stream)}`,
      because: 'another source stream',
    });
  });
});

describe('grantLookup and grantRunExport', () => {
  it('let a model call the lookup route and a training job invoke the export Lambda', async () => {
    const [apiId] = deployed.ofType('AWS::ApiGatewayV2::Api')[0]!;
    const api = deployed.ref(apiId);
    const lookup = {
      action: 'execute-api:Invoke',
      resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/$default/POST/features`,
      because: 'a signed lookup',
    };
    const exportFn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:skewless-export`;
    const invoke = { action: 'lambda:InvokeFunction', resource: exportFn, because: 'an export' };
    await expectAllAllowed(deployed, { roleId: roles.model }, [lookup]);
    await expectAllAllowed(deployed, { roleId: roles.training }, [invoke]);
    await expectDenied(deployed, { roleId: roles.model }, invoke);
    await expectDenied(deployed, { roleId: roles.training }, lookup);
    await expectDenied(
      deployed,
      { roleId: roles.model },
      {
        ...lookup,
        resource: lookup.resource.replace('POST/features', 'DELETE/features'),
        because: 'another route',
      },
    );
  });
});
