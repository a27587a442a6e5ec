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
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { ResourceNames } from '../core/naming.ts';
import { kinesisRecordId } from '../core/ordering.ts';
import { assertNever } from '../define/dtypes.ts';
import type {
  AggregationRegistryView,
  PlainRegistryView,
  Registry,
  RegistryView,
} from '../registry/types.ts';
import {
  firstUnfinishedPerShard,
  shardOf,
  streamContexts,
  streamNameOfArn,
  type StreamContext,
} from './stream-context.ts';
import { deadLetterOf, type DeadLetter, type DeadLetterSink } from './dead-letter.ts';
import { offlineRecordData } from './offline-row.ts';
import { deliverOffline, type OfflineDelivery, type OfflineWriteStats } from './offline-writer.ts';
import { planAggregateWrites, writeAggregates } from './aggregate-writer.ts';
import {
  planOnlineWrites,
  writeOnline,
  type OnlineStoreWriter,
  type OnlineWriteStats,
} from './online-writer.ts';
import { parseRecord, type RecordProblem, type ValidRecord } from './record.ts';
import {
  DEFAULT_RETRY,
  retryWorld,
  withRetry,
  type RetryPolicy,
  type RetryWorld,
} from '../core/retry.ts';
import type { Item } from '../core/online-item.ts';
import { refuseForgotten } from './forgotten.ts';

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

/** One batch's world and running state, handed to each step. */
interface BatchRun {
  readonly event: KinesisStreamEvent;
  readonly deps: IngestDeps;
  readonly retry: RetryWorld;
  /** One instant per batch: every record of an invocation is stored at the same time. */
  readonly ingestedAt: number;
  readonly stats: IngestStats;
  /** Positions of the records Kinesis must deliver again. */
  readonly unfinished: Set<number>;
}

type Letter = { readonly index: number; readonly letter: DeadLetter };

export async function processKinesisBatch(
  event: KinesisStreamEvent,
  deps: IngestDeps,
): Promise<IngestResult> {
  const run: BatchRun = {
    event,
    deps,
    retry: retryWorld({ ...DEFAULT_RETRY, ...deps.retry }, deps),
    ingestedAt: deps.clock(),
    stats: emptyIngestStats(event.Records.length),
    unfinished: new Set<number>(),
  };
  const { poison, byStream } = validateRecords(run);
  const read = (keys: readonly Item[]) => withRetry(run.retry, () => deps.online.getItems(keys));
  const forgotten = await refuseForgotten(
    deps.registry,
    { byStream, poison },
    read,
    event.Records,
    run.ingestedAt,
  );
  poison.push(...forgotten.letters);
  for (const i of forgotten.unfinished) run.unfinished.add(i);
  const storeRejected = await writeStores(run, byStream);
  const stored = await storeDeadLetters(run, [...poison, ...storeRejected]);
  run.stats.poison = stored.length;
  run.stats.unfinished = run.unfinished.size;
  const batchItemFailures = [...run.unfinished]
    .sort((a, b) => a - b)
    .map((i) => ({ itemIdentifier: event.Records[i]!.kinesis.sequenceNumber }));
  return {
    response: { batchItemFailures },
    stats: run.stats,
    deadLetters: stored.map((l) => l.letter),
  };
}

/** Parses each record against its stream's schema: members per stream, or a dead letter. */
function validateRecords(run: BatchRun): {
  poison: Letter[];
  byStream: Map<StreamContext, Member[]>;
} {
  const { deps, ingestedAt } = run;
  const known = streamContexts(deps.registry, deps.names);
  const poison: Letter[] = [];
  const byStream = new Map<StreamContext, Member[]>();
  run.event.Records.forEach((r, index) => {
    const physical = streamNameOfArn(r.eventSourceARN);
    const context = known.get(physical);
    const recordId = kinesisRecordId(shardOf(r), r.kinesis.sequenceNumber);
    const data = Buffer.from(r.kinesis.data, 'base64');
    if (!context) {
      const problem: RecordProblem = {
        reason: 'unknown-stream',
        message: `stream '${physical}' is not a source of any view under prefix '${deps.names.prefix}'`,
      };
      poison.push({ index, letter: deadLetterOf(r, data, null, recordId, [problem], ingestedAt) });
      return;
    }
    const parsed = parseRecord(context.schema, data, { now: ingestedAt });
    if (!parsed.ok) {
      const letter = deadLetterOf(
        r,
        data,
        context.schema.stream,
        recordId,
        parsed.problems,
        ingestedAt,
      );
      poison.push({ index, letter });
      return;
    }
    const members = byStream.get(context) ?? [];
    members.push({ index, recordId, record: parsed.record });
    byStream.set(context, members);
  });
  return { poison, byStream };
}

/**
 * Writes each stream's members to both stores at once; returns the dead letters of the records
 * the online store refused outright.
 */
async function writeStores(
  run: BatchRun,
  byStream: ReadonlyMap<StreamContext, readonly Member[]>,
): Promise<Letter[]> {
  const { stats, ingestedAt } = run;
  const storeRejected: Letter[] = [];
  const work: Promise<void>[] = [];
  for (const [context, members] of byStream) {
    stats.accepted += members.length;
    const newest = members.reduce((max, m) => Math.max(max, m.record.eventTime), -Infinity);
    // Names only: the stats are logged per batch, and a whole view definition is kilobytes.
    for (const { name, version } of context.schema.views)
      stats.freshness.push({ view: { name, version }, ageMs: ingestedAt - newest });
    const reject = (m: Member, error: unknown) =>
      storeRejected.push({ index: m.index, letter: storeRejectedLetter(run, context, m, error) });
    const schema = context.schema;
    switch (schema.kind) {
      case 'events':
        work.push(writeAggregatesOf(run, schema.views, members, reject));
        break;
      case 'plain':
        work.push(writeOnlineOf(run, schema.views, members, reject));
        break;
      default:
        assertNever(schema, 'stream kind');
    }
    for (const view of context.schema.views) work.push(writeOffline(run, context, view, members));
  }
  await Promise.all(work);
  return storeRejected;
}

/** Every member as one row of `view`'s offline table; undelivered rows leave their records unfinished. */
async function writeOffline(
  run: BatchRun,
  context: StreamContext,
  view: RegistryView,
  members: readonly Member[],
): Promise<void> {
  const entries = members.map((m) => ({
    owner: m.index,
    data: offlineRecordData(view, {
      ...m.record,
      ingestedAt: run.ingestedAt,
      recordId: m.recordId,
    }),
  }));
  const failed = await deliverOffline(
    run.deps.offline,
    context.deliveryStreams.get(view)!,
    entries,
    { concurrency: run.deps.offlineConcurrency ?? 4, retry: run.retry },
    run.stats.offline,
  );
  for (const i of failed) run.unfinished.add(i);
}

function storeRejectedLetter(
  run: BatchRun,
  context: StreamContext,
  member: Member,
  error: unknown,
): DeadLetter {
  const r = run.event.Records[member.index]!;
  const problem: RecordProblem = {
    reason: 'store-rejected',
    message: `the online store refused the item: ${errorText(error)}`,
  };
  const data = Buffer.from(r.kinesis.data, 'base64');
  return deadLetterOf(r, data, context.schema.stream, member.recordId, [problem], run.ingestedAt);
}

/**
 * Dead letters go last, and only for records before their shard's first unfinished one: Kinesis
 * delivers everything from that record on again, so a letter now would be a duplicate. Returns
 * the letters stored.
 */
async function storeDeadLetters(run: BatchRun, letters: readonly Letter[]): Promise<Letter[]> {
  const firstUnfinished = firstUnfinishedPerShard(run.event, run.unfinished);
  const due: Letter[] = [];
  for (const l of letters) {
    const first = firstUnfinished.get(l.letter.shard_id);
    if (first !== undefined && l.index > first) run.unfinished.add(l.index);
    else due.push(l);
  }
  await sendLetters(run.deps.deadLetter, due, run.unfinished);
  return due.filter((l) => !run.unfinished.has(l.index));
}

/** The online writes of one stream's members; a record the store refuses goes to `reject`. */
type OnlineWrites<V extends RegistryView> = (
  run: BatchRun,
  views: readonly V[],
  members: readonly Member[],
  reject: (member: Member, error: unknown) => void,
) => Promise<void>;

/**
 * Online writes of one stream's members. A write the store refuses outright dead-letters its
 * winner, and the group is planned again without it, so the next-newest record still lands.
 */
const writeOnlineOf: OnlineWrites<PlainRegistryView> = async (run, views, members, reject) => {
  const { deps, retry, ingestedAt, stats, unfinished } = run;
  const toOnline = (m: Member) => ({
    entityKey: m.record.entityKey,
    eventTime: m.record.eventTime,
    ingestedAt,
    recordId: m.recordId,
    values: m.record.values,
  });
  let rounds: { views: readonly PlainRegistryView[]; members: readonly Member[] }[] = [
    { views, members },
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
      settle(plans, outcomes, unfinished, (plan, error) => {
        const winner = plan.members.find((m) => m.recordId === plan.record.recordId)!;
        reject(winner, error);
        const rest = plan.members.filter((m) => m !== winner);
        if (rest.length > 0) next.push({ views: [plan.view], members: rest });
      });
    }
    rounds = next;
  }
};

/**
 * Online writes of an event stream's members: one tile-item update per (view entity, view). A
 * store that refuses an item outright (e.g. past DynamoDB's 400 KB) dead-letters the group.
 */
const writeAggregatesOf: OnlineWrites<AggregationRegistryView> = async (
  run,
  views,
  members,
  reject,
) => {
  const { deps, retry, ingestedAt, stats, unfinished } = run;
  const input = (m: Member) => ({ ...m.record, recordId: m.recordId });
  const plans = planAggregateWrites(views, members, input);
  const outcomes = await writeAggregates(
    deps.online,
    plans,
    input,
    { concurrency: deps.onlineConcurrency ?? 32, retry, now: ingestedAt },
    stats.online,
  );
  settle(plans, outcomes, unfinished, (plan, error) =>
    plan.members.forEach((m) => reject(m, error)),
  );
};

/**
 * What the online writes left to do: a write still failing leaves its records unfinished (Kinesis
 * delivers them again); a write the store refused goes to `onRejected`.
 */
function settle<P extends { readonly members: readonly Member[] }>(
  plans: readonly P[],
  outcomes: readonly { readonly status: string; readonly error?: unknown }[],
  unfinished: Set<number>,
  onRejected: (plan: P, error: unknown) => void,
): void {
  outcomes.forEach((outcome, i) => {
    const plan = plans[i]!;
    if (outcome.status === 'retry') plan.members.forEach((m) => unfinished.add(m.index));
    else if (outcome.status === 'rejected') onRejected(plan, outcome.error);
  });
}

/** The sink retries its own calls (the SQS adapter through the chunked writer). */
async function sendLetters(
  sink: DeadLetterSink,
  letters: readonly Letter[],
  unfinished: Set<number>,
): Promise<void> {
  if (letters.length === 0) return;
  try {
    await sink.send(letters.map((l) => l.letter));
  } catch {
    for (const l of letters) unfinished.add(l.index);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
