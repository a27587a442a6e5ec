/**
 * The lookup Lambda (API Gateway HTTP API → `POST /features`): module-scope wiring only; every
 * rule lives in `lib/serve`. DynamoDB and Firehose are called through the lean SigV4 client
 * (`lib/serve/aws-json-aws.ts`) to keep the bundle, and so the cold start, small.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as defs from '#feature-defs';
import { readAwsRuntime, readConfig, required } from '../lib/config.ts';
import { inferenceLogDeliveryStreamName } from '../lib/core/naming.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { createDynamoDbClient, dynamoDbReader } from '../lib/serve/dynamodb-aws.ts';
import {
  createFirehoseClient,
  createFirehoseWriter,
  firehoseApi,
} from '../lib/serve/firehose-aws.ts';
import { createLookupHandler, METRIC } from '../lib/serve/handler.ts';
import { createBufferedSink } from '../lib/serve/inference-log-sink.ts';

export { createLookupHandler } from '../lib/serve/handler.ts';

/** Bound on the per-invocation inference-log flush (ms). */
const LOG_FLUSH_TIMEOUT_MS = 50;

const env = readConfig(process.env);
const config = required(env, 'prefix', 'onlineTable');
const { region, credentials, endpointOf } = readAwsRuntime(process.env);
const runtime = registryFromModule(defs);
const logger = new Logger({ serviceName: 'skewless-lookup' });
const metrics = new Metrics({ namespace: 'skewless', serviceName: 'lookup' });

const expectedHash = env.registryHash;
if (expectedHash && expectedHash !== runtime.registry.hash) {
  logger.warn('bundled definitions differ from the deployed registry', {
    bundled: runtime.registry.hash,
    deployed: expectedHash,
  });
}

const inferenceLog = createBufferedSink({
  writer: createFirehoseWriter({
    firehose: firehoseApi(
      createFirehoseClient({ region, credentials, endpoint: endpointOf('FIREHOSE') }),
    ),
    deliveryStreamName: inferenceLogDeliveryStreamName({ prefix: config.prefix }),
  }),
  onFailure: (count, reason) => {
    metrics.addMetric(METRIC.logFailures, 'Count', count);
    logger.warn('inference log records not delivered', { count, reason: String(reason) });
  },
});

export const handler = createLookupHandler({
  runtime,
  dynamodb: dynamoDbReader(
    createDynamoDbClient({ region, credentials, endpoint: endpointOf('DYNAMODB') }),
  ),
  tableName: config.onlineTable,
  inferenceLog,
  clock: Date.now,
  logger,
  metrics,
  logFlushTimeoutMs: LOG_FLUSH_TIMEOUT_MS,
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
