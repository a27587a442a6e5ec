import { DYNAMODB } from '../aws-rules/dynamodb.ts';

/** Request limits of the lookup endpoint, chosen so one request stays one cheap round trip. */
export interface LookupLimits {
  /**
   * Largest accepted body, in bytes. 64 KiB holds 100 entity rows of composite keys near the
   * 256-character encoded-key limit, with room for request fields.
   */
  readonly maxBodyBytes: number;
  /**
   * Most entity rows per request. 100 rows keep a 1-view service in one BatchGetItem (its
   * 100-key limit) and a 3-view service in three parallel chunks.
   */
  readonly maxEntities: number;
}

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = Object.freeze({
  maxBodyBytes: 64 * 1024,
  maxEntities: DYNAMODB.batchGetMaxKeys.value,
});
