/**
 * `grantDirectLookup` from recorded calls only: `skewless/lookup` (`createLookup`, its own lean
 * clients) serves lookups from dynalite and ships their log to a Firehose stand-in, every call
 * recorded on the wire; the calls are simulated against a role the construct granted, and each
 * granted action is removed in turn: some recorded call must then be denied.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { createLookup } from '../../lib/lookup/index.ts';
import { LOCAL_AWS, startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { itemFor, putItems, T0, tileItemFor } from '../serve/fixtures.ts';
import { testApp } from '../cdk/synth.ts';
import { CallTranslator, type AwsCall } from './calls.ts';
import { deployedFrom, type Deployed } from './deployed.ts';
import { expectEveryGrantNeeded } from './mutation.ts';
import { expectAllAllowed } from './simulate.ts';
import { recordingProxy, type RecordingProxy } from './wire.ts';

const { registry } = registryFromModule(defs);

let dir: string;
let stack: LocalStack;
let firehose: http.Server;
let wire: RecordingProxy[] = [];
let deployed: Deployed;
let roleId: string;
let calls: AwsCall[];

/** Accepts every PutRecordBatch, as Firehose does. */
function firehoseStandIn(): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const n = (JSON.parse(body) as { Records: unknown[] }).Records.length;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ FailedPutCount: 0, RequestResponses: Array(n).fill({ RecordId: 'r' }) }),
      );
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-iam-direct-'));
  // The deployed prefix: the table and the log's Firehose carry the stack's names.
  stack = await startLocalStack({ registry, dataDir: dir, prefix: 'skewless' });
  firehose = firehoseStandIn();
  await new Promise<void>((r) => firehose.listen(0, '127.0.0.1', r));
  wire = [
    await recordingProxy(stack.endpoints.dynamodb),
    await recordingProxy(`http://127.0.0.1:${(firehose.address() as AddressInfo).port}`),
  ];
  await putItems(stack, [
    itemFor('airport_departures', { origin: 'SFO' }, { last_delay: 3 }, T0 - 60_000),
    tileItemFor(
      'airport_delays',
      { origin: 'SFO', destination: 'LAX' },
      [{ eventTime: T0 - 60_000, values: { delay: 20, distance: 337 } }],
      T0,
    ),
  ]);
  const lookup = await createLookup({
    registry: { definitions: defs },
    prefix: 'skewless',
    ...LOCAL_AWS,
    endpoints: { dynamodb: wire[0]!.url, firehose: wire[1]!.url },
    clock: () => T0,
  });
  await lookup.get('departure_delay_model', [{ origin: 'SFO', destination: 'LAX' }], {
    scheduled_hour: 9,
  });
  await lookup.close();
  calls = wire.flatMap((p) => p.calls);

  const built = buildSkewlessApp({ registry, app: testApp(), nag: false });
  const role = new iam.Role(built.stack, 'ModelService', {
    assumedBy: new iam.AccountRootPrincipal(),
  });
  built.store.grantDirectLookup(role);
  deployed = deployedFrom(Template.fromStack(built.stack), registry);
  roleId = built.stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
}, 120_000);

afterAll(async () => {
  for (const proxy of wire) await proxy.close();
  await new Promise<void>((r) => firehose?.close(() => r()));
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('grantDirectLookup, against the calls skewless/lookup makes', () => {
  it('reads with one BatchGetItem per lookup and logs through Firehose', () => {
    expect(calls.map((c) => `${c.service}.${c.operation}`)).toEqual([
      'DynamoDB.BatchGetItem',
      'Firehose.PutRecordBatch',
    ]);
  });

  it('allows every recorded call, and every granted action is needed by one', async () => {
    const requests = new CallTranslator(deployed, new Map()).translate(calls);
    await expectAllAllowed(deployed, { roleId }, requests);
    await expectEveryGrantNeeded(deployed, { roleId, name: 'direct-lookup' }, requests);
  }, 120_000);
});
