/** Firehose adapter of the offline delivery: PutRecordBatch as is. */
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { OfflineDelivery } from './offline-writer.ts';

export function firehoseOfflineDelivery(client: Pick<FirehoseClient, 'send'>): OfflineDelivery {
  return {
    putRecordBatch: (input) =>
      client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: input.DeliveryStreamName,
          Records: input.Records.map((r) => ({ Data: r.Data })),
        }),
      ),
  };
}
