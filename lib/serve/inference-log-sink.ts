/**
 * The inference-log sidecar: the lookup hands each served vector to `enqueue`, which only
 * buffers (it never awaits, never throws). Batches go to a writer (Firehose in AWS, JSON lines
 * locally) off the response path; failed entries are retried a bounded number of times and what
 * still fails is counted and reported through `onFailure`, never thrown into a lookup.
 */
import { sendInChunks, type EntryError } from '../core/chunked-send.ts';
import type { InferenceLogRecord } from '../core/inference-log.ts';
import { LOOKUP_RETRY, retryWorld, type RetryWorld } from '../core/retry.ts';

export interface InferenceLogWriter {
  /** Largest batch the writer takes in one call (Firehose PutRecordBatch: 500). */
  readonly maxBatchRecords: number;
  /**
   * Writes one batch; resolves with the positions (in `batch`) of the records that were not
   * accepted, so only those are retried. Rejects when nothing was written.
   */
  write(batch: readonly InferenceLogRecord[]): Promise<{ readonly failed: readonly number[] }>;
}

export interface InferenceLogSink {
  /** Buffers records and returns at once. */
  enqueue(records: readonly InferenceLogRecord[]): void;
  /**
   * Sends what is buffered. With `timeoutMs`, resolves after at most that long; records still
   * in flight then keep going in the background (and are counted as `pending`).
   */
  flush(options?: { timeoutMs?: number }): Promise<FlushReport>;
  /** Flushes everything and stops the timer. */
  close(): Promise<void>;
  readonly stats: Readonly<SinkStats>;
}

export interface FlushReport {
  readonly sent: number;
  readonly failed: number;
  /** Records still buffered or in flight when the flush returned (a timeout). */
  readonly pending: number;
}

export interface SinkStats {
  sent: number;
  failed: number;
  dropped: number;
}

export interface BufferedSinkOptions {
  readonly writer: InferenceLogWriter;
  /** Attempts per record, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** Records kept at most; past it the oldest are dropped (and counted). @default 10000 */
  readonly maxBuffered?: number;
  /** Background flush period; none in Lambda (it flushes per invocation). */
  readonly flushIntervalMs?: number;
  /** Called with the count of records given up on (failed after retries, or dropped). */
  readonly onFailure?: (count: number, reason: unknown) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const NOT_ACCEPTED: EntryError = { code: 'NotAccepted', message: 'rejected by the writer' };

export function createBufferedSink(options: BufferedSinkOptions): InferenceLogSink {
  const { writer } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const maxBuffered = options.maxBuffered ?? 10_000;
  const retry = retryWorld({ ...LOOKUP_RETRY, maxAttempts }, { sleep: options.sleep });
  const stats: SinkStats = { sent: 0, failed: 0, dropped: 0 };
  let buffer: InferenceLogRecord[] = [];
  let inFlight = 0;
  let draining: Promise<void> | undefined;

  const giveUp = (count: number, reason: unknown) => {
    if (count === 0) return;
    try {
      options.onFailure?.(count, reason);
    } catch {
      // A broken failure hook must not break the sidecar either.
    }
  };
  const send = (records: readonly InferenceLogRecord[]) =>
    sendToWriter(writer, records, retry, stats, giveUp);

  async function drain(): Promise<void> {
    while (buffer.length > 0) {
      const taken = buffer;
      buffer = [];
      inFlight += taken.length;
      try {
        await send(taken);
      } finally {
        inFlight -= taken.length;
      }
    }
  }

  function startDrain(): Promise<void> {
    draining ??= drain().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  const timer =
    options.flushIntervalMs === undefined
      ? undefined
      : setInterval(() => void startDrain(), options.flushIntervalMs);
  timer?.unref();

  return {
    stats,
    enqueue(records) {
      for (const r of records) buffer.push(r);
      const excess = buffer.length - maxBuffered;
      if (excess > 0) {
        buffer.splice(0, excess);
        stats.dropped += excess;
        giveUp(excess, `buffer full (${maxBuffered} records)`);
      }
      if (timer && buffer.length >= writer.maxBatchRecords) void startDrain();
    },
    async flush({ timeoutMs } = {}) {
      const before = { ...stats };
      // A drain already running may have started before the newest records arrived.
      const run = (async () => {
        while (draining || buffer.length > 0) await startDrain();
      })();
      await (timeoutMs === undefined ? run : settleWithin(run, timeoutMs));
      return {
        sent: stats.sent - before.sent,
        failed: stats.failed - before.failed,
        pending: buffer.length + inFlight,
      };
    },
    async close() {
      if (timer) clearInterval(timer);
      while (draining || buffer.length > 0) await startDrain();
    },
  };
}

/** Sends batches of the writer's size, resending only the records it did not accept. */
async function sendToWriter(
  writer: InferenceLogWriter,
  records: readonly InferenceLogRecord[],
  retry: RetryWorld,
  stats: SinkStats,
  giveUp: (count: number, reason: unknown) => void,
): Promise<void> {
  const report = await sendInChunks(records, {
    limits: { maxEntries: writer.maxBatchRecords, maxBytes: Infinity, maxEntryBytes: Infinity },
    sizeOf: () => 0,
    retry,
    concurrency: Infinity,
    send: async (batch) => {
      const outcome: (EntryError | undefined)[] = batch.map(() => undefined);
      for (const i of (await writer.write(batch)).failed) outcome[i] = NOT_ACCEPTED;
      return outcome;
    },
    // The writer names no cause for a record it did not take: each gets its attempts.
    isTransient: () => true,
    onCall: (_, accepted) => (stats.sent += accepted),
  });
  const first = report.unsent[0];
  if (first) {
    stats.failed += report.unsent.length;
    giveUp(report.unsent.length, first.error.cause ?? first.error.message);
  }
}

/** Resolves when `work` does or after `ms`, whichever comes first; `work` keeps going. */
async function settleWithin(work: Promise<void>, ms: number): Promise<void> {
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timeout = setTimeout(resolve, ms)))]);
  clearTimeout(timeout);
}
