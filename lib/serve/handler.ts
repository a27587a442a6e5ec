/**
 * The lookup handler for API Gateway HTTP API (v2) events: a thin middy adapter over the core.
 * The Lambda module, the local HTTP server, the tests and the bench all build it through
 * `createLookupHandler`, so they run the same code. A `ValidationError` (unknown service, bad
 * key, body too large ...) is a 400 naming the problem; anything else is a 500 that leaks nothing.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { BatchGetOptions, OnlineStoreReader } from './batch-get.ts';
import type { InferenceLogSink } from './inference-log-sink.ts';
import { DEFAULT_LOOKUP_LIMITS, type LookupLimits } from './limits.ts';
import { lookupFeatures, type LookupStats } from './lookup.ts';
import { buildLookupPlans } from './plan.ts';
import { lookupBodySchema, parseLookupBody } from './request.ts';
import type { LookupErrorBody } from './types.ts';

/** The part of Powertools' Logger the handler uses. */
export interface LookupLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** The part of Powertools' Metrics the handler uses. */
export interface LookupMetrics {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
}

export interface LookupHandlerDeps {
  readonly runtime: RuntimeRegistry;
  /** The online store (DynamoDB): one `batchGetItem` per request. */
  readonly dynamodb: OnlineStoreReader;
  readonly tableName: string;
  readonly inferenceLog: InferenceLogSink;
  /** Epoch ms: the read time of each lookup (`served_at`). */
  readonly clock: () => number;
  /** Monotonic ms for the latency metric. @default performance.now */
  readonly timer?: () => number;
  /** Request id when the event carries none. @default randomUUID */
  readonly newRequestId?: () => string;
  readonly logger?: LookupLogger;
  readonly metrics?: LookupMetrics;
  /**
   * Lambda freezes between invocations, so there it awaits the log flush before returning, at
   * most this long (records still in flight carry over to the next invocation). Leave unset
   * where a background timer flushes (the local server).
   */
  readonly logFlushTimeoutMs?: number;
  readonly limits?: Partial<LookupLimits>;
  readonly batchGet?: BatchGetOptions;
}

export type LookupEvent = APIGatewayProxyEventV2;
export type LookupResult = APIGatewayProxyStructuredResultV2;
export type LookupHandler = MiddyfiedHandler<LookupEvent, LookupResult, Error, Context>;

export const METRIC = {
  latency: 'LookupLatency',
  storeCalls: 'StoreCalls',
  itemsRead: 'ItemsRead',
  rows: 'RowsServed',
  badRequests: 'BadRequests',
  faults: 'LookupFaults',
  logFailures: 'InferenceLogFailures',
  logPending: 'InferenceLogPending',
  status: (s: string) => `Features_${s}`,
} as const;

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const FAULT_BODY: LookupErrorBody = { error: { message: 'internal error' } };

export function createLookupHandler(deps: LookupHandlerDeps): LookupHandler {
  const limits: LookupLimits = { ...DEFAULT_LOOKUP_LIMITS, ...deps.limits };
  const schema = lookupBodySchema(limits);
  const plans = buildLookupPlans(deps.runtime);
  const timer = deps.timer ?? (() => performance.now());
  const newRequestId = deps.newRequestId ?? randomUUID;
  const core = {
    plans,
    store: deps.dynamodb,
    tableName: deps.tableName,
    clock: deps.clock,
    batchGet: deps.batchGet,
  };

  const lookup = async (event: LookupEvent): Promise<LookupResult> => {
    const started = timer();
    const requestId = event.requestContext?.requestId || newRequestId();
    const headers = { ...JSON_HEADERS, 'x-request-id': requestId };
    let result: Awaited<ReturnType<typeof lookupFeatures>>;
    try {
      const text =
        event.isBase64Encoded && event.body
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
      result = await lookupFeatures(core, parseLookupBody(text, schema, limits), requestId);
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        deps.metrics?.addMetric(METRIC.faults, 'Count', 1);
        throw error;
      }
      deps.metrics?.addMetric(METRIC.badRequests, 'Count', 1);
      deps.logger?.debug('bad lookup request', { requestId, message: error.message });
      const body: LookupErrorBody = {
        error: error.field
          ? { message: error.message, field: error.field }
          : { message: error.message },
      };
      return { statusCode: 400, headers, body: JSON.stringify(body) };
    }
    deps.inferenceLog.enqueue(result.log);
    const response: LookupResult = {
      statusCode: 200,
      headers,
      body: JSON.stringify(result.response),
    };
    record(deps.metrics, result.stats, result.response.rows.length, timer() - started);
    if (deps.logFlushTimeoutMs !== undefined) {
      const report = await deps.inferenceLog.flush({ timeoutMs: deps.logFlushTimeoutMs });
      if (report.pending > 0) {
        deps.metrics?.addMetric(METRIC.logPending, 'Count', report.pending);
        deps.logger?.warn('inference log flush exceeded its bound; records carried over', {
          pending: report.pending,
          boundMs: deps.logFlushTimeoutMs,
        });
      }
    }
    return response;
  };

  return middy<LookupEvent, LookupResult, Error, Context>(lookup).use(
    httpErrorHandler({
      logger: (error: unknown) => deps.logger?.error('lookup failed', { error: error as Error }),
      fallbackMessage: JSON.stringify(FAULT_BODY),
    }),
  );
}

function record(
  metrics: LookupMetrics | undefined,
  stats: LookupStats,
  rows: number,
  latencyMs: number,
): void {
  if (!metrics) return;
  metrics.addMetric(METRIC.latency, 'Milliseconds', latencyMs);
  metrics.addMetric(METRIC.storeCalls, 'Count', stats.storeCalls);
  metrics.addMetric(METRIC.itemsRead, 'Count', stats.itemsRead);
  metrics.addMetric(METRIC.rows, 'Count', rows);
  for (const [status, count] of Object.entries(stats.statuses)) {
    if (count > 0) metrics.addMetric(METRIC.status(status), 'Count', count);
  }
}
