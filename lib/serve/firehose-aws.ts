/**
 * The inference log's writer into Firehose (`PutRecordBatch`, JSON wire shape). Each record is
 * one JSON line, so the S3 objects Firehose writes are newline-delimited JSON, the same format
 * as the local log. Limits honoured: 500 records and 4 MiB per call, 1000 KiB per record.
 */
import type { InferenceLogRecord } from '../core/inference-log.ts';
import type { InferenceLogWriter } from './inference-log-sink.ts';
import { createAwsJsonClient, type AwsJsonClient } from './aws-json-aws.ts';
import type { CredentialSource } from '../client/sign.ts';

export const FIREHOSE_MAX_RECORDS = 500;
export const FIREHOSE_MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

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

export function createFirehoseClient(options: {
  readonly region: string;
  readonly credentials: CredentialSource;
  readonly endpoint?: string;
}): AwsJsonClient {
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

export function createFirehoseWriter(options: {
  readonly firehose: FirehoseApi;
  readonly deliveryStreamName: string;
}): InferenceLogWriter {
  return {
    maxBatchRecords: FIREHOSE_MAX_RECORDS,
    async write(batch) {
      const failed: number[] = [];
      // Group into calls under 4 MiB; a record over 1000 KiB can never be accepted.
      const calls: { index: number; data: string }[][] = [];
      let current: { index: number; data: string }[] = [];
      let bytes = 0;
      batch.forEach((record: InferenceLogRecord, index) => {
        const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
        if (line.length > FIREHOSE_MAX_RECORD_BYTES) {
          failed.push(index);
          return;
        }
        if (bytes + line.length > FIREHOSE_MAX_BATCH_BYTES && current.length > 0) {
          calls.push(current);
          current = [];
          bytes = 0;
        }
        current.push({ index, data: line.toString('base64') });
        bytes += line.length;
      });
      if (current.length > 0) calls.push(current);
      const results = await Promise.allSettled(
        calls.map((entries) =>
          options.firehose.putRecordBatch({
            DeliveryStreamName: options.deliveryStreamName,
            Records: entries.map((e) => ({ Data: e.data })),
          }),
        ),
      );
      results.forEach((result, c) => {
        const entries = calls[c]!;
        if (result.status === 'rejected') {
          failed.push(...entries.map((e) => e.index));
          return;
        }
        if (!result.value.FailedPutCount) return;
        result.value.RequestResponses?.forEach((r, i) => {
          if (r.ErrorCode) failed.push(entries[i]!.index);
        });
      });
      if (failed.length === batch.length && batch.length > 0) {
        const rejected = results.find((r) => r.status === 'rejected');
        if (rejected) throw (rejected as PromiseRejectedResult).reason;
      }
      return { failed };
    },
  };
}
