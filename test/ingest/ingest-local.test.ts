/**
 * The whole ingestion path on the local stack, under faults: 100k+ records put on kinesalite
 * (through the producer helper, plus raw poison), read by the event-source-mapping poller, and
 * handled by the real ingest handler against dynalite, the Firehose stand-in and the local DLQ,
 * while DynamoDB throttles and fails, Firehose fails entries and calls, the DLQ throttles,
 * invocations crash half-way and batches are delivered twice. Afterwards the stores must equal a
 * brute-force oracle computed from what the stream really holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ScanCommand, type AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { compareVersions, kinesisRecordId } from '../../lib/core/ordering.ts';
import { decodeOnlineItem, onlineSortKey, type Item } from '../../lib/core/online-item.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { LocalFirehose, localOfflineDir } from '../../lib/local/firehose.ts';
import { localDeadLetterSink, readLocalDeadLetters } from '../../lib/local/dead-letter.ts';
import { KinesisPoller, localLambdaContext } from '../../lib/local/kinesis-poller.ts';
import { createIngestHandler } from '../../lib/ingest/handler.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { MAX_RECORD_BYTES, type PoisonReason } from '../../lib/ingest/record.ts';
import { putRecords } from '../../lib/producer/put-records.ts';
import { kinesisPutter } from '../../lib/producer/kinesis-aws.ts';
import { seeded } from './fakes.ts';

const RECORDS = 100_000;
const KEYS = 60;
const POISON_EVERY = 250;

const { registry } = registryFromModule(defs);
const view = getView(registry, 'airport_departures');

interface Truth {
  readonly recordId: string;
  readonly payload: Buffer;
}

describe('ingestion on the local stack under faults', () => {
  let dataDir: string;
  let stack: LocalStack;
  let firehose: LocalFirehose;
  const poison = new Map<string, PoisonReason>(); // sha256 of payload → expected reason
  const counters = { storms: 0, crashes: 0, duplicates: 0, invocations: 0 };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-ingest-'));
    stack = await startLocalStack({ registry, dataDir, shardsPerStream: 2 });
  });
  afterAll(async () => {
    await firehose?.close();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('converges to the oracle: newest per key online, full history offline, poison in the DLQ', async () => {
    const random = seeded(42);
    const stream = sourceStreamName(stack.names, view.source.stream);

    // --- produce: valid records through the helper, poison raw, interleaved in chunks.
    const base = Date.UTC(2001, 0, 1);
    const valid = (i: number) => ({
      origin: `A${String(Math.floor(random() * KEYS)).padStart(3, '0')}`,
      // Out of order, with ties: ~3 days of minutes, so keys see many equal event_times.
      event_time: base + Math.floor(random() * 4000) * 60_000,
      last_delay: Math.floor(random() * 200) - 20,
      last_destination: random() < 0.1 ? null : `D${i % 97}`,
      last_departed_late: random() < 0.3,
    });
    const poisonPayload = (i: number): [string, PoisonReason] => {
      const good = { ...valid(i), last_destination: `poison-${i}` };
      switch (i % 7) {
        case 0:
          return [`{"origin":"A001","n":${i}`, 'bad-json'];
        case 1:
          return [JSON.stringify({ ...good, last_delay: 'late' }), 'wrong-type'];
        case 2:
          return [JSON.stringify({ ...good, colour: 'red' }), 'unknown-field'];
        case 3:
          return [JSON.stringify({ ...good, origin: undefined }), 'missing-key'];
        case 4:
          return [JSON.stringify({ ...good, record_id: 'mine' }), 'reserved-field'];
        case 5:
          return [JSON.stringify({ ...good, event_time: '2001-01-01 10:00' }), 'bad-event-time'];
        default:
          return [
            JSON.stringify({ ...good, last_destination: 'x'.repeat(MAX_RECORD_BYTES) }),
            'oversized',
          ];
      }
    };
    const putter = kinesisPutter(stack.kinesis);
    const CHUNK = 5_000;
    for (let start = 0; start < RECORDS; start += CHUNK) {
      const chunk = Array.from({ length: CHUNK }, (_, j) => valid(start + j));
      await putRecords(putter, chunk, { registry, names: stack.names, view });
      const bad = Array.from({ length: CHUNK / POISON_EVERY }, (_, j) =>
        poisonPayload(start / POISON_EVERY + j),
      );
      for (const [text, reason] of bad)
        poison.set(createHash('sha256').update(text).digest('hex'), reason);
      await stack.kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: bad.map(([text], j) => ({ Data: Buffer.from(text), PartitionKey: `p${j}` })),
        }),
      );
    }

    // --- faults.
    let storm = false;
    const chance = (normal: number, stormy: number) => random() < (storm ? stormy : normal);
    stack.dynamodb.middlewareStack.add(
      (next) => async (args) => {
        if (chance(0.03, 0.6)) throw named('ProvisionedThroughputExceededException');
        if (chance(0.01, 0.2)) throw named('ThrottlingException');
        if (chance(0.005, 0.05)) throw named('InternalServerError');
        return next(args);
      },
      { step: 'initialize', name: 'injectFaults' },
    );
    firehose = await LocalFirehose.create({
      registry,
      names: stack.names,
      dataDir,
      failEntry: () => chance(0.03, 0.7),
      failCall: () => chance(0.01, 0.3),
    });
    const handler = createIngestHandler({
      registry,
      names: stack.names,
      online: dynamoOnlineWriter(stack.dynamodb, stack.onlineTable),
      offline: firehose,
      deadLetter: localDeadLetterSink(dataDir, { failSend: () => chance(0.03, 0.5) }),
      clock: Date.now,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4 },
      random,
    });
    const context = localLambdaContext('ingest');
    const invoke = async (event: KinesisStreamEvent) => {
      const n = ++counters.invocations;
      storm = n % 7 === 0;
      if (storm) counters.storms++;
      try {
        if (n % 11 === 0) {
          // A crash half-way: the first half is written, then the process dies without a reply.
          counters.crashes++;
          await handler({ Records: event.Records.slice(0, event.Records.length >> 1) }, context);
          throw new Error('injected crash');
        }
        if (n % 13 === 0) {
          counters.duplicates++;
          await handler(event, context);
        }
        return await handler(event, context);
      } finally {
        storm = false;
      }
    };
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: [stream],
      handler: invoke,
      batchSize: 1000,
    });
    const stats = await poller.drain();
    await firehose.flush();
    stack.dynamodb.middlewareStack.remove('injectFaults');
    expect(stats.discarded).toBe(0);
    expect(stats.partialFailures).toBeGreaterThan(0);
    expect(stats.errors).toBe(counters.crashes);

    // --- the oracle, from what the stream really holds (arrival order = record ids).
    const truth = await readStream(stack, stream);
    const validTruth: (Truth & { value: Record<string, unknown> })[] = [];
    const poisonTruth = new Map<string, PoisonReason>();
    for (const t of truth) {
      const reason = poison.get(createHash('sha256').update(t.payload).digest('hex'));
      if (reason) poisonTruth.set(t.recordId, reason);
      else {
        // The producer sends canonical wire JSON: event_time as ISO-8601 UTC.
        const value = JSON.parse(t.payload.toString()) as Record<string, unknown>;
        validTruth.push({
          ...t,
          value: { ...value, event_time: Date.parse(value.event_time as string) },
        });
      }
    }
    expect(validTruth).toHaveLength(RECORDS);
    expect(poisonTruth.size).toBe(RECORDS / POISON_EVERY);

    const newest = new Map<string, (typeof validTruth)[number]>();
    for (const t of validTruth) {
      const key = `s:${t.value.origin as string}`;
      const cur = newest.get(key);
      const version = (x: typeof t) => ({
        eventTime: x.value.event_time as number,
        recordId: x.recordId,
      });
      if (!cur || compareVersions(version(t), version(cur)) > 0) newest.set(key, t);
    }

    // --- online: equals the newest per key.
    const items = await scanAll(stack);
    const online = items
      .filter((i) => (i.sk as { S: string }).S === onlineSortKey(view))
      .map((i) => decodeOnlineItem(view, i));
    expect(online).toHaveLength(newest.size);
    for (const item of online) {
      const want = newest.get(item.entityKey)!;
      expect(item.recordId).toBe(want.recordId);
      expect(item.eventTime).toBe(want.value.event_time);
      expect(item.values).toEqual({
        last_delay: want.value.last_delay,
        last_destination: want.value.last_destination,
        last_departed_late: want.value.last_departed_late,
      });
    }

    // --- offline: after dedup by record id, exactly the history; duplicates are identical.
    const table = `read_parquet('${localOfflineDir(dataDir, view)}/**/*.parquet', hive_partitioning = true)`;
    const conflicts = await stack.duckdb.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM (
         SELECT record_id FROM ${table} GROUP BY record_id
         HAVING count(DISTINCT (origin, event_time, last_delay, last_destination, last_departed_late)) > 1
            OR any_value(event_date) <> any_value(CAST(event_time AS DATE)))`,
    );
    expect(conflicts.getRowObjectsJson()[0]!.n).toBe(0);
    const rows = await stack.duckdb.runAndReadAll(
      `SELECT record_id, any_value(origin) AS origin, epoch_ms(any_value(event_time))::DOUBLE AS event_time,
              any_value(last_delay)::INTEGER AS last_delay, any_value(last_destination) AS last_destination,
              any_value(last_departed_late) AS last_departed_late, count(*)::INTEGER AS copies
       FROM ${table} GROUP BY record_id ORDER BY record_id`,
    );
    const offline = rows.getRowObjectsJson();
    const expected = validTruth
      .map((t) => ({ record_id: t.recordId, ...t.value }))
      .sort((a, b) => (a.record_id < b.record_id ? -1 : 1));
    expect(offline.map(({ copies: _c, ...r }) => r)).toEqual(expected);
    const copies = offline.reduce((n, r) => n + (r.copies as number), 0);
    expect(copies).toBeGreaterThan(RECORDS); // redeliveries happened, and were harmless

    // --- DLQ: exactly the poison records, each with its reason and original payload.
    const letters = await readLocalDeadLetters(dataDir);
    const byId = new Map(letters.map((l) => [l.record_id!, l]));
    expect(new Map([...byId].map(([id, l]) => [id, l.reason]))).toEqual(poisonTruth);
    for (const l of letters) expect(poison.get(l.data_sha256)).toBe(l.reason);

    console.log(
      JSON.stringify({
        records: RECORDS,
        poison: poisonTruth.size,
        poller: stats,
        faults: counters,
        offline_copies: copies,
        dead_letters: letters.length,
      }),
    );
  });
});

function named(name: string): Error {
  const e = new Error(`injected ${name}`);
  e.name = name;
  return e;
}

async function readStream(stack: LocalStack, stream: string): Promise<Truth[]> {
  const out: Truth[] = [];
  const shards = await stack.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards.Shards ?? []) {
    let iterator = (
      await stack.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await stack.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      const records = page.Records ?? [];
      if (records.length === 0) break;
      for (const r of records)
        out.push({
          recordId: kinesisRecordId(shard.ShardId!, r.SequenceNumber!),
          payload: Buffer.from(r.Data!),
        });
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

async function scanAll(stack: LocalStack): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, SdkAttributeValue> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new ScanCommand({ TableName: stack.onlineTable, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
