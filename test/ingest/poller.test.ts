import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { KinesisPoller } from '../../lib/local/kinesis-poller.ts';

const { registry } = registryFromModule(defs);

describe('KinesisPoller (the local event source mapping)', () => {
  let dataDir: string;
  let stack: LocalStack;
  let stream: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-poller-'));
    stack = await startLocalStack({ registry, dataDir });
    stream = sourceStreamName(stack.names, 'flights');
    await stack.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: 10 }, (_, i) => ({
          Data: Buffer.from(String(i)),
          PartitionKey: 'k',
        })),
      }),
    );
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const payloads = (e: KinesisStreamEvent) =>
    e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

  it('builds real Kinesis events, in order, in batches of batchSize', async () => {
    const seen: KinesisStreamEvent[] = [];
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: [stream],
      batchSize: 4,
      handler: async (e) => {
        seen.push(e);
      },
    });
    await poller.drain();
    expect(seen.map(payloads)).toEqual([
      ['0', '1', '2', '3'],
      ['4', '5', '6', '7'],
      ['8', '9'],
    ]);
    const r = seen[0]!.Records[0]!;
    expect(r.eventName).toBe('aws:kinesis:record');
    expect(r.eventID).toBe(`shardId-000000000000:${r.kinesis.sequenceNumber}`);
    expect(r.eventSourceARN).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`);
    expect(r.kinesis.partitionKey).toBe('k');
  });

  it('resumes from the lowest reported failure, and bisects a batch whose handler throws', async () => {
    const seen: string[][] = [];
    let failedOnce = false;
    let threwOnce = false;
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: [stream],
      batchSize: 4,
      handler: async (e): Promise<KinesisStreamBatchResponse> => {
        seen.push(payloads(e));
        if (!failedOnce) {
          failedOnce = true;
          return {
            batchItemFailures: [
              { itemIdentifier: e.Records[3]!.kinesis.sequenceNumber },
              { itemIdentifier: e.Records[2]!.kinesis.sequenceNumber },
            ],
          };
        }
        if (!threwOnce && payloads(e).includes('5')) {
          threwOnce = true;
          throw new Error('crash');
        }
        return { batchItemFailures: [] };
      },
    });
    const stats = await poller.drain();
    expect(seen).toEqual([
      ['0', '1', '2', '3'],
      ['2', '3', '4', '5'],
      ['2', '3'],
      ['4', '5', '6', '7'],
      ['8', '9'],
    ]);
    expect(stats).toMatchObject({ partialFailures: 1, errors: 1, discarded: 0 });
  });

  it('discards a batch after maxRetryAttempts and says so', async () => {
    const discarded: string[] = [];
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: [stream],
      batchSize: 5,
      maxRetryAttempts: 1,
      bisectOnError: false,
      handler: async (e) => {
        if (payloads(e)[0] === '0') throw new Error('always');
      },
      onDiscard: (records) =>
        discarded.push(...records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())),
    });
    const stats = await poller.drain();
    expect(discarded).toEqual(['0', '1', '2', '3', '4']);
    expect(stats).toMatchObject({ invocations: 3, errors: 2, discarded: 5 });
  });
});
