/**
 * Retries with capped exponential backoff and full jitter, the classification of store errors
 * into transient (retry) and permanent, and a bounded-parallelism map. The randomness and the
 * sleep are injected so tests run deterministically and without waiting.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** ~1.3 s of waiting at most per write before it is handed back to Kinesis to retry. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 500 };

export interface RetryWorld {
  readonly policy: RetryPolicy;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export function realSleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** "Full jitter" (AWS Architecture Blog): uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

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
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** Firehose / Kinesis per-entry error codes worth retrying (the others are permanent). */
export function isTransientEntryError(code: string): boolean {
  return TRANSIENT_NAMES.has(code) || code === 'InternalFailure';
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
