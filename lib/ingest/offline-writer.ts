/**
 * The offline half of ingestion: every accepted record, one row per view, through Firehose
 * PutRecordBatch into the view's Iceberg table. Calls respect Firehose's limits (500 records,
 * 4 MiB per call); a partial failure retries only the entries Firehose reports as failed.
 */
import {
  backoffDelay,
  isTransientEntryError,
  mapLimit,
  withRetry,
  type RetryWorld,
} from './retry.ts';

/** Firehose PutRecordBatch limits. */
export const FIREHOSE_MAX_RECORDS_PER_CALL = 500;
export const FIREHOSE_MAX_BYTES_PER_CALL = 4 * 1024 * 1024;

/** Structurally Firehose's PutRecordBatch input and output, so the AWS adapter is one call. */
export interface PutRecordBatchInput {
  readonly DeliveryStreamName: string;
  readonly Records: { readonly Data: Uint8Array }[];
}
export interface PutRecordBatchOutput {
  readonly FailedPutCount?: number;
  /** One entry per input record, in order; failed ones carry an ErrorCode. */
  readonly RequestResponses?: readonly {
    readonly RecordId?: string;
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
  }[];
}

/** The offline store as ingestion sees it (Firehose in AWS, a Parquet writer locally). */
export interface OfflineDelivery {
  putRecordBatch(input: PutRecordBatchInput): Promise<PutRecordBatchOutput>;
}

/** One row to deliver, and the batch member it belongs to. */
export interface OfflineEntry<T> {
  readonly data: Uint8Array;
  readonly owner: T;
}

export interface OfflineWriteStats {
  calls: number;
  /** Records sent, resends included. */
  records: number;
  /** Entries resent after a partial failure or a throttled call. */
  retriedEntries: number;
}

/** Splits entries into calls of ≤ 500 records and ≤ 4 MiB. */
export function chunkForFirehose<T>(entries: readonly OfflineEntry<T>[]): OfflineEntry<T>[][] {
  const chunks: OfflineEntry<T>[][] = [];
  let current: OfflineEntry<T>[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.data.byteLength;
    if (
      current.length > 0 &&
      (current.length >= FIREHOSE_MAX_RECORDS_PER_CALL ||
        bytes + size > FIREHOSE_MAX_BYTES_PER_CALL)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Delivers entries to one delivery stream; returns the owners of the entries that could not be
 * delivered after retries (Kinesis must deliver those records again).
 */
export async function deliverOffline<T>(
  delivery: OfflineDelivery,
  deliveryStreamName: string,
  entries: readonly OfflineEntry<T>[],
  options: { readonly concurrency: number; readonly retry: RetryWorld },
  stats: OfflineWriteStats,
): Promise<Set<T>> {
  const failed = new Set<T>();
  await mapLimit(chunkForFirehose(entries), options.concurrency, async (chunk) => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let output: PutRecordBatchOutput;
      try {
        output = await withRetry(
          options.retry,
          () => {
            stats.calls++;
            stats.records += pending.length;
            return delivery.putRecordBatch({
              DeliveryStreamName: deliveryStreamName,
              Records: pending.map((e) => ({ Data: e.data })),
            });
          },
          () => (stats.retriedEntries += pending.length),
        );
      } catch {
        for (const e of pending) failed.add(e.owner);
        return;
      }
      if (!output.FailedPutCount) return;
      const responses = output.RequestResponses ?? [];
      const retry: OfflineEntry<T>[] = [];
      pending.forEach((entry, i) => {
        const code = responses[i]?.ErrorCode;
        // A response list that does not cover an entry says nothing of it: resend to be safe.
        if (code || responses[i] === undefined) {
          if (code && !isTransientEntryError(code)) failed.add(entry.owner);
          else retry.push(entry);
        }
      });
      if (attempt + 1 >= options.retry.policy.maxAttempts) {
        for (const e of retry) failed.add(e.owner);
        return;
      }
      stats.retriedEntries += retry.length;
      pending = retry;
      await options.retry.sleep(backoffDelay(options.retry.policy, attempt, options.retry.random));
    }
  });
  return failed;
}
