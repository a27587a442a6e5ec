/**
 * The producer helper: validates records against the registry (the ingest Lambda's own check),
 * then puts them on the view's Kinesis stream with PutRecords — ≤ 500 entries and ≤ 5 MiB per
 * call, partition key = the encoded entity key (so one entity stays on one shard, in order) —
 * resending only the entries Kinesis reports as failed, with backoff.
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
  DEFAULT_RETRY,
  backoffDelay,
  isTransientEntryError,
  realSleep,
  withRetry,
  type RetryPolicy,
} from '../ingest/retry.ts';

export const KINESIS_MAX_RECORDS_PER_CALL = 500;
export const KINESIS_MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

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
  const raw = schema.eventStream;
  const partitionKey = raw
    ? encodeEntityKey(
        raw.keys.filter((k) => raw.partitionKey.includes(k.name)),
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
  const progress = { sent: 0, retried: 0, calls: 0 };
  let batch: PreparedRecord[] = [];
  let bytes = 0;
  let index = 0;
  for await (const record of records) {
    const prepared = prepareRecord(options.view, options.registry, record, index++);
    const size = prepared.data.byteLength + Buffer.byteLength(prepared.partitionKey);
    if (
      batch.length >= KINESIS_MAX_RECORDS_PER_CALL ||
      (batch.length > 0 && bytes + size > KINESIS_MAX_BYTES_PER_CALL)
    ) {
      await sendBatch(kinesis, streamName, batch, options, progress);
      batch = [];
      bytes = 0;
    }
    batch.push(prepared);
    bytes += size;
  }
  if (batch.length > 0) await sendBatch(kinesis, streamName, batch, options, progress);
  return progress;
}

async function sendBatch(
  kinesis: KinesisPutter,
  streamName: string,
  batch: readonly PreparedRecord[],
  options: PutRecordsOptions,
  progress: { sent: number; retried: number; calls: number },
): Promise<void> {
  const policy = options.retry ?? { ...DEFAULT_RETRY, maxAttempts: 10 };
  const world = { policy, random: Math.random, sleep: options.sleep ?? realSleep };
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const out = await withRetry(world, () => {
      progress.calls++;
      return kinesis.putRecords({
        StreamName: streamName,
        Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
      });
    }).catch((error: unknown) => {
      throw new PutRecordsError(pending.length, (error as Error).message, { cause: error });
    });
    const results = out.Records ?? [];
    const failed = out.FailedRecordCount
      ? pending.filter((_, i) => results[i]?.ErrorCode || !results[i])
      : [];
    progress.sent += pending.length - failed.length;
    options.onProgress?.({ ...progress });
    if (failed.length === 0) return;
    const firstError = results.find((r) => r.ErrorCode);
    const permanent = firstError?.ErrorCode && !isTransientEntryError(firstError.ErrorCode);
    if (permanent || attempt + 1 >= policy.maxAttempts)
      throw new PutRecordsError(
        failed.length,
        `${firstError?.ErrorCode ?? 'unknown'}: ${firstError?.ErrorMessage ?? ''}`,
      );
    progress.retried += failed.length;
    pending = failed;
    await world.sleep(backoffDelay(policy, attempt, world.random));
  }
}
