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
 *   In Athena's shape the probes sort among the events in one window; with `duckdb-asof` each
 *   probe is an ASOF JOIN on the running structs (no sort of the spine, no pivot of probes).
 *
 * With a per-row as-of column (the skew check's rebuild), the events each row may see differ
 * per row: `window-as-of.ts` starts from the running shape's values and takes out, per row, the
 * events ingested after its as-of.
 *
 * Times are compared as epoch milliseconds (`date_diff('millisecond', epoch, ts)`, the same in
 * Trino and DuckDB), so tile arithmetic is exact integer arithmetic. Instants are after 1970.
 */
import { quoteIdentifier as q, timestampLiteral } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import type { PlannedAggregationView, PointInTimePlan } from './plan.ts';
import type { SpanBounds } from './span.ts';
import { runningCtes } from './window-running.ts';
import { perRowAsOfCtes } from './window-as-of.ts';
import { epochMs, INGESTED_MS, MS, RID, windowPickName } from './window-terms.ts';
import { SQL_COLUMNS, viewCte } from './names.ts';

export { epochMs, windowCountColumn, windowPickName } from './window-terms.ts';

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
  // A per-row as-of corrects and folds events (`window-as-of.ts`): it needs their ingested_at
  // in ms and their order.
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
  else ctes.push(...runningCtes(view, dialect, events, spineCte, windowPickName(view)));
  return ctes;
}
