/**
 * The spine's span: the earliest and the latest `t` of its rows. Every record or event a spine
 * row can read lies in a span-relative range of `event_time` (a plain view's record within its
 * ttl before `t`, an aggregation's events within its longest window), so the SQL bounds each
 * view's scan by the span.
 *
 * The offline tables are partitioned by the day of `event_time`, and Athena prunes the files of
 * an Iceberg table on predicates of a partition source column against constants
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html: "Iceberg
 * ... partition transforms ... day(ts)"; hidden partitioning: filters on `event_time` are
 * converted to partition filters). A bound that is a scalar subquery over the spine is only
 * known once the query runs, too late for that planning, so a caller that knows the span (the
 * export runner computes it from the spine it uploads) passes it and the bounds are literals.
 */
import { quoteIdentifier as q, timestampLiteral } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import { SQL_COLUMNS } from './names.ts';

/** Epoch ms: `earliest` at or before every row's `t`, `latest` at or after it. */
export interface SpineSpan {
  readonly earliest: number;
  readonly latest: number;
}

/** SQL timestamp expressions of the span's two ends. */
export interface SpanBounds {
  readonly earliest: string;
  readonly latest: string;
  /**
   * `earliest` less `ms` (a ttl or a window): the exclusive lower bound of what rows read, or
   * undefined when that is before every instant skewless stores (years 0001-9999): no bound.
   */
  before(ms: number): string | undefined;
}

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Literal bounds from a known span, or scalar subqueries over the spine CTE's `_sk_t` (a spine
 * with no rows, or a caller that did not compute the span: still correct, never pruned).
 */
export function spanBounds(
  span: SpineSpan | undefined,
  spineCte: string,
  dialect: SqlDialect,
): SpanBounds {
  if (span) {
    if (span.earliest > span.latest)
      throw new RangeError(`span ${span.earliest}..${span.latest} ends before it starts`);
    return {
      earliest: timestampLiteral(span.earliest),
      latest: timestampLiteral(span.latest),
      // Computed here, so the bound stays one literal Athena can compare with partitions.
      before: (ms) =>
        span.earliest - ms < FIRST_INSTANT ? undefined : timestampLiteral(span.earliest - ms),
    };
  }
  const of = (fn: 'min' | 'max') => `(SELECT ${fn}(${q(SQL_COLUMNS.t)}) FROM ${q(spineCte)})`;
  const earliest = of('min');
  return {
    earliest,
    latest: of('max'),
    before: (ms) =>
      ms > LAST_INSTANT - FIRST_INSTANT ? undefined : `${earliest} - ${dialect.interval(ms)}`,
  };
}
