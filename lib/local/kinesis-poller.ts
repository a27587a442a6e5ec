/**
 * The local event source mapping: reads kinesalite shards with the real Kinesis API
 * (ListShards, GetShardIterator, GetRecords) and invokes a handler with real
 * `KinesisStreamEvent` batches, as Lambda's mapping does with `ReportBatchItemFailures`:
 * - batches of up to `batchSize` records, in order per shard, one batch in flight per shard;
 * - a reported failure resumes the shard from the lowest reported sequence number (the records
 *   before it are checkpointed, it and everything after it come again);
 * - a handler that throws gets the batch again, split in halves when `bisectOnError` is set;
 * - after `maxRetryAttempts` the remaining records are discarded (reported to `onDiscard`).
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';

export type KinesisBatchHandler = (
  event: KinesisStreamEvent,
) => Promise<KinesisStreamBatchResponse | void>;

export interface KinesisPollerOptions {
  readonly kinesis: Pick<KinesisClient, 'send'>;
  /** Physical stream names to read. */
  readonly streams: readonly string[];
  readonly handler: KinesisBatchHandler;
  /** Largest batch per invocation (Lambda allows up to 10,000). @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing batch before its records are discarded; -1 = until they succeed (Lambda's default). @default -1 */
  readonly maxRetryAttempts?: number;
  /** @default true */
  readonly bisectOnError?: boolean;
  readonly region?: string;
  readonly accountId?: string;
  /** Called with the records given up after `maxRetryAttempts`. */
  readonly onDiscard?: (records: readonly KinesisStreamRecord[], error: unknown) => void;
}

export interface KinesisPollerStats {
  invocations: number;
  /** Records handed to the handler, redeliveries included. */
  delivered: number;
  /** Invocations that reported at least one failure. */
  partialFailures: number;
  /** Invocations where the handler threw. */
  errors: number;
  discarded: number;
}

interface ShardState {
  readonly stream: string;
  readonly arn: string;
  readonly shardId: string;
  iterator: string | undefined;
  /** Fetched and not yet checkpointed, in sequence order. */
  buffer: KinesisRecord[];
  caughtUp: boolean;
  attempts: number;
  limit: number;
}

/** A Lambda context good enough for local invocations (Powertools reads these fields). */
export function localLambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class KinesisPoller {
  readonly stats: KinesisPollerStats = {
    invocations: 0,
    delivered: 0,
    partialFailures: 0,
    errors: 0,
    discarded: 0,
  };
  private shards: ShardState[] | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: KinesisPollerOptions) {}

  /** Polls until every shard is read to its end and every record is handled (or discarded). */
  async drain(): Promise<KinesisPollerStats> {
    const shards = await this.discover();
    for (const s of shards) s.caughtUp = false;
    for (;;) {
      const worked = await Promise.all(shards.map((s) => this.step(s)));
      if (!worked.some(Boolean)) return this.stats;
    }
  }

  /** Polls continuously (for `npm start`) until `stop()`. */
  start(idleMs = 200): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        await this.drain();
        if (!this.stopping)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, idleMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        this.wake = undefined;
      }
    })();
  }

  /** Stops polling: a poll under way ends first, an idle wait at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /** Ends the idle wait between polls (set while waiting). */
  private wake: (() => void) | undefined;

  private async discover(): Promise<ShardState[]> {
    if (this.shards) return this.shards;
    const region = this.options.region ?? 'us-east-1';
    const account = this.options.accountId ?? '000000000000';
    const shards: ShardState[] = [];
    for (const stream of this.options.streams) {
      let token: string | undefined;
      do {
        const out = await this.options.kinesis.send(
          new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }),
        );
        for (const shard of out.Shards ?? []) {
          const it = await this.options.kinesis.send(
            new GetShardIteratorCommand({
              StreamName: stream,
              ShardId: shard.ShardId!,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          );
          shards.push({
            stream,
            arn: `arn:aws:kinesis:${region}:${account}:stream/${stream}`,
            shardId: shard.ShardId!,
            iterator: it.ShardIterator,
            buffer: [],
            caughtUp: false,
            attempts: 0,
            limit: this.batchSize,
          });
        }
        token = out.NextToken;
      } while (token);
    }
    this.shards = shards;
    return shards;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 100;
  }

  /** One invocation on one shard (after fetching if needed); false when there was nothing to do. */
  private async step(shard: ShardState): Promise<boolean> {
    while (shard.buffer.length < this.batchSize && !shard.caughtUp && shard.iterator) {
      const out = await this.options.kinesis.send(
        new GetRecordsCommand({
          ShardIterator: shard.iterator,
          Limit: Math.min(10_000, Math.max(this.batchSize, 1_000)),
        }),
      );
      shard.iterator = out.NextShardIterator;
      const records = out.Records ?? [];
      shard.buffer.push(...records);
      // kinesalite's MillisBehindLatest is not reliable: only an empty read means caught up.
      if (records.length === 0) shard.caughtUp = true;
    }
    const batch = shard.buffer.slice(0, Math.min(shard.limit, this.batchSize));
    if (batch.length === 0) return false;

    const event: KinesisStreamEvent = { Records: batch.map((r) => toEventRecord(shard, r)) };
    this.stats.invocations++;
    this.stats.delivered += batch.length;
    let response: KinesisStreamBatchResponse | void;
    try {
      response = await this.options.handler(event);
    } catch (error) {
      this.stats.errors++;
      if (this.exhausted(shard)) return this.discard(shard, batch.length, event, error);
      if (this.options.bisectOnError ?? true)
        shard.limit = Math.max(1, Math.ceil(batch.length / 2));
      return true;
    }
    const failedAt = lowestFailure(event, response);
    if (failedAt === undefined) {
      shard.buffer.splice(0, batch.length);
      shard.attempts = 0;
      shard.limit = this.batchSize;
      return true;
    }
    this.stats.partialFailures++;
    shard.buffer.splice(0, failedAt);
    if (this.exhausted(shard))
      return this.discard(shard, batch.length - failedAt, event, 'reported failure');
    return true;
  }

  private exhausted(shard: ShardState): boolean {
    shard.attempts++;
    const max = this.options.maxRetryAttempts ?? -1;
    return max >= 0 && shard.attempts > max;
  }

  private discard(shard: ShardState, count: number, event: KinesisStreamEvent, error: unknown) {
    const dropped = shard.buffer.splice(0, count);
    this.stats.discarded += dropped.length;
    this.options.onDiscard?.(event.Records.slice(event.Records.length - dropped.length), error);
    shard.attempts = 0;
    shard.limit = this.batchSize;
    return true;
  }
}

/** Index of the first record to redeliver, or undefined when the whole batch is done. */
function lowestFailure(
  event: KinesisStreamEvent,
  response: KinesisStreamBatchResponse | void,
): number | undefined {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return undefined;
  let lowest: number | undefined;
  for (const f of failures) {
    const i = event.Records.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier);
    // An identifier that is empty or not in the batch fails the whole batch, as in Lambda.
    const index = i < 0 ? 0 : i;
    lowest = lowest === undefined ? index : Math.min(lowest, index);
  }
  return lowest;
}

function toEventRecord(shard: ShardState, r: KinesisRecord): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey!,
      sequenceNumber: r.SequenceNumber!,
      data: Buffer.from(r.Data!).toString('base64'),
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard.shardId}:${r.SequenceNumber!}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/skewless-local-ingest',
    awsRegion: shard.arn.split(':')[3]!,
    eventSourceARN: shard.arn,
  };
}
