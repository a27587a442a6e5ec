/**
 * The Lambda module itself, as deployed: env config, Powertools, the lean DynamoDB client
 * against dynalite and the Firehose writer against a local PutRecordBatch endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { asLoggedText, withoutNulls } from './read-log.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../lib/local/stack.ts';
import { itemFor, putItems, withStack } from './fixtures.ts';
import { expectCallsAllowedForHandler } from '../iam/simulate.ts';
import { recordingProxy, type RecordingProxy } from '../iam/wire.ts';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let firehose: http.Server;
let wire: RecordingProxy[] = [];
const delivered: { stream: string; lines: unknown[] }[] = [];
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<any>;

const context = {
  functionName: 'skewless-lookup',
  functionVersion: '1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:skewless-lookup',
  memoryLimitInMB: '1024',
  awsRequestId: 'aws-req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function apiEvent(body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /features',
    rawPath: '/features',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/features',
        protocol: 'HTTP/1.1',
        sourceIp: '10.0.0.1',
        userAgent: 'test',
      },
      requestId: 'apigw-req-1',
      routeKey: 'POST /features',
      stage: '$default',
      time: '01/Mar/2001:12:00:00 +0000',
      timeEpoch: 983448000000,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  firehose = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const input = JSON.parse(body) as { DeliveryStreamName: string; Records: { Data: string }[] };
      delivered.push({
        stream: input.DeliveryStreamName,
        lines: input.Records.map((r) => JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8'))),
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          FailedPutCount: 0,
          RequestResponses: input.Records.map(() => ({ RecordId: 'x' })),
        }),
      );
    });
  });
  await new Promise<void>((r) => firehose.listen(0, '127.0.0.1', r));
  vi.stubEnv('SKEWLESS_PREFIX', stack.names.prefix);
  vi.stubEnv('SKEWLESS_ONLINE_TABLE', stack.onlineTable);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  // The handler's calls pass through recording proxies (for the IAM contract below).
  wire = [
    await recordingProxy(stack.endpoints.dynamodb),
    await recordingProxy(`http://127.0.0.1:${(firehose.address() as AddressInfo).port}`),
  ];
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', wire[0]!.url);
  vi.stubEnv('AWS_ENDPOINT_URL_FIREHOSE', wire[1]!.url);
  ({ handler } = await import('../../lambdas/lookup.ts'));
  await putItems(stack, [
    itemFor(
      'airport_departures',
      { origin: 'SFO' },
      { last_delay: 12, last_destination: 'LAX', last_departed_late: false },
      Date.now() - 60_000,
    ),
  ]);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  for (const proxy of wire) await proxy.close();
  await new Promise<void>((r) => firehose?.close(() => r()));
  await cleanup?.();
});

async function invoke(body: unknown): Promise<{ result: any; stdout: string }> {
  const writes: string[] = [];
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: any) => (writes.push(String(chunk)), true));
  try {
    const result = await handler(apiEvent(body), context);
    return { result, stdout: writes.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('lambdas/lookup.ts', () => {
  it('serves a lookup, ships the served vector to Firehose before returning, and emits metrics', async () => {
    const { result, stdout } = await invoke({
      service: 'departure_delay_model',
      entities: [{ origin: 'SFO', destination: 'LAX' }],
      request: { scheduled_hour: 8 },
    });
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body);
    expect(body.request_id).toBe('apigw-req-1');
    expect(body.rows[0].values.airport_departures__last_delay).toBe(12);
    expect(body.rows[0].statuses.airport_departures__last_delay).toBe('present');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.stream).toBe(`${stack.names.prefix}-inference-log`);
    const [record] = delivered[0]!.lines as any[];
    expect(record.request_id).toBe('apigw-req-1');
    // The log table's row: served_at in microseconds, maps of text (`encodeLogRow`).
    expect(record.served_at).toBe(Date.parse(body.served_at) * 1000);
    expect(JSON.parse(record.values)).toEqual(asLoggedText(body.rows[0].values));
    expect(JSON.parse(record.statuses)).toEqual(asLoggedText(body.rows[0].statuses));
    expect(JSON.parse(record.ages_ms)).toEqual(withoutNulls(body.rows[0].ages_ms));
    expect(stdout).toContain('"LookupLatency"');
    expect(stdout).toContain('"ItemsRead"');
    expect(stdout).toContain('"Features_present"');
  });

  it('answers 400 with a JSON error naming the field', async () => {
    const { result } = await invoke({
      service: 'departure_delay_model',
      entities: [{ origin: 'SFO' }],
    });
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.field).toBe('entities[0].destination');
  });

  it("made only AWS calls the lookup's deployed role allows, and needs all it grants (IAM contract)", async () => {
    const calls = wire.flatMap((p) => p.calls);
    expect(calls.map((c) => `${c.service}.${c.operation}`)).toEqual(
      expect.arrayContaining(['DynamoDB.BatchGetItem', 'Firehose.PutRecordBatch']),
    );
    // The test's stack has its own prefix: its table and Firehose names map to the deployed ones.
    await expectCallsAllowedForHandler('lookup', calls, {
      onlineTable: stack.onlineTable,
      prefix: stack.names.prefix,
    });
  }, 60_000);
});
