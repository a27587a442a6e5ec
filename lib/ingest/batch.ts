/**
 * One Kinesis batch in, `{ batchItemFailures }` out: the whole of the ingest Lambda's logic.
 * Each record is validated against every view of its stream, stamped (`ingested_at` from the
 * injected clock, a record id from its shard and sequence number), then written to both stores:
 * the newest record per (entity key, view) to DynamoDB, every record to Firehose. Poison goes to
 * the dead-letter sink. A record is finished when every write it depends on succeeded; the
 * unfinished ones are reported so the event source mapping delivers them again (it resumes from
 * the lowest reported sequence number of the shard, so later records come again too — harmless:
 * online by the condition, offline by record id at read time).
 */
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { createHash } from 'node:crypto';
import { offlineDeliveryStreamName, sourceStreamName, type ResourceNames } from '../core/naming.ts';
import { kinesisRecordId } from '../core/ordering.ts';
import { streamsOf } from '../registry/query.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { MAX_LETTER_PAYLOAD_BYTES, type DeadLetter, type DeadLetterSink } from './dead-letter.ts';
import { offlineRecordData } from './offline-row.ts';
import { deliverOffline, type OfflineDelivery, type OfflineWriteStats } from './offline-writer.ts';
import { planAggregateWrites, writeAggregates } from './aggregate-writer.ts';
import {
  planOnlineWrites,
  writeOnline,
  type OnlineStoreWriter,
  type OnlineWriteStats,
} from './online-writer.ts';
import {
  parseRecord,
  streamSchema,
  type RecordProblem,
  type StreamSchema,
  type ValidRecord,
} from './record.ts';
import { DEFAULT_RETRY, retryWorld, type RetryPolicy, type RetryWorld } from '../core/retry.ts';

/** The world the ingest core runs in: the registry, the three stores, a clock. */
export interface IngestDeps {
  readonly registry: Registry;
  /** Deployment prefix: maps physical stream names to sources, views to delivery streams. */
  readonly names: ResourceNames;
  readonly online: OnlineStoreWriter;
  readonly offline: OfflineDelivery;
  readonly deadLetter: DeadLetterSink;
  /** Epoch ms; stamps `ingested_at`. */
  readonly clock: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** PutItem calls in flight. @default 32 */
  readonly onlineConcurrency?: number;
  /** PutRecordBatch calls in flight per delivery stream. @default 4 */
  readonly offlineConcurrency?: number;
}

export interface IngestStats {
  records: number;
  accepted: number;
  poison: number;
  /** Records reported back to Kinesis as unfinished. */
  unfinished: number;
  online: OnlineWriteStats;
  offline: OfflineWriteStats;
  /**
   * Per view that accepted records: `ingestedAt - max(event_time)` of its records, the
   * freshness the `FeatureAgeMs` metric reports (see `lib/cdk/metrics.ts`).
   */
  freshness: { view: Pick<RegistryView, 'name' | 'version'>; ageMs: number }[];
}

export interface IngestResult {
  readonly response: KinesisStreamBatchResponse;
  readonly stats: IngestStats;
  /** The dead letters stored by this batch. */
  readonly deadLetters: readonly DeadLetter[];
}

interface Member {
  readonly index: number;
  readonly recordId: string;
  readonly record: ValidRecord;
}

interface StreamContext {
  readonly schema: StreamSchema;
  readonly deliveryStreams: ReadonlyMap<RegistryView, string>;
}

const contexts = new WeakMap<Registry, Map<string, Map<string, StreamContext>>>();

/** Physical stream name → its schema and the views' delivery streams, computed once. */
function streamContexts(registry: Registry, names: ResourceNames): Map<string, StreamContext> {
  let byPrefix = contexts.get(registry);
  if (!byPrefix) contexts.set(registry, (byPrefix = new Map()));
  let byStream = byPrefix.get(names.prefix);
  if (!byStream) {
    byStream = new Map();
    for (const stream of streamsOf(registry)) {
      const schema = streamSchema(registry, stream);
      const deliveryStreams = new Map(
        schema.views.map((v) => [v, offlineDeliveryStreamName(names, v)] as const),
      );
      byStream.set(sourceStreamName(names, stream), { schema, deliveryStreams });
    }
    byPrefix.set(names.prefix, byStream);
  }
  return byStream;
}

/** Counters at zero, for a batch of `records` (or a running total). */
export function emptyIngestStats(records = 0): IngestStats {
  return {
    records,
    accepted: 0,
    poison: 0,
    unfinished: 0,
    online: { requests: 0, written: 0, stale: 0, retried: 0, failed: 0 },
    offline: { calls: 0, records: 0, retriedEntries: 0 },
    freshness: [],
  };
}

export async function processKinesisBatch(
  event: KinesisStreamEvent,
  deps: IngestDeps,
): Promise<IngestResult> {
  const retry = retryWorld({ ...DEFAULT_RETRY, ...deps.retry }, deps);
  // One instant per batch: every record of an invocation is stored at the same time.
  const ingestedAt = deps.clock();
  const stats = emptyIngestStats(event.Records.length);
  const unfinished = new Set<number>();
  const letters: { index: number; letter: DeadLetter }[] = [];
  const byStream = new Map<StreamContext, Member[]>();
  const known = streamContexts(deps.registry, deps.names);

  event.Records.forEach((r, index) => {
    const data = Buffer.from(r.kinesis.data, 'base64');
    const shardId = r.eventID.split(':')[0] ?? '';
    const physical = streamNameOfArn(r.eventSourceARN);
    const context = known.get(physical);
    const recordId = kinesisRecordId(shardId, r.kinesis.sequenceNumber);
    if (!context) {
      const problem: RecordProblem = {
        reason: 'unknown-stream',
        message: `stream '${physical}' is not a source of any view under prefix '${deps.names.prefix}'`,
      };
      letters.push({ index, letter: deadLetter(r, data, null, recordId, [problem], ingestedAt) });
      return;
    }
    const parsed = parseRecord(context.schema, data, { now: ingestedAt });
    if (!parsed.ok) {
      const stream = context.schema.stream;
      letters.push({
        index,
        letter: deadLetter(r, data, stream, recordId, parsed.problems, ingestedAt),
      });
      return;
    }
    const members = byStream.get(context) ?? [];
    members.push({ index, recordId, record: parsed.record });
    byStream.set(context, members);
  });

  const storeRejected: { index: number; letter: DeadLetter }[] = [];
  const work: Promise<void>[] = [];
  for (const [context, members] of byStream) {
    stats.accepted += members.length;
    const newest = members.reduce((max, m) => Math.max(max, m.record.eventTime), -Infinity);
    // Names only: the stats are logged per batch, and a whole view definition is kilobytes.
    for (const { name, version } of context.schema.views)
      stats.freshness.push({ view: { name, version }, ageMs: ingestedAt - newest });
    const writeOf = context.schema.eventStream ? writeAggregatesOf : writeOnlineOf;
    work.push(
      writeOf(context, members, deps, retry, ingestedAt, stats, unfinished, (m, error) =>
        storeRejected.push({
          index: m.index,
          letter: deadLetter(
            event.Records[m.index]!,
            Buffer.from(event.Records[m.index]!.kinesis.data, 'base64'),
            context.schema.stream,
            m.recordId,
            [
              {
                reason: 'store-rejected',
                message: `the online store refused the item: ${errorText(error)}`,
              },
            ],
            ingestedAt,
          ),
        }),
      ),
    );
    for (const view of context.schema.views) {
      const entries = members.map((m) => ({
        owner: m.index,
        data: offlineRecordData(view, { ...m.record, ingestedAt, recordId: m.recordId }),
      }));
      work.push(
        deliverOffline(
          deps.offline,
          context.deliveryStreams.get(view)!,
          entries,
          { concurrency: deps.offlineConcurrency ?? 4, retry },
          stats.offline,
        ).then((failed) => failed.forEach((i) => unfinished.add(i))),
      );
    }
  }
  await Promise.all(work);
  // Dead letters go last, and only for records before their shard's first unfinished one:
  // Kinesis delivers everything from that record on again, so a letter now would be a duplicate.
  const firstUnfinished = firstUnfinishedPerShard(event, unfinished);
  const due: { index: number; letter: DeadLetter }[] = [];
  for (const l of [...letters, ...storeRejected]) {
    const first = firstUnfinished.get(l.letter.shard_id);
    if (first !== undefined && l.index > first) unfinished.add(l.index);
    else due.push(l);
  }
  await sendLetters(deps.deadLetter, due, unfinished);

  const stored = due.filter((l) => !unfinished.has(l.index));
  stats.poison = stored.length;
  stats.unfinished = unfinished.size;
  const batchItemFailures = [...unfinished]
    .sort((a, b) => a - b)
    .map((i) => ({ itemIdentifier: event.Records[i]!.kinesis.sequenceNumber }));
  return {
    response: { batchItemFailures },
    stats,
    deadLetters: stored.map((l) => l.letter),
  };
}

function firstUnfinishedPerShard(
  event: KinesisStreamEvent,
  unfinished: ReadonlySet<number>,
): Map<string, number> {
  const first = new Map<string, number>();
  for (const i of unfinished) {
    const shard = event.Records[i]!.eventID.split(':')[0] ?? '';
    const current = first.get(shard);
    if (current === undefined || i < current) first.set(shard, i);
  }
  return first;
}

/**
 * Online writes of one stream's members. A write the store refuses outright dead-letters its
 * winner, and the group is planned again without it, so the next-newest record still lands.
 */
async function writeOnlineOf(
  context: StreamContext,
  members: readonly Member[],
  deps: IngestDeps,
  retry: RetryWorld,
  ingestedAt: number,
  stats: IngestStats,
  unfinished: Set<number>,
  reject: (member: Member, error: unknown) => void,
): Promise<void> {
  const toOnline = (m: Member) => ({
    entityKey: m.record.entityKey,
    eventTime: m.record.eventTime,
    ingestedAt,
    recordId: m.recordId,
    values: m.record.values,
  });
  let rounds: { views: readonly RegistryView[]; members: readonly Member[] }[] = [
    { views: context.schema.views, members },
  ];
  while (rounds.length > 0) {
    const next: typeof rounds = [];
    for (const round of rounds) {
      const plans = planOnlineWrites(round.views, round.members, toOnline);
      const outcomes = await writeOnline(
        deps.online,
        plans,
        { concurrency: deps.onlineConcurrency ?? 32, retry },
        stats.online,
      );
      outcomes.forEach((outcome, i) => {
        const plan = plans[i]!;
        if (outcome.status === 'retry') plan.members.forEach((m) => unfinished.add(m.index));
        else if (outcome.status === 'rejected') {
          const winner = plan.members.find((m) => m.recordId === plan.record.recordId)!;
          reject(winner, outcome.error);
          const rest = plan.members.filter((m) => m !== winner);
          if (rest.length > 0) next.push({ views: [plan.view], members: rest });
        }
      });
    }
    rounds = next;
  }
}

/**
 * Online writes of an event stream's members: one tile-item update per (view entity, view). A
 * store that refuses an item outright (e.g. past DynamoDB's 400 KB) dead-letters the group.
 */
async function writeAggregatesOf(
  context: StreamContext,
  members: readonly Member[],
  deps: IngestDeps,
  retry: RetryWorld,
  ingestedAt: number,
  stats: IngestStats,
  unfinished: Set<number>,
  reject: (member: Member, error: unknown) => void,
): Promise<void> {
  const input = (m: Member) => ({ ...m.record, recordId: m.recordId });
  const plans = planAggregateWrites(context.schema.views, members, input);
  const outcomes = await writeAggregates(
    deps.online,
    plans,
    input,
    { concurrency: deps.onlineConcurrency ?? 32, retry, now: ingestedAt },
    stats.online,
  );
  outcomes.forEach((outcome, i) => {
    const plan = plans[i]!;
    if (outcome.status === 'retry') plan.members.forEach((m) => unfinished.add(m.index));
    else if (outcome.status === 'rejected') plan.members.forEach((m) => reject(m, outcome.error));
  });
}

/** The sink retries its own calls (the SQS adapter through the chunked writer). */
async function sendLetters(
  sink: DeadLetterSink,
  letters: readonly { index: number; letter: DeadLetter }[],
  unfinished: Set<number>,
): Promise<void> {
  if (letters.length === 0) return;
  try {
    await sink.send(letters.map((l) => l.letter));
  } catch {
    for (const l of letters) unfinished.add(l.index);
  }
}

function deadLetter(
  r: KinesisStreamRecord,
  data: Buffer,
  stream: string | null,
  recordId: string | null,
  problems: readonly RecordProblem[],
  failedAt: number,
): DeadLetter {
  const truncated = data.byteLength > MAX_LETTER_PAYLOAD_BYTES;
  return {
    reason: problems[0]!.reason,
    message: problems.map((p) => p.message).join('; '),
    problems,
    stream,
    event_source_arn: r.eventSourceARN,
    shard_id: r.eventID.split(':')[0] ?? '',
    sequence_number: r.kinesis.sequenceNumber,
    partition_key: r.kinesis.partitionKey,
    record_id: recordId,
    approximate_arrival: new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    failed_at: new Date(failedAt).toISOString(),
    data_base64: truncated
      ? data.subarray(0, MAX_LETTER_PAYLOAD_BYTES).toString('base64')
      : r.kinesis.data,
    data_bytes: data.byteLength,
    data_truncated: truncated,
    data_sha256: createHash('sha256').update(data).digest('hex'),
  };
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` → `<name>`. */
export function streamNameOfArn(arn: string): string {
  const at = arn.indexOf(':stream/');
  return at < 0 ? arn : arn.slice(at + ':stream/'.length).split('/')[0]!;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
