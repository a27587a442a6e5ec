/** DynamoDB adapter of the online writer: a conditional PutItem on the online table. */
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '../core/online-item.ts';
import type { ConditionalPut, OnlineStoreWriter } from './online-writer.ts';

/** Rounds of unprocessed keys before a read is handed back as throttled. */
const UNPROCESSED_ROUNDS = 3;

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
    async getItems(keys) {
      const found: Item[] = [];
      let pending = [...keys];
      // Unprocessed keys are asked again at once; the caller's retry policy handles throttling.
      for (let round = 0; pending.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS)
          throw Object.assign(
            new Error(`${pending.length} keys left unprocessed by BatchGetItem`),
            {
              name: 'ProvisionedThroughputExceededException',
            },
          );
        const out = await client.send(
          new BatchGetItemCommand({
            RequestItems: { [tableName]: { Keys: pending as never, ConsistentRead: true } },
          }),
        );
        found.push(...((out.Responses?.[tableName] ?? []) as Item[]));
        pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
      }
      return found;
    },
  };
}
