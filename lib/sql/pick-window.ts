/**
 * A plain view's pick in the union-and-window shape (Athena's: Trino has no ASOF JOIN). Spine
 * rows and records are one union ordered by `(event_time, kind, record_id)`, and each spine row
 * takes the last record struct before it (`last_value ... IGNORE NULLS`).
 *
 * Cut to the span: every row's `t` is at or after the spine's earliest `t`, so a record at or
 * before `earliest - ttl` is never fresh for any row; all it can change is whether a row with no
 * fresher record is `expired` (some record existed) or `missing` (none). So the records after
 * that cut are read whole, and those at or before it become one featureless mark per key, timed
 * at the cut (never fresh), that says one existed: it reads the key and `ingested_at` columns of
 * the older partitions, not the features or record ids. Every plain view declares a ttl, so
 * every plain view has the cut, unless its ttl reaches back before year 0001 (then every record
 * is read whole). An aggregation view reads its windows instead (`windows.ts`).
 */
import { quoteIdentifier as q, stringLiteral } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import type { PlannedView, PointInTimePlan } from './plan.ts';
import { recordFilter, recordStruct, structFields } from './records.ts';
import type { SpanBounds } from './span.ts';
import { KIND, RID, ROW, V } from './window-terms.ts';
import { SQL_COLUMNS, viewCte } from './names.ts';

/** The spine's `t`, a record's event time and ingested_at, and the running minimum of it. */
export const T = q(SQL_COLUMNS.t);
export const ET = q(SQL_COLUMNS.eventTime);
export const ING = q('_sk_ing');
export const MIN_ING = q('_sk_min_ing');

/** The candidates (spine rows, span records, marks) and the pick of a plain view. */
export function windowPickCtes(
  view: PlannedView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  table: string,
  bounds: SpanBounds,
  spineCte: string,
  perRowAsOf: boolean,
): [string, string][] {
  const keys = view.keys.map((k) => q(k.name));
  const fKeys = keys.map((k) => `f.${k}`).join(', ');
  const window = `(PARTITION BY ${keys.join(', ')} ORDER BY ${ET}, ${KIND}, ${RID} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const fields = structFields(view, perRowAsOf);
  const nullStruct = `CAST(NULL AS ${dialect.structType(fields)})`;
  const noRow = `CAST(NULL AS ${dialect.type('int64')})`;
  const et = `f.${q('event_time')}`;
  const cut = bounds.before(view.ttlMs);
  const minIngested = `min(f.${q('ingested_at')})`;
  const records = [
    `SELECT ${fKeys}, ${et}, 0, f.${q('record_id')}, ${noRow}, ${recordStruct(view, dialect, perRowAsOf)}${perRowAsOf ? `, f.${q('ingested_at')}` : ''}`,
    `FROM ${table} AS f`,
    `WHERE ${recordFilter(view, plan, bounds.latest)}${cut === undefined ? '' : ` AND ${et} > ${cut}`}`,
  ];
  // A ttl longer than the calendar has no cut: every record is read whole.
  const marks =
    cut === undefined
      ? []
      : [
          'UNION ALL',
          `SELECT ${fKeys}, ${cut}, 0, ${stringLiteral('')}, ${noRow}, ${dialect.struct(fields, [
            ...view.features.map((f) => `CAST(NULL AS ${dialect.type(f.dtype)})`),
            cut,
            ...(perRowAsOf ? [minIngested] : []),
          ])}${perRowAsOf ? `, ${minIngested}` : ''}`,
          `FROM ${table} AS f`,
          `WHERE ${recordFilter(view, plan, cut)}`,
          `GROUP BY ${fKeys}`,
        ];
  const candidates = viewCte(view.name, 'candidates');
  return [
    [
      candidates,
      [
        `SELECT ${keys.join(', ')}, ${T} AS ${ET}, 1 AS ${KIND}, CAST(NULL AS ${dialect.type('string')}) AS ${RID}, ${ROW}, ${nullStruct} AS ${V}${perRowAsOf ? `, CAST(NULL AS ${dialect.type('timestamp')}) AS ${ING}` : ''}`,
        `FROM ${q(spineCte)}`,
        'UNION ALL',
        ...records,
        ...marks,
      ].join('\n'),
    ],
    [
      perRowAsOf ? viewCte(view.name, 'pick0') : viewCte(view.name, 'pick'),
      [
        `SELECT w.${ROW}, w.${V}${perRowAsOf ? `, w.${MIN_ING}` : ''}`,
        'FROM (',
        `  SELECT ${ROW}, ${KIND}, ${dialect.lastValueIgnoreNulls(V)} OVER ${window} AS ${V}${perRowAsOf ? `, min(${ING}) OVER ${window} AS ${MIN_ING}` : ''}`,
        `  FROM ${q(candidates)}`,
        ') AS w',
        `WHERE w.${KIND} = 1`,
      ].join('\n'),
    ],
  ];
}
