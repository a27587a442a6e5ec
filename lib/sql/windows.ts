/**
 * The export of an aggregation view: at each spine row's `t`, every aggregate over `(s, t]` with
 * `s = ceil((t - w) / g) * g` (the rule of `lib/core/windows.ts`), from the view's raw events
 * (deduplicated by record id, then by event id: the first arrival counts). CTEs, per view:
 *
 * - `_sk_<v>__events`: the events the as-of lets in, deduplicated, with `event_time` in epoch ms.
 * - `_sk_<v>__run`: per event, running aggregates over the entity's events in `(event_time,
 *   record_id)` order: contributing count and sum per feature, the running min/max inside the
 *   event's own tile, the newest contributing value (`last`). One struct per event.
 * - `_sk_<v>__pick`: spine probes at `t` and at each window start `s` join the events in one
 *   window (no range join): each probe takes the running struct of the newest event at or
 *   before it. count and sum are the difference of the picks at `t` and `s`; `last` is the pick
 *   at `t` when its event is after `s`; min/max combine the pick's running value in `t`'s tile
 *   with the per-tile min/max of the `w/g - 1` whole tiles before it (`_sk_<v>__tiles<j>`, an
 *   equi-join on a fixed number of tile starts). Window starts are tile-aligned, so rows of the
 *   same keys share them: one probe, and one set of whole tiles, per distinct (keys, start).
 *
 * With a per-row as-of column (the skew check's rebuild), the events each row may see differ
 * per row. A row whose as-of is at or after the newest `ingested_at` of its entity's events up
 * to `t` (the running shape carries it) takes the values of no as-of limit; only the other rows
 * fold by a join over their own keys' events inside their window `(s, t]`
 * (`_sk_<v>__bounded`), which grows with those rows × events per window, not history.
 *
 * Times are compared as epoch milliseconds (`date_diff('millisecond', epoch, ts)`, the same in
 * Trino and DuckDB), so tile arithmetic is exact integer arithmetic. Instants are after 1970.
 */
import { quoteIdentifier as q, timestampLiteral } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import type { PlannedAggregationView, PointInTimePlan } from './plan.ts';
import type { SpanBounds } from './span.ts';
import { runningCtes, type PrefixColumn } from './window-running.ts';
import {
  aggsOf,
  contributesSql,
  epochMs,
  INGESTED_MS,
  MS,
  RID,
  ROW,
  windowCountColumn,
  windowPickName,
  windowStartSql,
} from './window-terms.ts';
import { SQL_COLUMNS, viewCte, windowStartColumn, type ViewStep } from './names.ts';

export { epochMs, windowCountColumn, windowPickName } from './window-terms.ts';

/**
 * The newest `ingested_at` of an entity's events at or before `t`: a row whose as-of is at or
 * after it sees every event of its windows (they are among those events), so its values are
 * those of no as-of limit. A prefix, not a per-window maximum: one running column, no per-tile
 * join (a maximum over a 7-day window of 1-hour tiles joins 167 tiles per row).
 */
const NEWEST_INGESTED = '_sk_newest_ing';

/**
 * The span of event times any spine row's windows read: after the earliest `t` less the longest
 * window, up to the latest `t`. Counts and sums are differences of running prefixes, so events
 * before every window start drop out of both sides; a training spine of one day reads days of
 * events, not the history.
 */
function spanConds(view: PlannedAggregationView, bounds: SpanBounds, alias: string) {
  const longest = Math.max(...view.features.map((f) => f.aggregate.windowMs));
  const et = `${alias}.${q('event_time')}`;
  const earliest = bounds.before(longest);
  return [`${et} <= ${bounds.latest}`, ...(earliest === undefined ? [] : [`${et} > ${earliest}`])];
}

/** Deduplicated events the as-of lets in: by record id, then by event id (first arrival). */
function eventsCte(
  view: PlannedAggregationView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  table: string,
  bounds: SpanBounds,
): string {
  const keys = view.keys.map((k) => q(k.name));
  const cols = view.aggregation.columns.map((c) => q(c.name));
  const conds = view.keys.map((k) => `f.${q(k.name)} IS NOT NULL`);
  if (plan.spine.asOf.kind === 'instant')
    conds.push(`f.${q('ingested_at')} <= ${timestampLiteral(plan.spine.asOf.at)}`);
  const eventId = view.aggregation.eventId;
  // Copies of a record share its event time, so the span may cut before the dedup by record id;
  // events that share an event id might not, so there it cuts after "first arrival" is decided.
  const outer = [`d.${q(SQL_COLUMNS.rowNumber)} = 1`];
  (eventId === null ? conds : outer).push(...spanConds(view, bounds, eventId === null ? 'f' : 'd'));
  const identity =
    eventId === null
      ? `r.${q('record_id')}`
      : `COALESCE(CAST(r.${q(eventId)} AS VARCHAR), r.${q('record_id')})`;
  const idKind = eventId === null ? '' : `r.${q(eventId)} IS NULL, `;
  // A per-row as-of folds events (`boundedPick`): it needs their ingested_at in ms and order.
  const perRow =
    plan.spine.asOf.kind === 'column'
      ? `, ${epochMs(`d.${q('ingested_at')}`)} AS ${q(INGESTED_MS)}, row_number() OVER (PARTITION BY ${keys.map((k) => `d.${k}`).join(', ')} ORDER BY d.${q('event_time')}, d.${q('record_id')}) AS ${q('_sk_ord')}`
      : '';
  return [
    `SELECT ${[...keys, ...cols].map((c) => `d.${c}`).join(', ')}, d.${q('event_time')}, ${epochMs(`d.${q('event_time')}`)} AS ${MS}, d.${q('record_id')} AS ${RID}, d.${q('ingested_at')}${perRow}`,
    'FROM (',
    `  SELECT r.*, row_number() OVER (PARTITION BY ${[...keys.map((k) => `r.${k}`), `${idKind}${identity}`].join(', ')} ORDER BY r.${q('record_id')}) AS ${q(SQL_COLUMNS.rowNumber)}`,
    '  FROM (',
    `    SELECT f.*, row_number() OVER (PARTITION BY f.${q('record_id')} ORDER BY f.${q('ingested_at')}) AS ${q('_sk_copy')}`,
    `    FROM ${table} AS f`,
    `    WHERE ${conds.join(' AND ')}`,
    '  ) AS r',
    `  WHERE r.${q('_sk_copy')} = 1`,
    ') AS d',
    `WHERE ${outer.join(' AND ')}`,
  ].join('\n');
}

export function windowCtes(
  view: PlannedAggregationView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: { view(view: PlannedAggregationView): string },
  spineCte: string,
  bounds: SpanBounds,
): [string, string][] {
  const events = viewCte(view.name, 'events');
  const ctes: [string, string][] = [
    [events, eventsCte(view, plan, dialect, relations.view(view), bounds)],
  ];
  if (plan.spine.asOf.kind === 'column')
    ctes.push(...perRowAsOfCtes(view, dialect, events, spineCte));
  else ctes.push(...runningCtes(view, dialect, events, spineCte, windowPickName(view), []));
  return ctes;
}

/**
 * Per-row as-of: the values of no as-of limit (the running shape), kept for every row whose
 * as-of is at or after the newest `ingested_at` in its windows (the usual case: a rebuild at
 * served_at of events that were on time); the other rows fold their own events (`boundedPick`).
 */
function perRowAsOfCtes(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): [string, string][] {
  const { aggs } = aggsOf(view);
  const name = (step: ViewStep) => viewCte(view.name, step);
  const asOf = `s.${q(SQL_COLUMNS.asOf)}`;
  const newest = `i.${q(NEWEST_INGESTED)}`;
  const newestIngested: PrefixColumn = {
    name: NEWEST_INGESTED,
    dtype: 'int64',
    expr: (over) => `max(e.${q(INGESTED_MS)}) ${over}`,
  };
  const outputs = [
    ROW,
    ...aggs.flatMap((a) => [q(a.feature), q(windowCountColumn(a.feature))]),
  ].join(', ');
  return [
    ...runningCtes(view, dialect, events, spineCte, name('unlimited'), [newestIngested]),
    [
      name('checked'),
      [
        `SELECT i.*, (${asOf} IS NULL OR ${newest} IS NULL OR ${newest} <= ${epochMs(asOf)}) AS ${q('_sk_settled')}`,
        `FROM ${q(name('unlimited'))} AS i`,
        `JOIN ${q(spineCte)} AS s ON s.${ROW} = i.${ROW}`,
      ].join('\n'),
    ],
    [
      name('unsettled'),
      [
        'SELECT s.*',
        `FROM ${q(spineCte)} AS s`,
        `JOIN ${q(name('checked'))} AS c ON c.${ROW} = s.${ROW}`,
        `WHERE NOT c.${q('_sk_settled')}`,
      ].join('\n'),
    ],
    [name('bounded'), boundedPick(view, dialect, events, name('unsettled'))],
    [
      windowPickName(view),
      [
        `SELECT ${outputs} FROM ${q(name('checked'))} WHERE ${q('_sk_settled')}`,
        'UNION ALL',
        `SELECT ${outputs} FROM ${q(name('bounded'))}`,
      ].join('\n'),
    ],
  ];
}

/** Later than any instant skewless accepts (years 0001-9999): "no as-of limit" as epoch ms. */
const NO_AS_OF_MS = 253_402_300_800_000;

/**
 * Per-row as-of: each row folds its own keys' events inside its window, as of its as-of. The
 * row's bounds are columns before the join, so that it is a hash join on the keys with range
 * conditions on columns (an OR or an expression of both sides makes it a nested loop).
 */
function boundedPick(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): string {
  const { aggs, groups } = aggsOf(view);
  const tMs = epochMs(`s.${q(SQL_COLUMNS.t)}`);
  const start = (j: number) => q(windowStartColumn(j));
  const starts = groups.map((g, j) => `${windowStartSql(tMs, g, dialect)} AS ${start(j)}`);
  const lows = groups.map((_, j) => `b.${start(j)}`);
  const cols = [`s.${ROW}`];
  for (const a of aggs) {
    const inWindow = `e.${MS} > s.${start(a.group)} AND ${contributesSql(view, a.aggregate, dialect)}`;
    const col = a.aggregate.column === null ? 'NULL' : `e.${q(a.aggregate.column)}`;
    const count = `count(CASE WHEN ${inWindow} THEN 1 END)`;
    const value = {
      count,
      sum: `COALESCE(sum(CASE WHEN ${inWindow} THEN ${col} END), CAST(0 AS ${dialect.type(a.dtype)}))`,
      mean: `avg(CASE WHEN ${inWindow} THEN CAST(${col} AS ${dialect.type('float64')}) END)`,
      min: `min(CASE WHEN ${inWindow} THEN ${col} END)`,
      max: `max(CASE WHEN ${inWindow} THEN ${col} END)`,
      last: `max_by(CASE WHEN ${inWindow} THEN ${col} END, CASE WHEN ${inWindow} THEN e.${q('_sk_ord')} END)`,
    }[a.aggregate.fn];
    cols.push(`${value} AS ${q(a.feature)}`, `${count} AS ${q(windowCountColumn(a.feature))}`);
  }
  const bounds = [
    ...view.keys.map((k) => `s.${q(k.name)}`),
    `s.${ROW}`,
    `${tMs} AS ${q('_sk_tm')}`,
    ...starts,
    `COALESCE(${epochMs(`s.${q(SQL_COLUMNS.asOf)}`)}, ${NO_AS_OF_MS}) AS ${q('_sk_am')}`,
  ];
  return [
    `SELECT ${cols.join(',\n  ')}`,
    'FROM (',
    `  SELECT b.*, ${lows.length === 1 ? lows[0]! : `least(${lows.join(', ')})`} AS ${q('_sk_lo')}`,
    `  FROM (SELECT ${bounds.join(', ')} FROM ${q(spineCte)} AS s) AS b`,
    ') AS s',
    `LEFT JOIN ${q(events)} AS e ON ${[...view.keys.map((k) => `e.${q(k.name)} = s.${q(k.name)}`), `e.${MS} <= s.${q('_sk_tm')}`, `e.${MS} > s.${q('_sk_lo')}`, `e.${q(INGESTED_MS)} <= s.${q('_sk_am')}`].join(' AND ')}`,
    `GROUP BY s.${ROW}`,
  ].join('\n');
}
