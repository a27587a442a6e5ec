/**
 * The one retry policy: its worst case (attempts and total backoff), and proof that attempts do
 * not stack: the ingest Lambda, as deployed, tries one throttled write `DEFAULT_RETRY.maxAttempts`
 * times on the wire (the SDK's own 3 attempts under our 6 made it 18), and a lookup (the Lambda
 * and the in-process one) sends `LOOKUP_RETRY.maxAttempts` BatchGetItem requests per chunk
 * whether DynamoDB throttles or leaves keys unprocessed (batch-get's 5 calls × the lean
 * client's 3 attempts made it 15).
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
import * as flights from '../../feature_defs/index.ts';
import { createLookup } from '../../lib/lookup/index.ts';
import { UnprocessedKeysError } from '../../lib/serve/batch-get.ts';
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
        if (target.endsWith('.BatchGetItem')) {
          // The batch's tombstone read (none here): only the PutItem is throttled.
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ Responses: { online: [] }, UnprocessedKeys: {} }));
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
    expect(aws.targets.filter((t) => t === 'DynamoDB_20120810.BatchGetItem')).toHaveLength(1);
  }, 20_000);

  /** A DynamoDB stand-in answering the n-th BatchGetItem (from 0) as `answer` says. */
  async function batchGetStandIn(
    answer: (n: number, keys: unknown[], table: string) => { status: number; body: unknown },
  ): Promise<{ url: string; targets: string[] }> {
    const targets: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        targets.push(String(req.headers['x-amz-target'] ?? ''));
        const [table, request] = Object.entries(
          (JSON.parse(body) as { RequestItems: Record<string, { Keys: unknown[] }> }).RequestItems,
        )[0]!;
        const out = answer(targets.length - 1, request.Keys, table);
        res.writeHead(out.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(out.body));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets };
  }
  const THROTTLED = {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded.',
    },
  };
  const unprocessed = (table: string, keys: unknown[]) => ({
    status: 200,
    body: { Responses: { [table]: [] }, UnprocessedKeys: { [table]: { Keys: keys } } },
  });
  const lookupArgs = ['departure_delay_model', [{ origin: 'SFO', destination: 'LAX' }]] as const;
  const inProcess = (url: string) =>
    createLookup({
      registry: { definitions: flights },
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      endpoints: { dynamodb: url },
      overrides: { logWriter: { maxBatchRecords: 500, write: async () => ({ failed: [] }) } },
    });

  it('the lookup Lambda, as deployed, sends a throttled BatchGetItem LOOKUP_RETRY.maxAttempts times, not 5 × 3', async () => {
    const aws = await batchGetStandIn(() => THROTTLED);
    vi.stubEnv(HANDLER_ENV.prefix, 'p');
    vi.stubEnv(HANDLER_ENV.onlineTable, 'p-online');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    // The 500 is expected: keep its error log off the test output.
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKID');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_ENDPOINT_URL', aws.url);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const lambda = await import('../../lambdas/lookup.ts');
    const out = await lambda.handler(
      {
        version: '2.0',
        requestContext: { requestId: 'r', http: { method: 'POST' } },
        body: JSON.stringify({ service: lookupArgs[0], entities: lookupArgs[1] }),
        isBase64Encoded: false,
      } as never,
      localLambdaContext('lookup'),
    );
    expect(out.statusCode).toBe(500);
    expect(aws.targets).toEqual(
      Array(LOOKUP_RETRY.maxAttempts).fill('DynamoDB_20120810.BatchGetItem'),
    );
  });

  it('the in-process lookup spends one budget on keys left unprocessed: LOOKUP_RETRY.maxAttempts requests', async () => {
    const aws = await batchGetStandIn((_, keys, table) => unprocessed(table, keys));
    const lookup = await inProcess(aws.url);
    await expect(lookup.get(...lookupArgs)).rejects.toThrow(UnprocessedKeysError);
    expect(aws.targets).toHaveLength(LOOKUP_RETRY.maxAttempts);
    await lookup.close();
  });

  it('a throttled call and unprocessed keys share that budget, and the lookup then succeeds', async () => {
    // 1st: throttled; 2nd: one key of four answered, three left; 3rd: the rest answered.
    const aws = await batchGetStandIn((n, keys, table) =>
      n === 0
        ? THROTTLED
        : n === 1
          ? { ...unprocessed(table, keys.slice(1)) }
          : { status: 200, body: { Responses: { [table]: [] } } },
    );
    const lookup = await inProcess(aws.url);
    const response = await lookup.get(...lookupArgs);
    expect(response.rows[0]!.statuses.airport_departures__last_delay).toBe('missing');
    expect(aws.targets).toHaveLength(3);
    await lookup.close();
  });

  it('states its bound: LOOKUP_RETRY attempts per chunk of 100 keys, under 75 ms of waiting', () => {
    expect(LOOKUP_RETRY.maxAttempts).toBe(3);
    expect(worstCase(LOOKUP_RETRY).waitMs).toBe(75);
  });
});
