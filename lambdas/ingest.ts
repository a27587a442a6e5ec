/**
 * The ingest Lambda: Kinesis event source mapping (with ReportBatchItemFailures) → DynamoDB +
 * Firehose, poison to SQS. Module scope builds everything once; the logic is in `lib/ingest`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import * as defs from '#feature-defs';
import { readConfig, required } from '../lib/config.ts';
import { SDK_SINGLE_ATTEMPT } from '../lib/core/retry.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { createIngestHandler } from '../lib/ingest/handler.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { firehoseOfflineDelivery } from '../lib/ingest/firehose-aws.ts';
import { sqsDeadLetterSink } from '../lib/ingest/dead-letter-aws.ts';

export { createIngestHandler } from '../lib/ingest/handler.ts';

const config = required(readConfig(process.env), 'prefix', 'onlineTable', 'deadLetterQueueUrl');
const { registry } = registryFromModule(defs);

export const handler = createIngestHandler({
  registry,
  names: { prefix: config.prefix },
  // The ingest core retries every call (DEFAULT_RETRY): the SDK makes one attempt each.
  online: dynamoOnlineWriter(new DynamoDBClient(SDK_SINGLE_ATTEMPT), config.onlineTable),
  offline: firehoseOfflineDelivery(new FirehoseClient(SDK_SINGLE_ATTEMPT)),
  deadLetter: sqsDeadLetterSink(new SQSClient(SDK_SINGLE_ATTEMPT), config.deadLetterQueueUrl),
  clock: Date.now,
  logger: new Logger({ serviceName: 'skewless-ingest' }),
  metrics: new Metrics({ namespace: 'skewless', serviceName: 'ingest' }),
});
