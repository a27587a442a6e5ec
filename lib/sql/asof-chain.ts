/**
 * The `duckdb-asof` shape with one as-of instant: each view's records are ASOF-joined straight
 * onto the spine in the final projection, through a dictionary of the spine's distinct keys.
 */
import { quoteIdentifier as q, stringLiteral, timestampLiteral } from './literals.ts';
import type { SqlDialect, StructField } from './dialect.ts';
import type { PlannedView, PointInTimePlan } from './plan.ts';
import { recordFilter, recordStruct } from './records.ts';
import type { SqlRelations } from './render.ts';
import type { SpineSpan } from './span.ts';
import { SQL_COLUMNS, keysCte, viewCte } from './names.ts';

const ET = q(SQL_COLUMNS.eventTime);
const V = q(SQL_COLUMNS.value);
const KID = q('_sk_kid');
const ORD = q('_sk_ord');

/**
 * The spine's distinct keys of one key set, numbered (`duckdb-asof`, one as-of instant). Views
 * with the same key columns share one. DuckDB's ASOF JOIN partitions and sorts both sides by its
 * equality keys: on one integer that costs about half what two strings do (measured on the pit
 * bench), and records of keys no spine row asks for drop out before the ASOF sorts them.
 */
export interface KeyDictionary {
  readonly cte: string;
  readonly alias: string;
  readonly keys: readonly string[];
}

export function keyDictionaries(views: readonly PlannedView[]): Map<string, KeyDictionary> {
  const byKeySet = new Map<string, KeyDictionary>();
  const byView = new Map<string, KeyDictionary>();
  for (const view of views) {
    if (view.kind === 'aggregation') continue;
    const keys = view.keys.map((k) => k.name);
    const id = JSON.stringify([...keys].sort());
    let dictionary = byKeySet.get(id);
    if (!dictionary) {
      const i = byKeySet.size;
      dictionary = { cte: keysCte(i), alias: `k${i}`, keys };
      byKeySet.set(id, dictionary);
    }
    byView.set(view.name, dictionary);
  }
  return byView;
}

/** Null keys are left out: a spine row with one gets no number, so no record (as `=` does). */
export function dictionaryCte(d: KeyDictionary, relations: SqlRelations): [string, string] {
  const keys = d.keys.map((k) => q(k));
  return [
    d.cte,
    [
      `SELECT ${keys.map((k) => `d.${k}`).join(', ')}, row_number() OVER () AS ${KID}`,
      `FROM (SELECT DISTINCT ${keys.map((k) => `s.${k}`).join(', ')} FROM ${relations.spine} AS s`,
      `  WHERE ${keys.map((k) => `s.${k} IS NOT NULL`).join(' AND ')}) AS d`,
    ].join('\n'),
  ];
}

/**
 * The `(event_time, record_id)` order of `lib/core/ordering.ts` as one struct the ASOF JOIN can
 * compare: a record is `(event_time, 0, record_id)`, a spine row `(t, 1, '')`. So a spine row
 * sees exactly the records with `event_time <= t`, and the greatest of them is the newest, ties
 * going to the greatest record id, with no GROUP BY pass first (duplicate deliveries are
 * identical copies). A null time makes no struct (records without one are filtered out).
 */
function orderKey(dialect: SqlDialect, time: string, side: 0 | 1, recordId: string): string {
  const fields: StructField[] = [
    { name: SQL_COLUMNS.eventTime, dtype: 'timestamp' },
    { name: '_sk_side', dtype: 'int64' },
    { name: '_sk_rid', dtype: 'string' },
  ];
  const struct = dialect.struct(fields, [time, String(side), recordId]);
  return side === 0 ? struct : `CASE WHEN ${time} IS NOT NULL THEN ${struct} END`;
}

/** A view's records for the chained ASOF: key number, order key, the feature struct. */
export function chainedRecordsCte(
  view: PlannedView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: SqlRelations,
  d: KeyDictionary,
  span: SpineSpan | undefined,
): [string, string] {
  const time = `CAST(f.${q('event_time')} AS ${dialect.type('timestamp')})`;
  const on = view.keys.map((k) => `f.${q(k.name)} = k.${q(k.name)}`);
  return [
    viewCte(view.name, 'records'),
    [
      `SELECT k.${KID}, ${orderKey(dialect, time, 0, `f.${q('record_id')}`)} AS ${ORD}, ${recordStruct(view, dialect, false, false)} AS ${V}`,
      `FROM ${relations.view(view)} AS f JOIN ${q(d.cte)} AS k ON ${on.join(' AND ')}`,
      `WHERE ${recordFilter(view, plan, span ? timestampLiteral(span.latest) : `(SELECT max(CAST(s.${q(plan.spine.timeColumn)} AS ${dialect.type('timestamp')})) FROM ${relations.spine} AS s)`)}`,
    ].join('\n'),
  ];
}

/**
 * The projection's joins for one view: its dictionary (once per key set, before the first view
 * that uses it), then the ASOF JOIN of its records on the key number and the order key.
 */
export function chainedJoins(
  view: PlannedView,
  p: string,
  d: KeyDictionary,
  t: string,
  dialect: SqlDialect,
  numbered: Set<string>,
): string[] {
  const joins: string[] = [];
  if (!numbered.has(d.cte)) {
    numbered.add(d.cte);
    const on = d.keys.map((k) => `s.${q(k)} = ${d.alias}.${q(k)}`);
    joins.push(`LEFT JOIN ${q(d.cte)} AS ${d.alias} ON ${on.join(' AND ')}`);
  }
  const probe = orderKey(dialect, t, 1, stringLiteral(''));
  joins.push(
    `ASOF LEFT JOIN ${q(viewCte(view.name, 'records'))} AS ${p} ON ${d.alias}.${KID} = ${p}.${KID} AND ${probe} >= ${p}.${ORD}`,
  );
  return joins;
}

/** The event time of the record a chained ASOF picked (NULL when none). */
export function chainedEventTime(p: string): string {
  return `${p}.${ORD}.${ET}`;
}
