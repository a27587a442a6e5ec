/**
 * The inference log's writer into Firehose (`PutRecordBatch`, JSON wire shape). Each record is
 * the JSON row of the log's Iceberg table (`encodeLogRow`, the rows the local log writes too),
 * sent through the chunked writer within Firehose's limits.
 */
import { BATCH_LIMITS, outcomeOfResults, sendInChunks } from '../core/chunked-send.ts';
import { encodeLogRow } from '../core/inference-log.ts';
import { LOOKUP_RETRY, retryWorld } from '../core/retry.ts';
import type { InferenceLogWriter } from './inference-log-sink.ts';
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonEndpoint } from './aws-json-aws.ts';

export interface PutRecordBatchInput {
  readonly DeliveryStreamName: string;
  /** `Data` is base64, as on the wire. */
  readonly Records: readonly { readonly Data: string }[];
}

export interface PutRecordBatchOutput {
  readonly FailedPutCount?: number;
  readonly RequestResponses?: readonly {
    readonly RecordId?: string;
    readonly ErrorCode?: string;
  }[];
}

export interface FirehoseApi {
  putRecordBatch(input: PutRecordBatchInput): Promise<PutRecordBatchOutput>;
}

export function createFirehoseClient(options: AwsJsonEndpoint): AwsJsonClient {
  return createAwsJsonClient({
    ...options,
    service: 'firehose',
    targetPrefix: 'Firehose_20150804',
    jsonVersion: '1.1',
  });
}

export function firehoseApi(client: AwsJsonClient): FirehoseApi {
  return { putRecordBatch: (input) => client.call<PutRecordBatchOutput>('PutRecordBatch', input) };
}

/**
 * One attempt per call: the buffered sink resends what failed (`./inference-log-sink.ts`), so
 * retrying here too would multiply its attempts.
 */
export function createFirehoseWriter(options: {
  readonly firehose: FirehoseApi;
  readonly deliveryStreamName: string;
}): InferenceLogWriter {
  return {
    maxBatchRecords: BATCH_LIMITS.firehose.maxEntries,
    async write(batch) {
      const lines = batch.map((record) =>
        Buffer.from(`${JSON.stringify(encodeLogRow(record))}\n`, 'utf8'),
      );
      const report = await sendInChunks(lines, {
        limits: BATCH_LIMITS.firehose,
        sizeOf: (line) => line.length,
        retry: retryWorld({ ...LOOKUP_RETRY, maxAttempts: 1 }),
        // Calls in parallel: the sink's flush is bounded in time.
        concurrency: Infinity,
        send: async (chunk) => {
          const out = await options.firehose.putRecordBatch({
            DeliveryStreamName: options.deliveryStreamName,
            Records: chunk.map((line) => ({ Data: line.toString('base64') })),
          });
          return outcomeOfResults(chunk.length, out.FailedPutCount, out.RequestResponses);
        },
      });
      const thrown = report.unsent.find((u) => u.error.cause !== undefined);
      if (thrown && report.unsent.length === batch.length) throw thrown.error.cause;
      return { failed: report.unsent.map((u) => u.index) };
    },
  };
}
