/**
 * Every name the generated SQL gives its CTEs, and the helper columns more than one step reads,
 * each owned here once. All carry the reserved `_sk_` prefix (`RESERVED_PREFIX`), so no spine or
 * offline table or column can shadow them.
 */

/** The numbered spine: row number, keys, `t` (and the per-row as-of). */
export const SPINE_CTE = '_sk_spine';

/** The steps a view's rows go through, each one CTE (`render.ts`, `windows.ts` list them). */
export type ViewStep =
  | 'candidates'
  | 'ties'
  | 'pick'
  | 'pick0'
  | 'late'
  | 'fix'
  | 'records'
  | 'events'
  | 'run'
  | 'probes'
  | 'picked'
  | 'probed'
  | 'bounded'
  | 'checked'
  | 'unlimited'
  | 'unsettled'
  | 'withdrawn'
  | 'corrected'
  | 'folded'
  | `tiles${number}`
  | `starts${number}`
  | `full${number}`;

/** `_sk_<view>__<step>`: `__` never occurs in a view name, so two views' CTEs never meet. */
export function viewCte(view: string, step: ViewStep): string {
  return `_sk_${view}__${step}`;
}

/** The distinct keys of the spine for one key set of the ASOF chain. */
export function keysCte(i: number): string {
  return `_sk_keys${i}`;
}

/** Helper columns (unquoted) read by more than one step. */
export const SQL_COLUMNS = {
  /** The spine row's `t`, as a TIMESTAMP. */
  t: '_sk_t',
  /** The spine row's own as-of (per-row as-of). */
  asOf: '_sk_as_of',
  /** A picked record's event time. */
  eventTime: '_sk_et',
  /** A picked record's values (a struct). */
  value: '_sk_v',
  /** Row number of a dedup or pick. */
  rowNumber: '_sk_rn',
} as const;

/** The window start of the spine row for (window, tile) group `j`. */
export function windowStartColumn(j: number): string {
  return `_sk_s${j}`;
}
