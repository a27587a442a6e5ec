/**
 * The one retry policy: its worst case (attempts and total backoff), and proof that attempts do
 * not stack: the ingest Lambda, as deployed, tries one throttled write `DEFAULT_RETRY.maxAttempts`
 * times on the wire (the SDK's own 3 attempts under our 6 made it 18), and the lookup's lean
 * client tries a call `LOOKUP_RETRY.maxAttempts` times.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_RETRY,
  LOOKUP_RETRY,
  PRODUCER_RETRY,
  withRetry,
  worstCase,
  type RetryPolicy,
} from '../../lib/core/retry.ts';
import { sendInChunks } from '../../lib/core/chunked-send.ts';
import { HANDLER_ENV } from '../../lib/config.ts';
import { localLambdaContext } from '../../lib/local/kinesis-poller.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { fault, kinesisEvent, STREAM_PREFIX } from '../ingest/fakes.ts';

/** Just under 1: every wait is as long as full jitter allows. */
const longest = () => 1 - Number.EPSILON;

function throttledWorld(policy: RetryPolicy) {
  const sleeps: number[] = [];
  return {
    sleeps,
    world: { policy, random: longest, sleep: async (ms: number) => void sleeps.push(ms) },
  };
}

describe('the retry policy', () => {
  it('states its true worst case: 6 attempts and under 775 ms of waiting', () => {
    expect(worstCase(DEFAULT_RETRY)).toEqual({ attempts: 6, waitMs: 25 + 50 + 100 + 200 + 400 });
    expect(worstCase(PRODUCER_RETRY)).toEqual({ attempts: 10, waitMs: 2775 });
    expect(worstCase(LOOKUP_RETRY)).toEqual({ attempts: 3, waitMs: 75 });
  });

  it('tries a call that stays throttled exactly maxAttempts times, waiting under the worst case', async () => {
    const { sleeps, world } = throttledWorld(DEFAULT_RETRY);
    let calls = 0;
    await expect(
      withRetry(world, async () => {
        calls++;
        throw fault('ThrottlingException');
      }),
    ).rejects.toThrow('ThrottlingException');
    expect(calls).toBe(6);
    expect(sleeps).toEqual([24, 49, 99, 199, 399]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(worstCase(DEFAULT_RETRY).waitMs);
  });

  it('counts whole-call and partial failures of a chunk against one budget', async () => {
    const { sleeps, world } = throttledWorld(DEFAULT_RETRY);
    let calls = 0;
    const report = await sendInChunks([1, 2, 3], {
      limits: { maxEntries: 10, maxBytes: 10, maxEntryBytes: 10 },
      sizeOf: () => 1,
      retry: world,
      send: async (chunk) => {
        // Alternately a throttled call and a call that fails every entry.
        if (calls++ % 2 === 0) throw fault('ThrottlingException');
        return chunk.map(() => ({ code: 'ServiceUnavailableException', message: 'busy' }));
      },
    });
    expect(calls).toBe(6);
    expect(sleeps).toHaveLength(5);
    expect(report.unsent.map((u) => u.entry)).toEqual([1, 2, 3]);
  });
});

describe('attempts on the wire', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** An AWS JSON endpoint that throttles every DynamoDB call and accepts every Firehose batch. */
  async function throttlingAws(): Promise<{ url: string; targets: string[] }> {
    const targets: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        targets.push(target);
        if (target.startsWith('Firehose')) {
          const n = (JSON.parse(body) as { Records: unknown[] }).Records.length;
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(
            JSON.stringify({
              FailedPutCount: 0,
              RequestResponses: Array(n).fill({ RecordId: 'r' }),
            }),
          );
          return;
        }
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
            message: 'Rate of requests exceeds the allowed throughput.',
          }),
        );
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets };
  }

  it('the ingest Lambda tries a throttled PutItem DEFAULT_RETRY.maxAttempts times, not 3 × that', async () => {
    const aws = await throttlingAws();
    vi.stubEnv(HANDLER_ENV.prefix, STREAM_PREFIX);
    vi.stubEnv(HANDLER_ENV.onlineTable, 'online');
    vi.stubEnv(HANDLER_ENV.deadLetterQueueUrl, `${aws.url}/queue`);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKID');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_ENDPOINT_URL', aws.url);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const lambda = await import('../../lambdas/ingest.ts');
    const event = kinesisEvent('airport_departures', [{ origin: 'SFO', event_time: 1 }]);
    const out = await lambda.handler(event, localLambdaContext('ingest'));
    // The write stayed throttled: the record goes back to Kinesis...
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    // ...after exactly 6 PutItem requests on the wire, and one Firehose call.
    expect(aws.targets.filter((t) => t === 'DynamoDB_20120810.PutItem')).toHaveLength(
      DEFAULT_RETRY.maxAttempts,
    );
    expect(aws.targets.filter((t) => t.startsWith('Firehose'))).toHaveLength(1);
  }, 20_000);

  it('the lookup client tries a throttled BatchGetItem LOOKUP_RETRY.maxAttempts times', async () => {
    const aws = await throttlingAws();
    const reader = dynamoDbReader(
      createDynamoDbClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
        endpoint: aws.url,
      }),
    );
    await expect(reader.batchGetItem({ RequestItems: { t: { Keys: [] } } })).rejects.toThrow(
      'ThrottlingException',
    );
    expect(aws.targets).toHaveLength(LOOKUP_RETRY.maxAttempts);
  });
});
