/**
 * The comparison of served and rebuilt values, as SQL expressions per output. Every rule lives
 * here once and runs inside DuckDB over all vectors at once (a million vectors are one scan, not
 * a JS loop):
 * - both null → a match; exactly one null → a null mismatch (never a match);
 * - float64: equal, or `|s − r| <= floatTolerance · max(|s|, |r|)` (relative tolerance);
 *   float64_list: same length and every element within that tolerance;
 * - int64, string, bool, timestamp: exactly equal;
 * - a served value that does not parse as the current dtype is a type mismatch (never a match).
 */
import { assertNever, type Dtype } from '../define/dtypes.ts';
import { numberLiteral, quoteIdentifier as q } from '../sql/literals.ts';
import { ABSENT_STATUSES, servedColumns } from './logs.ts';

/** Column names in the joined table (served vs rebuilt) of one output. */
export function joinedColumns(output: string): {
  raw: string;
  served: string;
  rebuilt: string;
  servedStatus: string;
  rebuiltStatus: string;
  age: string;
  /** The value the offline store held at the served record's own event time (see causes). */
  servedRecord: string;
} {
  const s = servedColumns(output);
  return {
    raw: s.raw,
    served: s.value,
    rebuilt: `${output}__rebuilt`,
    servedStatus: s.status,
    rebuiltStatus: `${output}__rstatus`,
    age: s.age,
    servedRecord: `${output}__srecord`,
  };
}

export interface ComparisonSql {
  readonly typeMismatch: string;
  readonly nullMismatch: string;
  /** A null mismatch where the served side is null. */
  readonly servedNullOnly: string;
  readonly match: string;
}

/**
 * Boolean SQL expressions (never NULL) over the joined table for one output: served against
 * `against` (default: the rebuilt column).
 */
export function comparisonSql(
  output: string,
  dtype: Dtype,
  floatTolerance: number,
  against: string = joinedColumns(output).rebuilt,
): ComparisonSql {
  const c = joinedColumns(output);
  const raw = q(c.raw);
  const s = q(c.served);
  const r = q(against);
  const typeMismatch = `(${raw} IS NOT NULL AND ${s} IS NULL)`;
  const servedNull = `(${raw} IS NULL)`;
  const rebuiltNull = `(${r} IS NULL)`;
  const equal = `coalesce(${equalSql(s, r, dtype, floatTolerance)}, FALSE)`;
  return {
    typeMismatch,
    nullMismatch: `(NOT ${typeMismatch} AND ${servedNull} <> ${rebuiltNull})`,
    servedNullOnly: `(${servedNull} AND NOT ${rebuiltNull})`,
    match: `(NOT ${typeMismatch} AND ((${servedNull} AND ${rebuiltNull}) OR ${equal}))`,
  };
}

function equalSql(s: string, r: string, dtype: Dtype, tolerance: number): string {
  const tol = numberLiteral(tolerance);
  switch (dtype) {
    case 'float64':
      return `(${s} = ${r} OR abs(${s} - ${r}) <= ${tol} * greatest(abs(${s}), abs(${r})))`;
    case 'float64_list':
      return (
        `(${s} = ${r} OR (len(${s}) = len(${r}) AND list_bool_and(list_transform(` +
        `range(1, len(${s}) + 1), i -> ${s}[i] = ${r}[i] OR ` +
        `abs(${s}[i] - ${r}[i]) <= ${tol} * greatest(abs(${s}[i]), abs(${r}[i]))))))`
      );
    case 'int64':
    case 'string':
    case 'bool':
    case 'timestamp':
      return `(${s} = ${r})`;
    default:
      return assertNever(dtype, 'dtype');
  }
}

export { ABSENT_STATUSES };

/** Status comparisons of a stored feature (served status vs the rebuild's). */
export function statusSql(output: string): {
  servedStale: string;
  servedFresher: string;
  expectedStale: string;
} {
  const c = joinedColumns(output);
  const ss = q(c.servedStatus);
  const rs = q(c.rebuiltStatus);
  return {
    servedStale: `(${ss} IN ${ABSENT_STATUSES} AND ${rs} = 'present')`,
    servedFresher: `(${ss} = 'present' AND ${rs} IN ${ABSENT_STATUSES})`,
    // expired vs missing may differ: online keeps an item past its ttl, the join sees nothing.
    expectedStale: `(${ss} IN ${ABSENT_STATUSES} AND ${rs} IN ${ABSENT_STATUSES})`,
  };
}
