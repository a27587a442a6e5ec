/**
 * The one ordering rule (docs/semantics.md, "Ordering"): a record is newer than another when its `event_time` is
 * greater, or equal with a greater record id. The DynamoDB condition, the SQL pick and the test
 * oracles all state this rule; tests cross-check them against `isNewer`.
 *
 * And the one visibility rule: at time `t`, a record is visible when `event_time <= t` (an event
 * at exactly `t` is visible) and fresh when `event_time > t - ttl`, i.e. its age `t - event_time`
 * is `< ttl`. Windows are `(t - w, t]` for the same reason.
 */
import { sha256Hex } from './canonical-json.ts';

export interface RecordVersion {
  /** Epoch milliseconds, UTC. */
  readonly eventTime: number;
  readonly recordId: string;
}

/**
 * Width of the zero-padded Kinesis sequence number in a record id. Kinesis issues 56-digit
 * sequence numbers today; 64 leaves room while keeping ids short (they are stored per record).
 */
export const SEQUENCE_WIDTH = 64;

/**
 * The record id of one Kinesis record: `<shardId>:<sequence number, zero-padded>`. The same for
 * every redelivery (so retries deduplicate) and, for one entity (one partition key, one shard),
 * string order is arrival order.
 */
export function kinesisRecordId(shardId: string, sequenceNumber: string): string {
  if (!/^\d+$/.test(sequenceNumber) || sequenceNumber.length > SEQUENCE_WIDTH) {
    throw new RangeError(
      `Kinesis sequence number '${sequenceNumber}' is not a decimal of at most ${SEQUENCE_WIDTH} digits`,
    );
  }
  return `${shardId}:${sequenceNumber.padStart(SEQUENCE_WIDTH, '0')}`;
}

/** Prefix of the record ids `backfill` gives rows that carry none. */
export const BACKFILL_ID_PREFIX = 'backfill:';

/**
 * The record id of a backfilled row with no `record_id` of its own: `backfill:` and the sha256
 * of its canonical content (entity key, event time, values), so the same row gets the same id
 * in every run and from every file (a rerun adds nothing). On equal `event_time` a streamed
 * record (`shardId-…`) sorts after it and wins: live data corrects history, never the reverse.
 */
export function backfillRecordId(canonicalContent: string): string {
  return `${BACKFILL_ID_PREFIX}${sha256Hex(canonicalContent)}`;
}

/** Plain code-unit comparison, the same order as SQL's `<` on VARCHAR in DuckDB and Trino. */
export function compareRecordIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareVersions(a: RecordVersion, b: RecordVersion): number {
  return a.eventTime !== b.eventTime
    ? a.eventTime < b.eventTime
      ? -1
      : 1
    : compareRecordIds(a.recordId, b.recordId);
}

/** True when `candidate` replaces `current` under newest-wins. Equal versions (a redelivery) do not. */
export function isNewer(candidate: RecordVersion, current: RecordVersion | undefined): boolean {
  return current === undefined || compareVersions(candidate, current) > 0;
}

/** True when a record with `eventTime` is visible at `t`: `event_time <= t`. */
export function isVisibleAt(eventTime: number, t: number): boolean {
  return eventTime <= t;
}

/** True when a visible record is still fresh at `t`: `event_time > t - ttl`, i.e. `age < ttl`. */
export function isFreshAt(eventTime: number, t: number, ttlMs: number): boolean {
  return t - eventTime < ttlMs;
}
