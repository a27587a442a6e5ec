/**
 * `npm run bench -- items [days=3] [batchWindowS=1]`: the online item sizes and DynamoDB write
 * units the aggregation views really cost. Flights departures (the `flights` stream) go in time
 * order through the real ingest handler into dynalite, in the batches Lambda would hand it: the
 * records of one batching window (`maxBatchingWindow`, at most `batchSize`), with the clock at
 * the window's end. Every PutItem is sized by DynamoDB's rules (`dynamoItemBytes`) and billed as
 * DynamoDB bills it (the larger of the old and new item, per started 1 KB).
 *
 * It also prices one alternative layout from the same writes: each item split in two, the
 * current hour's tiles (rewritten by every batch) apart from the older ones (rewritten only
 * when they change: a tile closing, a late event), read together by the same BatchGetItem.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import * as defs from '../feature_defs/index.ts';
import {
  dynamoItemBytes,
  readUnits,
  writeUnits,
  type SizedAttribute,
} from '../lib/aws-rules/dynamodb.ts';
import { sourceStreamName } from '../lib/core/naming.ts';
import type { Item } from '../lib/core/online-item.ts';
import { decodeTileItem, type TileState } from '../lib/core/tile-state.ts';
import { INGEST_DEFAULTS } from '../lib/cdk/feature-store-defaults.ts';
import { startLocalIngest } from '../lib/local/ingest.ts';
import { flightsRecords } from '../examples/flights/data.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { prepareRecord } from '../lib/producer/put-records.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { getView } from '../lib/registry/query.ts';

const HOUR = 3_600_000;
const SHARD = 'shardId-000000000000';
const SEQUENCE_BASE = 49_600_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

interface ViewFigures {
  puts: number;
  units: number;
  /** The consistent GetItem before each rewrite (read-modify-write). */
  readUnits: number;
  splitUnits: number;
  sizes: number[];
  jsonSizes: number[];
  recentSizes: number[];
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const days = Number(args[0] ?? 3);
  const windowMs = Number(args[1] ?? INGEST_DEFAULTS.maxBatchingWindow.toSeconds()) * 1000;
  const { registry } = registryFromModule(defs);
  const view = getView(registry, 'airport_delays');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-items-'));
  const stack = await startLocalStack({ registry, dataDir });
  let now = 0;
  const figures = new Map<string, ViewFigures>();
  const last = new Map<string, { bytes: number; history: string }>();
  stack.dynamodb.middlewareStack.add(
    (next) => async (input) => {
      const cmd = input.input as { Item?: Item };
      if (cmd.Item && 'tiles' in cmd.Item) recordPut(cmd.Item, now, figures, last);
      return next(input);
    },
    { step: 'initialize', name: 'itemSizes' },
  );
  try {
    const from = Date.UTC(2001, 0, 1);
    const records = await flightsRecords(stack.duckdb, 'airport_delays', {
      from,
      to: from + days * 24 * HOUR,
    });
    let accepted = 0;
    const ingest = await startLocalIngest(stack, {
      clock: () => now,
      onResult: ({ stats }) => (accepted += stats.accepted),
    });
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${sourceStreamName(stack.names, view.source.stream)}`;
    let seq = 0;
    let batches = 0;
    for (let i = 0; i < records.length;) {
      const start = Number(records[i]!.event_time);
      const batch: KinesisStreamRecord[] = [];
      while (
        i < records.length &&
        batch.length < INGEST_DEFAULTS.batchSize &&
        Number(records[i]!.event_time) < start + windowMs
      ) {
        batch.push(eventRecord(prepareRecord(view, registry, records[i], i), ++seq, arn));
        i++;
      }
      now = start + windowMs;
      const event: KinesisStreamEvent = { Records: batch };
      const response = await ingest.handler(event, {} as never);
      // A record the handler did not finish would make the figures lie: stop.
      if (response && response.batchItemFailures.length > 0)
        throw new Error(
          `batch ${batches}: ${response.batchItemFailures.length} records unfinished`,
        );
      batches++;
    }
    await ingest.stop();
    if (accepted !== records.length)
      throw new Error(`${records.length - accepted} records not accepted`);
    return summarize(records.length, batches, days, windowMs, figures);
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function eventRecord(
  r: { data: Uint8Array; partitionKey: string },
  seq: number,
  arn: string,
): KinesisStreamRecord {
  // Kinesis sequence numbers: 56 digits, increasing within a shard.
  const sequenceNumber = String(SEQUENCE_BASE + BigInt(seq));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber,
      data: Buffer.from(r.data).toString('base64'),
      approximateArrivalTimestamp: 0,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${SHARD}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
    awsRegion: 'us-east-1',
    eventSourceARN: arn,
  };
}

/** Bills one PutItem as it is, and as the two items of the split layout would be. */
function recordPut(
  item: Item,
  now: number,
  figures: Map<string, ViewFigures>,
  last: Map<string, { bytes: number; history: string }>,
): void {
  const key = `${JSON.stringify(item.pk)}|${JSON.stringify(item.sk)}`;
  const viewName = (item.sk as { S: string }).S.split('#')[0]!;
  const f = (figures.get(viewName) ??
    figures
      .set(viewName, {
        puts: 0,
        units: 0,
        readUnits: 0,
        splitUnits: 0,
        sizes: [],
        jsonSizes: [],
        recentSizes: [],
      })
      .get(viewName))!;
  const bytes = dynamoItemBytes(item as Record<string, SizedAttribute>);
  const before = last.get(key);
  f.puts++;
  f.units += writeUnits(bytes, before?.bytes ?? 0);
  f.readUnits += readUnits(before?.bytes ?? 0, 'strong');
  f.sizes.push(bytes);
  f.jsonSizes.push(Buffer.byteLength(JSON.stringify(item)));
  // The split: tiles of the current hour (and the marks, pending events, ids) in one item,
  // older tiles in another, rewritten only when their content changes.
  const { state } = decodeTileItem(item);
  const { recent, history } = splitState(state, now);
  const recentItem = { ...item, tiles: { S: JSON.stringify(recent) } };
  const recentBytes = dynamoItemBytes(recentItem as Record<string, SizedAttribute>);
  const historyJson = JSON.stringify(history);
  const historyBytes = dynamoItemBytes({
    pk: item.pk!,
    sk: { S: `${(item.sk as { S: string }).S}#history` },
    tiles: { S: historyJson },
  } as Record<string, SizedAttribute>);
  f.recentSizes.push(recentBytes);
  f.splitUnits += writeUnits(recentBytes);
  if (before?.history !== historyJson) f.splitUnits += writeUnits(historyBytes);
  last.set(key, { bytes, history: historyJson });
}

function splitState(
  state: TileState,
  now: number,
): { recent: TileState; history: TileState['tiles'] } {
  const hour = Math.floor(now / HOUR) * HOUR - HOUR;
  const recent: TileState = { ...state, tiles: {} };
  const history: TileState['tiles'] = {};
  for (const [feature, tiles] of Object.entries(state.tiles)) {
    for (const [start, partial] of Object.entries(tiles)) {
      const side =
        Number(start) >= hour ? (recent.tiles[feature] ??= {}) : (history[feature] ??= {});
      side[start] = partial;
    }
  }
  return { recent, history };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function summarize(
  records: number,
  batches: number,
  days: number,
  windowMs: number,
  figures: Map<string, ViewFigures>,
): Record<string, unknown> {
  const views = Object.fromEntries(
    [...figures].map(([name, f]) => {
      const sizes = [...f.sizes].sort((a, b) => a - b);
      const json = [...f.jsonSizes].sort((a, b) => a - b);
      const recent = [...f.recentSizes].sort((a, b) => a - b);
      return [
        name,
        {
          item_rewrites: f.puts,
          item_bytes_p50: quantile(sizes, 0.5),
          item_bytes_p99: quantile(sizes, 0.99),
          item_bytes_max: sizes.at(-1),
          item_json_bytes_p50: quantile(json, 0.5),
          item_json_bytes_p99: quantile(json, 0.99),
          read_units_p50: readUnits(quantile(sizes, 0.5), 'eventual'),
          write_units: f.units,
          write_units_per_record: round(f.units / records),
          ingest_read_units_per_record: round(f.readUnits / records),
          split_recent_bytes_p50: quantile(recent, 0.5),
          split_write_units: f.splitUnits,
          split_write_units_per_record: round(f.splitUnits / records),
        },
      ];
    }),
  );
  const total = [...figures.values()].reduce((n, f) => n + f.units, 0);
  const split = [...figures.values()].reduce((n, f) => n + f.splitUnits, 0);
  const reads = [...figures.values()].reduce((n, f) => n + f.readUnits, 0);
  return {
    records,
    days,
    batching_window_ms: windowMs,
    batches,
    records_per_batch: round(records / batches),
    views,
    aggregation_write_units_per_record: round(total / records),
    aggregation_ingest_read_units_per_record: round(reads / records),
    split_write_units_per_record: round(split / records),
    split_saving: round(1 - split / total),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
