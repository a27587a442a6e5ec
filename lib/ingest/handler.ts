/**
 * The ingest Lambda handler, as a factory: `lambdas/ingest.ts` calls it with AWS clients, the
 * local poller and the tests with local ones, so every path runs this very code. A thin middy
 * adapter over `processKinesisBatch`, with Powertools logging and metrics when given.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { processKinesisBatch, type IngestDeps, type IngestResult } from './batch.ts';
import { FRESHNESS_METRIC, viewMetricDimension } from '../core/metrics.ts';

export interface IngestHandlerDeps extends IngestDeps {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Called with every batch's result (benchmarks and tests read the counters here). */
  readonly onResult?: (result: IngestResult) => void;
}

export type IngestHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse>;

/**
 * Builds the ingest handler over the given stores.
 * @example
 * const handler = createIngestHandler({ registry, names, online, offline, deadLetter, clock: Date.now });
 * const { batchItemFailures } = await handler(kinesisEvent, context);
 */
export function createIngestHandler(deps: IngestHandlerDeps): IngestHandler {
  const { logger, metrics, onResult } = deps;
  const core = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const result = await processKinesisBatch(event, deps);
    const { stats } = result;
    onResult?.(result);
    if (metrics) {
      metrics.addMetric('RecordsIngested', MetricUnit.Count, stats.accepted);
      metrics.addMetric('PoisonRecords', MetricUnit.Count, stats.poison);
      metrics.addMetric('UnfinishedRecords', MetricUnit.Count, stats.unfinished);
      metrics.addMetric('OnlineWrites', MetricUnit.Count, stats.online.written);
      metrics.addMetric('OnlineStaleWrites', MetricUnit.Count, stats.online.stale);
      metrics.addMetric('OnlineRetries', MetricUnit.Count, stats.online.retried);
      metrics.addMetric('FirehoseCalls', MetricUnit.Count, stats.offline.calls);
      // One single-metric per view, so only the documented dimensions ride along.
      for (const { view, ageMs } of stats.freshness) {
        const single = metrics.singleMetric();
        single.addDimensions({
          [FRESHNESS_METRIC.dimensions.prefix]: deps.names.prefix,
          [FRESHNESS_METRIC.dimensions.view]: viewMetricDimension(view),
        });
        single.addMetric(FRESHNESS_METRIC.metricName, MetricUnit.Milliseconds, ageMs);
      }
    }
    if (logger) {
      const level = stats.unfinished > 0 || stats.poison > 0 ? 'warn' : 'info';
      logger[level]('ingested batch', { stats });
      for (const letter of result.deadLetters)
        logger.warn('dead-lettered a record', {
          reason: letter.reason,
          problem: letter.message,
          sequenceNumber: letter.sequence_number,
        });
    }
    return result.response;
  };
  const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>(core);
  if (logger) handler.use(injectLambdaContext(logger));
  if (metrics) handler.use(logMetrics(metrics));
  return handler as IngestHandler;
}
