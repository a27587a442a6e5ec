/**
 * One BatchGetItem round trip per lookup. DynamoDB takes at most 100 keys per call (and returns
 * at most 16 MB), so keys past 100 go in chunks sent in parallel. This is the lookup's one retry
 * layer (docs/serving.md, "Retries"): a call that fails as a whole with a transient error
 * (throttling, 5xx, network) and a call that leaves keys unprocessed (throttling, the 16 MB cap)
 * spend the same attempts of one budget, `LOOKUP_RETRY`, with jittered exponential backoff; the
 * client beneath makes one attempt per call.
 */
import { DYNAMODB } from '../aws-rules/dynamodb.ts';
import { SkewlessError } from '../core/errors.ts';
import type { Item } from '../core/online-item.ts';
import {
  LOOKUP_RETRY,
  backoffDelay,
  isTransientError,
  retryWorld,
  type RetryPolicy,
} from '../core/retry.ts';

/** DynamoDB's per-call key limit for BatchGetItem. */
export const BATCH_GET_MAX_KEYS = DYNAMODB.batchGetMaxKeys.value;

export interface BatchGetTableRequest {
  readonly Keys: Item[];
  readonly ProjectionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ConsistentRead?: boolean;
}

export interface BatchGetInput {
  readonly RequestItems: Record<string, BatchGetTableRequest>;
}

export interface BatchGetOutput {
  readonly Responses?: Record<string, Item[]>;
  readonly UnprocessedKeys?: Record<string, Partial<BatchGetTableRequest>>;
}

/** The online store as the lookup sees it: the one DynamoDB call it makes. */
export interface OnlineStoreReader {
  batchGetItem(input: BatchGetInput): Promise<BatchGetOutput>;
}

export interface BatchGetOptions {
  /**
   * Calls per chunk, the first included: a throttled call and a call leaving keys unprocessed
   * each spend one. @default LOOKUP_RETRY (3 attempts, under 75 ms of waiting)
   */
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the backoff's jitter. @default Math.random */
  readonly random?: () => number;
}

export class UnprocessedKeysError extends SkewlessError {
  constructor(
    readonly table: string,
    readonly unprocessed: number,
    readonly attempts: number,
  ) {
    super(`${unprocessed} key(s) of table '${table}' still unprocessed after ${attempts} attempts`);
  }
}

export interface BatchGetResult {
  readonly items: Item[];
  /** BatchGetItem calls made, retries included. */
  readonly calls: number;
}

export async function batchGetAll(
  store: OnlineStoreReader,
  table: string,
  keys: readonly Item[],
  request: Omit<BatchGetTableRequest, 'Keys'>,
  options: BatchGetOptions = {},
): Promise<BatchGetResult> {
  if (keys.length === 0) return { items: [], calls: 0 };
  if (keys.length <= BATCH_GET_MAX_KEYS) {
    return getChunk(store, table, keys as Item[], request, options);
  }
  const chunks: Item[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) {
    chunks.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
  }
  const results = await Promise.all(
    chunks.map((chunk) => getChunk(store, table, chunk, request, options)),
  );
  return {
    items: results.flatMap((r) => r.items),
    calls: results.reduce((sum, r) => sum + r.calls, 0),
  };
}

async function getChunk(
  store: OnlineStoreReader,
  table: string,
  keys: Item[],
  request: Omit<BatchGetTableRequest, 'Keys'>,
  options: BatchGetOptions,
): Promise<BatchGetResult> {
  const { policy, random, sleep } = retryWorld(options.retry ?? LOOKUP_RETRY, options);
  let pending = keys;
  let items: Item[] = [];
  for (let attempt = 1; ; attempt++) {
    let output: BatchGetOutput;
    try {
      output = await store.batchGetItem({
        RequestItems: { [table]: { ...request, Keys: pending } },
      });
    } catch (error) {
      if (!isTransientError(error) || attempt >= policy.maxAttempts) throw error;
      await sleep(backoffDelay(policy, attempt - 1, random));
      continue;
    }
    const got = output.Responses?.[table];
    if (got && got.length > 0) items = items.length === 0 ? got : items.concat(got);
    const left = output.UnprocessedKeys?.[table]?.Keys ?? [];
    if (left.length === 0) return { items, calls: attempt };
    if (attempt >= policy.maxAttempts) throw new UnprocessedKeysError(table, left.length, attempt);
    pending = left;
    await sleep(backoffDelay(policy, attempt - 1, random));
  }
}
