/** DynamoDB adapter of forgetting's online store: DeleteItem, a keys-only Scan, the tombstone put. */
import {
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ONLINE_KEY, type Item } from '../core/online-item.ts';
import type { OnlineForgetStore } from './online.ts';

export function dynamoForgetStore(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
): OnlineForgetStore {
  return {
    async deleteItem(key) {
      const out = await client.send(
        new DeleteItemCommand({ TableName: tableName, Key: key as never, ReturnValues: 'ALL_OLD' }),
      );
      return out.Attributes !== undefined;
    },
    async *scanKeys() {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({
            TableName: tableName,
            ProjectionExpression: '#pk, #sk',
            ExpressionAttributeNames: { '#pk': ONLINE_KEY.partition, '#sk': ONLINE_KEY.sort },
            ExclusiveStartKey: start as never,
          }),
        );
        yield (out.Items ?? []) as Item[];
        start = out.LastEvaluatedKey;
      } while (start);
    },
    async putIfNewer(put) {
      try {
        await client.send(new PutItemCommand({ TableName: tableName, ...put } as never));
        return 'written';
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException')
          return 'stale';
        throw error;
      }
    },
  };
}
