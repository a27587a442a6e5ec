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
  online: dynamoOnlineWriter(new DynamoDBClient({}), config.onlineTable),
  offline: firehoseOfflineDelivery(new FirehoseClient({})),
  deadLetter: sqsDeadLetterSink(new SQSClient({}), config.deadLetterQueueUrl),
  clock: Date.now,
  logger: new Logger({ serviceName: 'skewless-ingest' }),
  metrics: new Metrics({ namespace: 'skewless', serviceName: 'ingest' }),
});
