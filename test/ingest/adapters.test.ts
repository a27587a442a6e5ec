import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { FRESHNESS_METRIC } from '../../lib/core/metrics.ts';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { firehoseOfflineDelivery } from '../../lib/ingest/firehose-aws.ts';
import { DeadLetterDeliveryError, sqsDeadLetterSink } from '../../lib/ingest/dead-letter-aws.ts';
import { createIngestHandler, type IngestHandlerDeps } from '../../lib/ingest/handler.ts';
import type { IngestStats } from '../../lib/ingest/batch.ts';
import { localLambdaContext } from '../../lib/local/kinesis-poller.ts';
import type { DeadLetter } from '../../lib/ingest/dead-letter.ts';
import { HANDLER_ENV } from '../../lib/config.ts';
import {
  MemoryDeadLetters,
  MemoryOffline,
  MemoryOnline,
  STREAM_PREFIX,
  kinesisEvent,
} from './fakes.ts';

const { registry } = registryFromModule(defs);
const put = {
  Item: { pk: { S: 's:SFO' }, sk: { S: 'airport_departures#v1' } },
  ConditionExpression: 'attribute_not_exists(#pk)',
  ExpressionAttributeNames: { '#pk': 'pk' },
  ExpressionAttributeValues: {},
};

afterEach(() => vi.restoreAllMocks());

describe('AWS adapters', () => {
  it('treats a failed DynamoDB condition as a stale write, other errors as errors', async () => {
    const ddb = mockClient(DynamoDBClient);
    ddb
      .on(PutItemCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('slow'), { name: 'ThrottlingException' }));
    const writer = dynamoOnlineWriter(new DynamoDBClient({ region: 'us-east-1' }), 'online');
    expect(await writer.putIfNewer(put)).toBe('written');
    expect(await writer.putIfNewer(put)).toBe('stale');
    await expect(writer.putIfNewer(put)).rejects.toThrow('slow');
    expect(ddb.commandCalls(PutItemCommand)[0]!.args[0].input.TableName).toBe('online');
    ddb.restore();
  });

  it('passes Firehose batches through and returns its per-entry answer', async () => {
    const fh = mockClient(FirehoseClient);
    fh.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ServiceUnavailableException' }],
    });
    const out = await firehoseOfflineDelivery(
      new FirehoseClient({ region: 'us-east-1' }),
    ).putRecordBatch({
      DeliveryStreamName: 'd',
      Records: [{ Data: Buffer.from('a') }, { Data: Buffer.from('b') }],
    });
    expect(out.FailedPutCount).toBe(1);
    fh.restore();
  });

  it('sends dead letters to SQS in groups of 10, resending only failed entries', async () => {
    const sqs = mockClient(SQSClient);
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '3', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Failed: [] });
    const sink = sqsDeadLetterSink(new SQSClient({ region: 'us-east-1' }), 'https://q', {
      sleep: async () => undefined,
    });
    const letter = { reason: 'bad-json', message: 'x' } as unknown as DeadLetter;
    await sink.send(Array.from({ length: 12 }, () => letter));
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries!.map((e) => e.Id));
    expect(calls).toEqual([
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      ['3'],
      ['10', '11'],
    ]);
    sqs.restore();
  });

  it('fails a dead-letter send that SQS refuses as the sender’s fault', async () => {
    const sqs = mockClient(SQSClient);
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true }] });
    const sink = sqsDeadLetterSink(new SQSClient({ region: 'us-east-1' }), 'https://q');
    await expect(sink.send([{} as DeadLetter])).rejects.toBeInstanceOf(DeadLetterDeliveryError);
    sqs.restore();
  });
});

/** The ingest handler over in-memory stores at 10 s past the epoch. */
function handlerOverMemory(over: Pick<IngestHandlerDeps, 'logger' | 'metrics'>) {
  return createIngestHandler({
    registry,
    names: { prefix: STREAM_PREFIX },
    online: new MemoryOnline(),
    offline: new MemoryOffline(),
    deadLetter: new MemoryDeadLetters(),
    clock: () => 10_000,
    ...over,
  });
}

describe('createIngestHandler', () => {
  it('runs the core behind middy with Powertools logging and metrics', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const deadLetter = new MemoryDeadLetters();
    const handler = createIngestHandler({
      registry,
      names: { prefix: STREAM_PREFIX },
      online: new MemoryOnline(),
      offline: new MemoryOffline(),
      deadLetter,
      clock: () => 10,
      logger: new Logger({ serviceName: 'test' }),
      metrics: new Metrics({ namespace: 'test', serviceName: 'ingest' }),
    });
    const res = await handler(
      kinesisEvent('airport_departures', [{ origin: 'SFO', event_time: 1 }, '[]']),
      localLambdaContext('ingest'),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(deadLetter.letters.map((l) => l.reason)).toEqual(['not-an-object']);
  });

  it('logs each batch as names and counts, never whole view definitions', async () => {
    const logger = new Logger({ serviceName: 'test' });
    const lines: string[] = [];
    for (const level of ['info', 'warn'] as const)
      vi.spyOn(logger, level).mockImplementation(
        (...args: unknown[]) => void lines.push(JSON.stringify(args)),
      );
    const handler = handlerOverMemory({ logger });
    await handler(
      kinesisEvent('airport_departures', [{ origin: 'SFO', event_time: 4_000 }, '[]']),
      localLambdaContext('ingest'),
    );
    const [message, fields] = JSON.parse(lines[0]!) as [string, { stats: IngestStats }];
    expect(message).toBe('ingested batch');
    expect(fields.stats.freshness).toEqual([
      { view: { name: 'airport_departures', version: 1 }, ageMs: 6_000 },
    ]);
    expect(lines[0]).not.toContain('features');
    // Powertools drops a field named `message`: the letter's problem rides under its own name.
    expect(JSON.parse(lines[1]!)[1]).toMatchObject({
      reason: 'not-an-object',
      problem: expect.any(String),
    });
  });

  it("emits each view's freshness as FeatureAgeMs with exactly the alarm's dimensions", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation(
      (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
    );
    const handler = handlerOverMemory({
      metrics: new Metrics({ namespace: FRESHNESS_METRIC.namespace, serviceName: 'ingest' }),
    });
    await handler(
      kinesisEvent('airport_departures', [
        { origin: 'SFO', event_time: 4_000 },
        { origin: 'LAX', event_time: 7_500 },
      ]),
      localLambdaContext('ingest'),
    );
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes(FRESHNESS_METRIC.metricName))
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
          },
      );
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      FeatureAgeMs: 2_500,
      prefix: STREAM_PREFIX,
      view: 'airport_departures_v1',
      service: 'ingest',
    });
    expect(new Set(emf[0]!._aws.CloudWatchMetrics[0]!.Dimensions[0])).toEqual(
      new Set(['service', 'prefix', 'view']),
    );
  });

  it('builds the Lambda module from its environment', async () => {
    vi.stubEnv(HANDLER_ENV.prefix, 'sk');
    vi.stubEnv(HANDLER_ENV.onlineTable, 'sk-online');
    vi.stubEnv(HANDLER_ENV.deadLetterQueueUrl, 'https://sqs/dlq');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const lambda = await import('../../lambdas/ingest.ts');
    expect(typeof lambda.handler).toBe('function');
    vi.unstubAllEnvs();
  });
});
