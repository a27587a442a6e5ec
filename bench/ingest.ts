/**
 * `npm run bench -- ingest [records=200000] [batchSize=10000] [naiveRecords=20000]`: flights departures put on kinesalite, then
 * drained by the event-source-mapping poller through the real ingest handler into dynalite and
 * the Firehose stand-in (Parquet flushed at the end, inside the timing). Compared with a naive
 * loop of one unconditional PutItem per record against the same dynalite.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as defs from '../feature_defs/index.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { getView } from '../lib/registry/query.ts';
import { sourceStreamName } from '../lib/core/naming.ts';
import { encodeOnlineItem } from '../lib/core/online-item.ts';
import { kinesisRecordId } from '../lib/core/ordering.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { LocalFirehose } from '../lib/local/firehose.ts';
import { localDeadLetterSink } from '../lib/local/dead-letter.ts';
import { KinesisPoller, localLambdaContext } from '../lib/local/kinesis-poller.ts';
import { flightsRecords } from '../examples/flights/data.ts';
import { createIngestHandler } from '../lib/ingest/handler.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { emptyIngestStats, type IngestStats } from '../lib/ingest/batch.ts';
import { streamSchema, validateRecord } from '../lib/ingest/record.ts';
import { putRecords } from '../lib/producer/put-records.ts';
import { kinesisPutter } from '../lib/producer/kinesis-aws.ts';

const VIEW = 'airport_departures';
/** The naive loop is slow; it runs on a prefix of the records and reports its rate. */
const NAIVE_RECORDS = 20_000;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const wanted = Number(args[0] ?? 200_000);
  const batchSize = Number(args[1] ?? 10_000);
  const naiveCount = Number(args[2] ?? NAIVE_RECORDS);
  const { registry } = registryFromModule(defs);
  const view = getView(registry, VIEW);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-ingest-'));
  const stack = await startLocalStack({ registry, dataDir });
  try {
    // Departures from 2001-01-01 on, as many days as it takes.
    const from = Date.UTC(2001, 0, 1);
    const all = await flightsRecords(stack.duckdb, VIEW, { from, to: from + 30 * 86_400_000 });
    const records = all.slice(0, wanted);
    const stream = sourceStreamName(stack.names, view.source.stream);

    const putStarted = performance.now();
    await putRecords(kinesisPutter(stack.kinesis), records, { registry, names: stack.names, view });
    const putSeconds = (performance.now() - putStarted) / 1000;

    const firehose = await LocalFirehose.create({ registry, names: stack.names, dataDir });
    const totals: IngestStats = emptyIngestStats();
    let handlerMs = 0;
    const handler = createIngestHandler({
      registry,
      names: stack.names,
      online: dynamoOnlineWriter(stack.dynamodb, stack.onlineTable),
      offline: firehose,
      deadLetter: localDeadLetterSink(dataDir),
      clock: Date.now,
      onResult: ({ stats }) => addStats(totals, stats),
    });
    const context = localLambdaContext('ingest');
    const poller = new KinesisPoller({
      kinesis: stack.kinesis,
      streams: [stream],
      batchSize,
      handler: async (event) => {
        const t = performance.now();
        try {
          return await handler(event, context);
        } finally {
          handlerMs += performance.now() - t;
        }
      },
    });
    const started = performance.now();
    const pollerStats = await poller.drain();
    await firehose.close();
    const seconds = (performance.now() - started) / 1000;

    // Naive: one PutItem per record, in arrival order, against the same dynalite (a fresh sort
    // key so it neither helps nor hinders the table state above).
    const schema = streamSchema(registry, view.source.stream);
    const naiveView = { ...view, name: `${view.name}_naive` };
    const naiveRecords = records.slice(0, naiveCount);
    const naiveStarted = performance.now();
    let i = 0;
    for (const raw of naiveRecords) {
      const v = validateRecord(schema, raw);
      if (!v.ok) throw new Error(`invalid flights record ${i}`);
      await stack.dynamodb.send(
        new PutItemCommand({
          TableName: stack.onlineTable,
          Item: encodeOnlineItem(naiveView, {
            ...v.record,
            ingestedAt: Date.now(),
            recordId: kinesisRecordId('shardId-000000000000', String(++i)),
          }),
        }),
      );
    }
    const naiveSeconds = (performance.now() - naiveStarted) / 1000;

    const n = records.length;
    const recordsPerS = n / seconds;
    const naivePerS = naiveRecords.length / naiveSeconds;
    return {
      view: VIEW,
      records: n,
      distinct_keys: new Set(records.map((r) => r.origin)).size,
      batch_size: batchSize,
      seconds: round(seconds),
      records_per_s: Math.round(recordsPerS),
      handler_seconds: round(handlerMs / 1000),
      handler_records_per_s: Math.round(n / (handlerMs / 1000)),
      naive_records: naiveRecords.length,
      naive_seconds: round(naiveSeconds),
      naive_records_per_s: Math.round(naivePerS),
      speedup_vs_naive: round(recordsPerS / naivePerS),
      dynamodb_writes_per_record: round(totals.online.requests / n, 4),
      dynamodb_stale_writes: totals.online.stale,
      firehose_calls: totals.offline.calls,
      firehose_records_per_call: round(totals.offline.records / totals.offline.calls),
      parquet_files: firehose.stats.files,
      invocations: pollerStats.invocations,
      unfinished_reported: totals.unfinished,
      producer_put_seconds: round(putSeconds),
      producer_records_per_s: Math.round(n / putSeconds),
    };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function addStats(into: IngestStats, s: IngestStats): void {
  into.records += s.records;
  into.accepted += s.accepted;
  into.poison += s.poison;
  into.unfinished += s.unfinished;
  for (const k of Object.keys(s.online) as (keyof IngestStats['online'])[])
    into.online[k] += s.online[k];
  for (const k of Object.keys(s.offline) as (keyof IngestStats['offline'])[])
    into.offline[k] += s.offline[k];
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
