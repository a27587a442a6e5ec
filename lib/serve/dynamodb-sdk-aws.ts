/** The online store reader over an SDK v3 `DynamoDBClient` (local tools and tests). */
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BatchGetInput, BatchGetOutput, OnlineStoreReader } from './batch-get.ts';

export function sdkDynamoDbReader(client: Pick<DynamoDBClient, 'send'>): OnlineStoreReader {
  return {
    async batchGetItem(input: BatchGetInput): Promise<BatchGetOutput> {
      // The core's AttributeValue is the SDK's, minus members the online items never use.
      const output = await client.send(new BatchGetItemCommand(input as never));
      return output as unknown as BatchGetOutput;
    },
  };
}
