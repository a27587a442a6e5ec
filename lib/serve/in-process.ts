/**
 * The lookup in a service's own process: the Lambda handler's core with no HTTP in front. The
 * same body check (`checkLookupBody`), plans (`buildLookupPlans`) and core (`lookupFeatures`)
 * produce the same response object the handler serializes, and every served vector goes to the
 * same buffered inference-log sink, so the nightly skew check covers these lookups too
 * (docs/serving.md, "In-process lookups").
 */
import { randomUUID } from 'node:crypto';
import { SkewlessError, ValidationError } from '../core/errors.ts';
import type { KeyValue } from '../core/entity-key.ts';
import type { FeatureValue } from '../define/dtypes.ts';
import type { BatchGetOptions } from './batch-get.ts';
import type { LookupHandlerDeps } from './handler.ts';
import type { SinkStats } from './inference-log-sink.ts';
import { DEFAULT_LOOKUP_LIMITS, type LookupLimits } from './limits.ts';
import { lookupFeatures } from './lookup.ts';
import { buildLookupPlans } from './plan.ts';
import { checkLookupBody, lookupBodySchema } from './request.ts';
import type { LookupResponse } from './types.ts';

/** What the Lambda handler's core is given, less its HTTP-side logger, metrics and timer. */
export interface InProcessLookupDeps extends Pick<
  LookupHandlerDeps,
  'runtime' | 'dynamodb' | 'tableName' | 'inferenceLog' | 'clock' | 'newRequestId'
> {
  readonly limits?: Partial<LookupLimits>;
  readonly batchGet?: BatchGetOptions;
  /** Called once by `close`, after the log is flushed (the adapters' sockets). */
  readonly onClose?: () => void;
}

/** A bad lookup: the message and the field, as the API's 400 names them. */
export class LookupInputError extends SkewlessError {
  constructor(
    readonly field: string | undefined,
    readonly requestId: string,
    cause: ValidationError,
  ) {
    super(cause.message, { cause });
  }
}

export interface InProcessLookupCore {
  get(
    service: string,
    rows: readonly Readonly<Record<string, KeyValue>>[],
    request?: Readonly<Record<string, FeatureValue>>,
  ): Promise<LookupResponse>;
  /** Flushes every buffered log record, stops the background flush and closes the clients. */
  close(): Promise<void>;
  readonly registryHash: string;
  /** Log records sent, failed after their attempts, and dropped from a full buffer. */
  readonly logStats: Readonly<SinkStats>;
}

export function createInProcessLookupCore(deps: InProcessLookupDeps): InProcessLookupCore {
  const limits: LookupLimits = { ...DEFAULT_LOOKUP_LIMITS, ...deps.limits };
  const schema = lookupBodySchema(limits);
  const core = {
    plans: buildLookupPlans(deps.runtime),
    store: deps.dynamodb,
    tableName: deps.tableName,
    clock: deps.clock,
    batchGet: deps.batchGet,
  };
  const newRequestId = deps.newRequestId ?? randomUUID;
  let closed: Promise<void> | undefined;

  return {
    registryHash: deps.runtime.registry.hash,
    logStats: deps.inferenceLog.stats,
    async get(service, rows, request) {
      if (closed) throw new SkewlessError('this lookup is closed');
      const requestId = newRequestId();
      let result: Awaited<ReturnType<typeof lookupFeatures>>;
      try {
        const body = checkLookupBody(
          request === undefined
            ? { service, entities: rows }
            : { service, entities: rows, request },
          schema,
        );
        result = await lookupFeatures(core, body, requestId);
      } catch (error) {
        if (error instanceof ValidationError)
          throw new LookupInputError(error.field, requestId, error);
        throw error;
      }
      // The log records share the response's objects and are encoded when the sink flushes:
      // frozen, a caller's change to its vector cannot reach the log.
      for (const row of result.response.rows) {
        Object.freeze(row.keys);
        Object.freeze(row.values);
        Object.freeze(row.statuses);
        Object.freeze(row.ages_ms);
        Object.freeze(row);
      }
      for (const record of result.log) Object.freeze(record.request);
      deps.inferenceLog.enqueue(result.log);
      return Object.freeze(result.response);
    },
    close() {
      closed ??= deps.inferenceLog.close().finally(() => deps.onClose?.());
      return closed;
    },
  };
}
