/**
 * The producer helper: validates records against the registry (the ingest Lambda's own check),
 * then puts them on the view's Kinesis stream with PutRecords through the chunked writer
 * (Kinesis's limits, only failed entries resent), partition key = the encoded entity key (so one
 * entity stays on one shard, in order).
 *
 * Kinesis does not promise order between entries of one PutRecords call that are resent after a
 * partial failure; the record id (shard + sequence) then reflects the resend's arrival, which
 * only matters for two records of one entity with the same `event_time`.
 */
import { encodeEntityKey } from '../core/entity-key.ts';
import { SkewlessError } from '../core/errors.ts';
import { sourceStreamName, type ResourceNames } from '../core/naming.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import {
  encodeWireRecord,
  streamSchema,
  validateRecord,
  type RecordProblem,
} from '../ingest/record.ts';
import {
  BATCH_LIMITS,
  createChunker,
  outcomeOfResults,
  sendInChunks,
} from '../core/chunked-send.ts';
import { PRODUCER_RETRY, retryWorld, type RetryPolicy, type RetryWorld } from '../core/retry.ts';

/** Structurally Kinesis's PutRecords, so the AWS adapter is one call. */
export interface PutRecordsInput {
  readonly StreamName: string;
  readonly Records: { readonly Data: Uint8Array; readonly PartitionKey: string }[];
}
export interface PutRecordsOutput {
  readonly FailedRecordCount?: number;
  readonly Records?: readonly {
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
    readonly SequenceNumber?: string;
    readonly ShardId?: string;
  }[];
}
export interface KinesisPutter {
  putRecords(input: PutRecordsInput): Promise<PutRecordsOutput>;
}

/** A record the registry refuses; `index` is its position in the input (0-based). */
export class InvalidRecordError extends SkewlessError {
  constructor(
    readonly index: number,
    readonly problems: readonly RecordProblem[],
  ) {
    super(`record ${index + 1}: ${problems.map((p) => p.message).join('; ')}`);
  }
}

/** Records Kinesis would not take after every retry. */
export class PutRecordsError extends SkewlessError {
  constructor(
    readonly unsent: number,
    readonly lastError: string,
    options?: { cause?: unknown },
  ) {
    super(`${unsent} record(s) were not accepted by Kinesis: ${lastError}`, options);
  }
}

export interface PutProgress {
  readonly sent: number;
  /** Entries resent after a partial failure. */
  readonly retried: number;
  readonly calls: number;
}

export interface PutRecordsOptions {
  readonly registry: Registry;
  readonly names: ResourceNames;
  /** The view whose stream receives the records (validated against all views of the stream). */
  readonly view: RegistryView;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (progress: PutProgress) => void;
}

/** One validated wire record, ready to put. */
export interface PreparedRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

/** Validates one record for a view's stream; throws InvalidRecordError naming the problems. */
export function prepareRecord(
  view: RegistryView,
  registry: Registry,
  record: unknown,
  index: number,
): PreparedRecord {
  const schema = schemaOf(registry, view);
  const v = validateRecord(schema, record);
  if (!v.ok) throw new InvalidRecordError(index, v.problems);
  // An event stream is partitioned by its declared subset of keys (shared by all its views).
  const partitionKey =
    schema.kind === 'events'
      ? encodeEntityKey(
          schema.eventStream.keys.filter((k) => schema.eventStream.partitionKey.includes(k.name)),
          v.record.keys,
        )
      : v.record.entityKey;
  return { data: Buffer.from(encodeWireRecord(v.record)), partitionKey };
}

const schemas = new WeakMap<RegistryView, ReturnType<typeof streamSchema>>();
function schemaOf(registry: Registry, view: RegistryView) {
  let schema = schemas.get(view);
  if (!schema) schemas.set(view, (schema = streamSchema(registry, view.source.stream)));
  return schema;
}

/**
 * Validates and puts records (any iterable, sync or async) on the view's stream. Records are
 * validated per call before anything of that call is sent; an invalid record stops the run
 * with an InvalidRecordError (records before it are already sent).
 * @example
 * await putRecords(kinesisPutter(new KinesisClient({})), rows, { registry, names, view });
 */
export async function putRecords(
  kinesis: KinesisPutter,
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: PutRecordsOptions,
): Promise<PutProgress> {
  const streamName = sourceStreamName(options.names, options.view.source.stream);
  const retry = retryWorld(options.retry ?? PRODUCER_RETRY, { sleep: options.sleep });
  const progress = { sent: 0, retried: 0, calls: 0 };
  const chunker = createChunker(BATCH_LIMITS.kinesis, recordBytes);
  let index = 0;
  for await (const record of records) {
    const full = chunker.add(prepareRecord(options.view, options.registry, record, index++));
    if (full) await sendBatch(kinesis, streamName, full, retry, options, progress);
  }
  const last = chunker.end();
  if (last) await sendBatch(kinesis, streamName, last, retry, options, progress);
  return progress;
}

/** What Kinesis counts against its limits: the data and the partition key. */
function recordBytes(record: PreparedRecord): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey);
}

async function sendBatch(
  kinesis: KinesisPutter,
  streamName: string,
  batch: readonly PreparedRecord[],
  retry: RetryWorld,
  options: PutRecordsOptions,
  progress: { sent: number; retried: number; calls: number },
): Promise<void> {
  const report = await sendInChunks(batch, {
    limits: BATCH_LIMITS.kinesis,
    sizeOf: recordBytes,
    retry,
    send: async (chunk) => {
      const out = await kinesis.putRecords({
        StreamName: streamName,
        Records: chunk.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
      });
      return outcomeOfResults(chunk.length, out.FailedRecordCount, out.Records);
    },
    onCall: (sent, accepted) => {
      progress.calls++;
      progress.sent += accepted;
      options.onProgress?.({ ...progress });
    },
  });
  progress.retried += report.resentEntries;
  const first = report.unsent[0];
  if (first) {
    throw new PutRecordsError(
      report.unsent.length,
      `${first.error.code}: ${first.error.message}`,
      first.error.cause === undefined ? undefined : { cause: first.error.cause },
    );
  }
}
