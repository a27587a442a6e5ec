/**
 * The one chunked writer: sends entries through a batch API (Firehose PutRecordBatch, Kinesis
 * PutRecords, SQS SendMessageBatch) in calls within the service's limits, and resends only the
 * entries a call did not accept. Every call of a chunk, whether it failed as a whole or in part,
 * spends one attempt of the chunk's retry budget, so an entry is sent at most `maxAttempts`
 * times and the waits are those of one `RetryPolicy` (see `./retry.ts`).
 */
import { FIREHOSE } from '../aws-rules/firehose.ts';
import { KINESIS } from '../aws-rules/kinesis.ts';
import { SQS } from '../aws-rules/sqs.ts';
import {
  backoffDelay,
  isTransientCode,
  isTransientError,
  mapLimit,
  type RetryWorld,
} from './retry.ts';

export interface BatchLimits {
  /** Entries per call. */
  readonly maxEntries: number;
  /** Bytes per call (as `sizeOf` counts them). */
  readonly maxBytes: number;
  /** Bytes per entry; a larger entry is never sent and fails as `EntryTooLarge`. */
  readonly maxEntryBytes: number;
}

/** The per-call limits of the batch APIs skewless writes through (`lib/aws-rules/`). */
export const BATCH_LIMITS = {
  firehose: FIREHOSE.putRecordBatch.value,
  kinesis: KINESIS.putRecords.value,
  sqs: SQS.sendMessageBatch.value,
} as const satisfies Record<string, BatchLimits>;

/** Why one entry was not accepted. */
export interface EntryError {
  readonly code: string;
  readonly message: string;
  /** The thrown error, when the call failed as a whole. */
  readonly cause?: unknown;
}

/**
 * What a call did with each entry of its chunk, in order: `undefined` is accepted. A missing
 * position (a short response) says nothing of that entry, so it is resent.
 */
export type CallOutcome = readonly (EntryError | undefined)[];

/** An entry given up on, with its position in the input and the last error it met. */
export interface UnsentEntry<T> {
  readonly entry: T;
  readonly index: number;
  readonly error: EntryError;
}

export interface ChunkedSendReport<T> {
  /** Entries given up on, in input order. */
  readonly unsent: readonly UnsentEntry<T>[];
  readonly calls: number;
  /** Entries put on the wire, resends included. */
  readonly sentEntries: number;
  /** Entries resent after a whole-call or partial failure. */
  readonly resentEntries: number;
}

export interface ChunkedSendOptions<T> {
  readonly limits: BatchLimits;
  readonly sizeOf: (entry: T) => number;
  /** One call with one chunk; rejects when the call failed as a whole. */
  readonly send: (chunk: readonly T[]) => Promise<CallOutcome>;
  readonly retry: RetryWorld;
  /** Chunks in flight; with 1, each chunk is finished (resends included) before the next. */
  readonly concurrency?: number;
  /** After each call: entries sent in it and entries it accepted. */
  readonly onCall?: (sent: number, accepted: number) => void;
  /** Per-entry codes worth resending. @default isTransientCode */
  readonly isTransient?: (error: EntryError) => boolean;
}

/** Splits entries, in order, into chunks within the limits (an oversized entry alone). */
export function chunkEntries<T>(
  entries: readonly T[],
  limits: Pick<BatchLimits, 'maxEntries' | 'maxBytes'>,
  sizeOf: (entry: T) => number,
): T[][] {
  const chunker = createChunker(limits, sizeOf);
  const chunks: T[][] = [];
  for (const entry of entries) {
    const full = chunker.add(entry);
    if (full) chunks.push(full);
  }
  const last = chunker.end();
  if (last) chunks.push(last);
  return chunks;
}

/** An incremental `chunkEntries`, for entries that arrive one by one (a producer's stream). */
export function createChunker<T>(
  limits: Pick<BatchLimits, 'maxEntries' | 'maxBytes'>,
  sizeOf: (entry: T) => number,
): { add(entry: T): T[] | undefined; end(): T[] | undefined } {
  let current: T[] = [];
  let bytes = 0;
  return {
    /** Adds an entry; returns the chunk it closed when it did not fit there. */
    add(entry) {
      const size = sizeOf(entry);
      let full: T[] | undefined;
      if (
        current.length > 0 &&
        (current.length >= limits.maxEntries || bytes + size > limits.maxBytes)
      ) {
        full = current;
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
      return full;
    },
    /** The last, partly filled chunk. */
    end() {
      const last = current.length > 0 ? current : undefined;
      current = [];
      bytes = 0;
      return last;
    },
  };
}

interface Pending<T> {
  readonly entry: T;
  readonly index: number;
}

/** Sends every entry within the limits, resending only what failed transiently. */
export async function sendInChunks<T>(
  entries: readonly T[],
  options: ChunkedSendOptions<T>,
): Promise<ChunkedSendReport<T>> {
  const report = { unsent: [] as UnsentEntry<T>[], calls: 0, sentEntries: 0, resentEntries: 0 };
  const sendable: Pending<T>[] = [];
  entries.forEach((entry, index) => {
    const size = options.sizeOf(entry);
    if (size <= options.limits.maxEntryBytes) sendable.push({ entry, index });
    else report.unsent.push({ entry, index, error: tooLarge(size, options.limits) });
  });
  const chunks = chunkEntries(sendable, options.limits, (p) => options.sizeOf(p.entry));
  await mapLimit(chunks, options.concurrency ?? 1, (chunk) => sendChunk(chunk, options, report));
  report.unsent.sort((a, b) => a.index - b.index);
  return report;
}

/** One chunk until every entry is accepted, permanently refused, or the attempts run out. */
async function sendChunk<T>(
  chunk: readonly Pending<T>[],
  options: ChunkedSendOptions<T>,
  report: { unsent: UnsentEntry<T>[]; calls: number; sentEntries: number; resentEntries: number },
): Promise<void> {
  const { retry } = options;
  let pending = chunk;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const verdicts = await callOnce(pending, options);
    report.calls++;
    report.sentEntries += pending.length;
    const resend: Pending<T>[] = [];
    const lastErrors: EntryError[] = [];
    verdicts.forEach((v, i) => {
      if (v.kind === 'retry') {
        resend.push(pending[i]!);
        lastErrors.push(v.error);
      } else if (v.kind === 'refuse') report.unsent.push({ ...pending[i]!, error: v.error });
    });
    options.onCall?.(pending.length, verdicts.filter((v) => v.kind === 'ok').length);
    if (resend.length === 0) return;
    if (attempt + 1 >= retry.policy.maxAttempts) {
      resend.forEach((p, i) => report.unsent.push({ ...p, error: lastErrors[i]! }));
      return;
    }
    report.resentEntries += resend.length;
    pending = resend;
    await retry.sleep(backoffDelay(retry.policy, attempt, retry.random));
  }
}

type Verdict =
  { readonly kind: 'ok' } | { readonly kind: 'retry' | 'refuse'; readonly error: EntryError };

const OK: Verdict = { kind: 'ok' };
const NO_RESPONSE: EntryError = {
  code: 'NoResponse',
  message: 'the response said nothing of this entry',
};

/** One call; what it means for each entry: accepted, to resend, or refused for good. */
async function callOnce<T>(
  pending: readonly Pending<T>[],
  options: ChunkedSendOptions<T>,
): Promise<Verdict[]> {
  const isTransient = options.isTransient ?? ((e: EntryError) => isTransientCode(e.code));
  let outcome: CallOutcome;
  try {
    outcome = await options.send(pending.map((p) => p.entry));
  } catch (cause) {
    const error = errorOfCall(cause);
    const verdict: Verdict = { kind: isTransientError(cause) ? 'retry' : 'refuse', error };
    return pending.map(() => verdict);
  }
  return pending.map((_, i): Verdict => {
    if (i >= outcome.length) return { kind: 'retry', error: NO_RESPONSE };
    const error = outcome[i];
    if (error === undefined) return OK;
    return { kind: isTransient(error) ? 'retry' : 'refuse', error };
  });
}

function errorOfCall(cause: unknown): EntryError {
  const e = cause as { name?: unknown; message?: unknown };
  return {
    code: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(cause),
    cause,
  };
}

/**
 * The outcome of a response that lists one result per entry, failed ones with an error code
 * (Firehose `RequestResponses`, Kinesis `Records`).
 */
export function outcomeOfResults(
  entries: number,
  failedCount: number | undefined,
  results: readonly { readonly ErrorCode?: string; readonly ErrorMessage?: string }[] | undefined,
): CallOutcome {
  if (!failedCount) return new Array<undefined>(entries).fill(undefined);
  return (results ?? [])
    .slice(0, entries)
    .map((r) => (r.ErrorCode ? { code: r.ErrorCode, message: r.ErrorMessage ?? '' } : undefined));
}

function tooLarge(size: number, limits: BatchLimits): EntryError {
  return {
    code: 'EntryTooLarge',
    message: `an entry of ${size} bytes is over the ${limits.maxEntryBytes}-byte limit per entry`,
  };
}
