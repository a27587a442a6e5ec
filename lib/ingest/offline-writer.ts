/**
 * The offline half of ingestion: every accepted record, one row per view, through Firehose
 * PutRecordBatch into the view's Iceberg table, through the chunked writer (Firehose's limits,
 * only failed entries resent).
 */
import { BATCH_LIMITS, outcomeOfResults, sendInChunks } from '../core/chunked-send.ts';
import type { RetryWorld } from '../core/retry.ts';

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
  const report = await sendInChunks(entries, {
    limits: BATCH_LIMITS.firehose,
    sizeOf: (e) => e.data.byteLength,
    concurrency: options.concurrency,
    retry: options.retry,
    send: async (chunk) => {
      const out = await delivery.putRecordBatch({
        DeliveryStreamName: deliveryStreamName,
        Records: chunk.map((e) => ({ Data: e.data })),
      });
      return outcomeOfResults(chunk.length, out.FailedPutCount, out.RequestResponses);
    },
  });
  stats.calls += report.calls;
  stats.records += report.sentEntries;
  stats.retriedEntries += report.resentEntries;
  return new Set(report.unsent.map((u) => u.entry.owner));
}
