/**
 * The one retry policy: capped exponential backoff with full jitter, one list of the errors worth
 * retrying, and a bounded-parallelism map. Randomness and sleep are injected so tests run
 * deterministically and without waiting.
 *
 * Retries happen in exactly one layer. Every AWS SDK client whose calls skewless retries itself
 * is built with `SDK_SINGLE_ATTEMPT` (the SDK's own default of 3 attempts would multiply ours:
 * 3 × 6 = 18 tries of one write), and the chunked writer counts a whole-call failure and a
 * partial failure against the same attempt budget (see `./chunked-send.ts`).
 */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Writes inside a Lambda (ingest, materialize, backfill, dead letters): 6 attempts, and waits
 * below 25, 50, 100, 200 and 400 ms between them, so under 775 ms of waiting in the worst case
 * (`worstCase`) before the write is handed back to Kinesis to retry.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 500 };

/**
 * A producer (the CLI's `push`) can wait longer than a Lambda: 10 attempts, under 2,775 ms of
 * waiting in the worst case.
 */
export const PRODUCER_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: 10 };

/**
 * The lookup answers a model waiting on it: 3 attempts, waits below 25 and 50 ms, so under
 * 75 ms of waiting in the worst case.
 */
export const LOOKUP_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 100 };

/** SDK v3 client options for a client whose calls skewless retries itself. */
export const SDK_SINGLE_ATTEMPT = { maxAttempts: 1 } as const;

/**
 * SDK v3 client options for a client whose calls skewless does not retry (S3 reads, Athena,
 * SNS): the SDK's standard mode, 3 attempts, is then the one layer.
 */
export const SDK_OWN_RETRY = { maxAttempts: 3 } as const;

export interface RetryWorld {
  readonly policy: RetryPolicy;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export function realSleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** The real world (Math.random, setTimeout) under a policy. */
export function retryWorld(
  policy: RetryPolicy = DEFAULT_RETRY,
  over: Partial<Omit<RetryWorld, 'policy'>> = {},
): RetryWorld {
  return { policy, random: over.random ?? Math.random, sleep: over.sleep ?? realSleep };
}

/** "Full jitter" (AWS Architecture Blog): uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * backoffCap(policy, attempt));
}

function backoffCap(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * The most a policy can cost: its attempts, and the sum of its wait caps (every wait is below its
 * cap, so the total wait is below `waitMs`).
 */
export function worstCase(policy: RetryPolicy): { attempts: number; waitMs: number } {
  let waitMs = 0;
  for (let attempt = 0; attempt + 1 < policy.maxAttempts; attempt++) {
    waitMs += backoffCap(policy, attempt);
  }
  return { attempts: policy.maxAttempts, waitMs };
}

/**
 * Error names (SDK `name`, a JSON API's `__type`) and per-entry error codes (Firehose, Kinesis,
 * SQS) that mean "the same call may succeed later": throttling, timeouts, server faults.
 */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'InternalError',
  'TransactionConflictException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'KMSThrottlingException',
  'AWS.SimpleQueueService.RequestThrottled',
]);
/** Node network error codes. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** True for throttling, timeouts, 5xx and network errors: the same call may succeed later. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || TRANSIENT_NAMES.has(e.code)))
    return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode ?? e.statusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** A per-entry error code (Firehose, Kinesis, SQS) worth retrying; the others are permanent. */
export function isTransientCode(code: string): boolean {
  return TRANSIENT_NAMES.has(code);
}

/**
 * Calls `fn` until it succeeds, it throws a non-transient error, or the attempts run out; then
 * rethrows the last error. `attempt` counts from 0.
 */
export async function withRetry<T>(
  world: RetryWorld,
  fn: (attempt: number) => Promise<T>,
  onRetry?: (error: unknown) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isTransientError(error) || attempt + 1 >= world.policy.maxAttempts) throw error;
      onRetry?.(error);
      await world.sleep(backoffDelay(world.policy, attempt, world.random));
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
