/** Kinesis adapter of the producer helper: PutRecords as is. */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisPutter } from './put-records.ts';

export function kinesisPutter(client: Pick<KinesisClient, 'send'>): KinesisPutter {
  return {
    putRecords: (input) =>
      client.send(
        new PutRecordsCommand({
          StreamName: input.StreamName,
          Records: input.Records.map((r) => ({ Data: r.Data, PartitionKey: r.PartitionKey })),
        }),
      ),
  };
}
