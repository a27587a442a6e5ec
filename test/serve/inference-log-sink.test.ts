import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeLogRow, type InferenceLogRecord } from '../../lib/core/inference-log.ts';
import type { EntityKey } from '../../lib/core/entity-key.ts';
import { createBufferedSink, type InferenceLogWriter } from '../../lib/serve/inference-log-sink.ts';
import {
  createFirehoseClient,
  createFirehoseWriter,
  firehoseApi,
  type PutRecordBatchInput,
} from '../../lib/serve/firehose-aws.ts';

function records(n: number, pad = 0): InferenceLogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    request_id: `r${i}`,
    row: 0,
    served_at: '2001-03-01T12:00:00.000Z',
    service: 's',
    registry_hash: 'h',
    entity_key: 's:SFO' as EntityKey,
    keys: { origin: 'SFO' },
    request: {},
    values: { v: 'x'.repeat(pad) },
    statuses: {},
    ages_ms: {},
  }));
}

const noSleep = async () => undefined;

describe('buffered inference-log sink', () => {
  it('returns from enqueue at once and sends nothing until flushed', async () => {
    const written: InferenceLogRecord[][] = [];
    const sink = createBufferedSink({
      writer: { maxBatchRecords: 500, write: async (b) => (written.push([...b]), { failed: [] }) },
    });
    sink.enqueue(records(3));
    expect(written).toEqual([]);
    expect(await sink.flush()).toEqual({ sent: 3, failed: 0, pending: 0 });
    expect(written.flat().map((r) => r.request_id)).toEqual(['r0', 'r1', 'r2']);
  });

  it('splits the buffer into batches of the writer size', async () => {
    const sizes: number[] = [];
    const sink = createBufferedSink({
      writer: { maxBatchRecords: 500, write: async (b) => (sizes.push(b.length), { failed: [] }) },
    });
    sink.enqueue(records(1201));
    await sink.flush();
    expect(sizes.sort((a, b) => a - b)).toEqual([201, 500, 500]);
  });

  it('retries only the failed entries, then counts what still fails without throwing', async () => {
    const attempts: string[][] = [];
    const failures: number[] = [];
    const writer: InferenceLogWriter = {
      maxBatchRecords: 500,
      async write(batch) {
        attempts.push(batch.map((r) => r.request_id));
        // r1 always fails; r2 fails once.
        return {
          failed: batch.flatMap((r, i) =>
            r.request_id === 'r1' || (r.request_id === 'r2' && attempts.length === 1) ? [i] : [],
          ),
        };
      },
    };
    const sink = createBufferedSink({
      writer,
      maxAttempts: 3,
      sleep: noSleep,
      onFailure: (n) => failures.push(n),
    });
    sink.enqueue(records(3));
    expect(await sink.flush()).toEqual({ sent: 2, failed: 1, pending: 0 });
    expect(attempts).toEqual([['r0', 'r1', 'r2'], ['r1', 'r2'], ['r1']]);
    expect(failures).toEqual([1]);
    expect(sink.stats).toEqual({ sent: 2, failed: 1, dropped: 0 });
  });

  it('counts a writer that throws as failures, and never rejects', async () => {
    let failed = 0;
    const sink = createBufferedSink({
      writer: {
        maxBatchRecords: 500,
        write: async () => {
          throw new Error('firehose down');
        },
      },
      sleep: noSleep,
      onFailure: (n) => (failed += n),
    });
    sink.enqueue(records(4));
    await expect(sink.flush()).resolves.toEqual({ sent: 0, failed: 4, pending: 0 });
    expect(failed).toBe(4);
  });

  it('returns from a bounded flush when the writer is slow, reporting what is pending', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sink = createBufferedSink({
      writer: { maxBatchRecords: 500, write: async () => (await gate, { failed: [] }) },
    });
    sink.enqueue(records(2));
    const report = await sink.flush({ timeoutMs: 5 });
    expect(report).toEqual({ sent: 0, failed: 0, pending: 2 });
    release();
    await sink.close();
    expect(sink.stats.sent).toBe(2);
  });

  it('drops the oldest records past its bound and counts them', async () => {
    const dropped: number[] = [];
    const sink = createBufferedSink({
      writer: { maxBatchRecords: 500, write: async () => ({ failed: [] }) },
      maxBuffered: 5,
      onFailure: (n) => dropped.push(n),
    });
    sink.enqueue(records(7));
    expect(sink.stats.dropped).toBe(2);
    expect(dropped).toEqual([2]);
    expect((await sink.flush()).sent).toBe(5);
  });
});

describe('Firehose writer', () => {
  it("sends the log table's JSON rows, at most 4 MiB per call, and reports entries Firehose rejected", async () => {
    const calls: PutRecordBatchInput[] = [];
    const writer = createFirehoseWriter({
      deliveryStreamName: 'p-inference-log',
      firehose: {
        async putRecordBatch(input) {
          calls.push(input);
          return {
            FailedPutCount: calls.length === 1 ? 1 : 0,
            RequestResponses: input.Records.map((_, i) =>
              calls.length === 1 && i === 0
                ? { ErrorCode: 'ServiceUnavailableException' }
                : { RecordId: 'x' },
            ),
          };
        },
      },
    });
    // 6 records of ~900 KiB: 4 fit in one call under 4 MiB, then 2 more.
    const batch = records(6, 900 * 1024);
    const { failed } = await writer.write(batch);
    expect(calls.map((c) => c.Records.length)).toEqual([4, 2]);
    expect(failed).toEqual([0]);
    const line = Buffer.from(calls[1]!.Records[0]!.Data, 'base64').toString('utf8');
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(encodeLogRow(batch[4]!));
  });

  it('never sends a record over 1000 KiB and marks it failed', async () => {
    const writer = createFirehoseWriter({
      deliveryStreamName: 's',
      firehose: {
        putRecordBatch: async (i) => ({
          FailedPutCount: 0,
          RequestResponses: i.Records.map(() => ({})),
        }),
      },
    });
    expect((await writer.write(records(1, 1100 * 1024))).failed).toEqual([0]);
  });

  it('calls PutRecordBatch over the JSON 1.1 protocol, SigV4-signed', async () => {
    const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FailedPutCount: 0, RequestResponses: [{ RecordId: '1' }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = createFirehoseClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' },
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      const out = await firehoseApi(client).putRecordBatch({
        DeliveryStreamName: 's',
        Records: [{ Data: 'eA==' }],
      });
      expect(out.FailedPutCount).toBe(0);
      const [{ headers, body }] = seen as [(typeof seen)[0]];
      expect(headers['x-amz-target']).toBe('Firehose_20150804.PutRecordBatch');
      expect(headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/firehose\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
      );
      expect(headers['x-amz-security-token']).toBe('tok');
      expect(JSON.parse(body)).toEqual({ DeliveryStreamName: 's', Records: [{ Data: 'eA==' }] });
    } finally {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
