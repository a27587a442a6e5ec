/** The online store reader over DynamoDB's JSON API (the lean client of `aws-json-aws.ts`). */
import type { BatchGetInput, BatchGetOutput, OnlineStoreReader } from './batch-get.ts';
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonEndpoint } from './aws-json-aws.ts';

export function createDynamoDbClient(options: AwsJsonEndpoint): AwsJsonClient {
  return createAwsJsonClient({
    ...options,
    service: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    jsonVersion: '1.0',
  });
}

export function dynamoDbReader(client: AwsJsonClient): OnlineStoreReader {
  return {
    batchGetItem: (input: BatchGetInput) => client.call<BatchGetOutput>('BatchGetItem', input),
  };
}
