/**
 * The ingest Lambda's IAM contract from recorded calls only: the real Lambda module (its own SDK
 * clients, built at module scope) runs against dynalite, the local Firehose stand-in and an SQS
 * stand-in, fed by the local poller that plays Lambda's Kinesis event source mapping over
 * kinesalite. Every SDK call is recorded at the middleware layer and simulated against the
 * ingest role of the synthesized stack; then each granted action is removed in turn and some
 * recorded call must be denied (or the action is named in `NEEDED_BY_AWS`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { HANDLER_ENV } from '../../lib/config.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { LocalFirehose } from '../../lib/local/firehose.ts';
import { KinesisPoller, localLambdaContext } from '../../lib/local/kinesis-poller.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { kinesisPutter } from '../../lib/producer/kinesis-aws.ts';
import { putRecords } from '../../lib/producer/put-records.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView, streamsOf } from '../../lib/registry/query.ts';
import { serveFirehoseAndSqs, type JsonStandIn } from './json-standin.ts';
import { recordAwsCalls, type AwsCall } from './recorder.ts';
import { expectCallsAllowedForHandler } from './simulate.ts';

const { registry } = registryFromModule(defs);
const T0 = Date.UTC(2001, 0, 1, 10);

let dir: string;
let stack: LocalStack;
let firehose: LocalFirehose;
let standIn: JsonStandIn;
let calls: AwsCall[];
let queueUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-iam-ingest-'));
  // The deployed prefix: every derived name (table, streams, Firehoses) is the stack's.
  stack = await startLocalStack({ registry, dataDir: dir, prefix: 'skewless' });
  firehose = await LocalFirehose.create({ registry, names: stack.names, dataDir: dir });
  standIn = await serveFirehoseAndSqs(firehose);
  queueUrl = `${standIn.url}/123456789012/test-poison`;
  vi.stubEnv(HANDLER_ENV.prefix, stack.names.prefix);
  vi.stubEnv(HANDLER_ENV.onlineTable, stack.onlineTable);
  vi.stubEnv(HANDLER_ENV.deadLetterQueueUrl, queueUrl);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', stack.endpoints.dynamodb);
  vi.stubEnv('AWS_ENDPOINT_URL_FIREHOSE', standIn.url);
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', standIn.url);
  const { handler } = await import('../../lambdas/ingest.ts');

  const recording = recordAwsCalls();
  try {
    const put = (view: string, rows: unknown[]) =>
      recording.as('producer', () =>
        putRecords(kinesisPutter(stack.kinesis), rows, {
          registry,
          names: stack.names,
          view: getView(registry, view),
        }),
      );
    await put('airport_departures', [
      { origin: 'SFO', event_time: T0, last_delay: 3, last_destination: 'LAX' },
    ]);
    await put('route_flights', [
      { origin: 'SFO', destination: 'LAX', event_time: T0, distance: 337, last_delay: 3 },
    ]);
    // Raw departures: the aggregation views read their tiles back (GetItem) before writing.
    await put('airport_delays', [
      { origin: 'SFO', destination: 'LAX', event_time: T0, delay: 20, distance: 337 },
      { origin: 'SFO', destination: 'LAX', event_time: T0 + 60_000, delay: 5, distance: 337 },
    ]);
    // A record that is not JSON: the handler sends it to the dead-letter queue.
    await recording.as('setup', () =>
      stack.kinesis.send(
        new PutRecordCommand({
          StreamName: sourceStreamName(
            stack.names,
            getView(registry, 'airport_departures').source.stream,
          ),
          Data: Buffer.from('not json'),
          PartitionKey: 'x',
        }),
      ),
    );
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: streamsOf(registry).map((s) => sourceStreamName(stack.names, s)),
      handler: (event) => handler(event, localLambdaContext('skewless-ingest')),
    });
    await recording.as('ingest', () => poller.drain());
    calls = recording.of('ingest');
    expect(recording.of('unattributed')).toEqual([]);
  } finally {
    recording.stop();
  }
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await standIn?.close();
  await firehose?.close();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the ingest Lambda, recorded', () => {
  it('makes the calls of its adapters and of the event source mapping, through its own clients', () => {
    const operations = new Set(calls.map((c) => `${c.service}.${c.operation}`));
    expect(operations).toEqual(
      new Set([
        'Kinesis.ListShards',
        'Kinesis.GetShardIterator',
        'Kinesis.GetRecords',
        'DynamoDB.BatchGetItem',
        'DynamoDB.PutItem',
        'DynamoDB.GetItem',
        'Firehose.PutRecordBatch',
        'SQS.SendMessageBatch',
      ]),
    );
    expect([...standIn.messages.keys()]).toEqual([queueUrl]);
  });

  it('is allowed every recorded call by its deployed role, and needs every action it is granted', async () => {
    await expectCallsAllowedForHandler('ingest', calls, {
      prefix: stack.names.prefix,
      onlineTable: stack.onlineTable,
      deadLetterQueueUrl: queueUrl,
    });
  }, 120_000);
});
