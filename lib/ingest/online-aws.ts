/** DynamoDB adapter of the online writer: a conditional PutItem on the online table. */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item } from '../core/online-item.ts';
import type { ConditionalPut, OnlineStoreWriter } from './online-writer.ts';

/** Wraps a DynamoDB client; a failed condition is the expected `stale`, not an error. */
export function dynamoOnlineWriter(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
): OnlineStoreWriter {
  return {
    async putIfNewer(put: ConditionalPut) {
      try {
        await client.send(new PutItemCommand({ TableName: tableName, ...put }));
        return 'written';
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException')
          return 'stale';
        throw error;
      }
    },
    async getItem(key) {
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: key as never, ConsistentRead: true }),
      );
      return out.Item as Item | undefined;
    },
  };
}
