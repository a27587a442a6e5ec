/**
 * Renders a point-in-time plan to one SELECT through a dialect. The CTEs, per view:
 *
 * - `_sk_spine`: the spine's row number, keys, `t` (and the per-row as-of).
 * - `_sk_<view>__candidates` (window) / `_sk_<view>__ties` (asof, per-row as-of): spine rows and
 *   records, cut to the spine's span (`span.ts`; the window shape's cut: `pick-window.ts`).
 * - `_sk_<view>__pick`: for each spine row, the newest visible record by `(event_time, record_id)`
 *   (`lib/core/ordering.ts`), carried as ONE non-null struct so a legitimately null feature is
 *   never skipped by IGNORE NULLS. Records at exactly `t` sort before the spine row, so they are
 *   visible. Duplicate deliveries are identical copies, so ties need no dedup pass.
 * - the final projection: spine columns, then per feature the value, or its default when the
 *   record is missing, expired (`event_time <= t - ttl`) or null — `resolveFeature` semantics.
 *
 * The pick is a window over (keys) ordered by time, never a range join `f.ts <= s.ts` that grows
 * with history × spine. In the `duckdb-asof` dialect with one as-of instant, the projection
 * ASOF-joins each view's records straight onto the spine (`_sk_<view>__records`, ordered by one
 * `(event_time, record_id)` struct, so no tie pre-aggregation), through a dictionary that numbers
 * the spine's distinct keys (`_sk_keys<n>`): no pick is joined back by row number, and the ASOF
 * partitions on one integer (`asof-chain.ts`). A per-row as-of column cannot ride in that window
 * (two inequalities), so * only the rows whose pick was ingested after their as-of are re-picked by a join over their own
 * keys' records inside the ttl window `(t - ttl, t]` (`_sk_<view>__late`, `_sk_<view>__fix`):
 * older records resolve to the default anyway. Whether such a row is `expired` or `missing` comes
 * from the running minimum of `ingested_at` carried by the pick (`_sk_min_ing`): some record at or
 * before `t` was known by the as-of exactly when that minimum is `<= as_of`.
 */
import { quoteIdentifier as q, stringLiteral, valueLiteral } from './literals.ts';
import { floorDivSql, type SqlDialect } from './dialect.ts';
import {
  chainedEventTime,
  chainedJoins,
  chainedRecordsCte,
  dictionaryCte,
  keyDictionaries,
  type KeyDictionary,
} from './asof-chain.ts';
import { ET, ING, MIN_ING, T, windowPickCtes } from './pick-window.ts';
import { ROW, V } from './window-terms.ts';
import { recordFilter, recordStruct, structFields } from './records.ts';
import { spanBounds, type SpanBounds, type SpineSpan } from './span.ts';
import { epochMs, windowCountColumn, windowCtes, windowPickName } from './windows.ts';
import {
  statusColumnName,
  type PlannedAggregationView,
  type PlannedView,
  type PointInTimePlan,
} from './plan.ts';
import { SPINE_CTE, SQL_COLUMNS, viewCte } from './names.ts';

/** Where the relations live: rendered relation text for the spine and for each view's table. */
export interface SqlRelations {
  /**
   * The spine relation; it must carry `_sk_row`, the keys, the time (and as-of) column. It may be
   * read more than once (`duckdb-asof` numbers its keys first), so it must be deterministic: a
   * table, or a query over one, never a sample.
   */
  readonly spine: string;
  /** The offline relation of a view version, with exactly `offlineColumns(view)`. */
  view(view: PlannedView): string;
}

export interface RenderOptions {
  /** Add `<output>__status` columns. @default true */
  readonly statusColumns?: boolean;
  /**
   * The spine's span, when the caller knows it: every scan's `event_time` bounds are then
   * literals Athena can prune partitions with (`span.ts`). Absent: scalar subqueries.
   */
  readonly span?: SpineSpan;
}

/** CTE names carry the reserved `_sk_` prefix so no spine or offline table name can shadow them. */
const AS_OF = q(SQL_COLUMNS.asOf);

/** Renders the plan to a SELECT whose rows are the spine rows (no ORDER BY: callers sort). */
export function renderPointInTimeSql(
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: SqlRelations,
  options: RenderOptions = {},
): string {
  const perRowAsOf = plan.spine.asOf.kind === 'column';
  // ASOF with one as-of: the projection ASOF-joins each view's ties straight onto the spine, so
  // no pick is materialized and joined back by row number (the cheapest DuckDB plan).
  const chained = dialect.pick === 'asof' && !perRowAsOf;
  const dictionaries = chained ? keyDictionaries(plan.views) : new Map<string, KeyDictionary>();
  const windowed = plan.views.some((v) => v.kind === 'aggregation');
  const bounds = spanBounds(options.span, SPINE_CTE, dialect);
  const ctes: [string, string][] =
    chained && !windowed ? [] : [[SPINE_CTE, spineCte(plan, dialect, relations)]];
  for (const d of new Set(dictionaries.values())) ctes.push(dictionaryCte(d, relations));
  plan.views.forEach((view) => {
    if (view.kind === 'aggregation') {
      ctes.push(...windowCtes(view, plan, dialect, relations, SPINE_CTE, bounds));
      return;
    }
    const dictionary = dictionaries.get(view.name);
    ctes.push(
      ...(dictionary
        ? [chainedRecordsCte(view, plan, dialect, relations, dictionary, options.span)]
        : viewCtes(view, plan, dialect, relations, perRowAsOf, bounds)),
    );
  });
  const body = ctes.map(([name, sql]) => `${q(name)} AS (\n${indent(sql)}\n)`).join(',\n');
  return `WITH\n${body}\n${projection(plan, dialect, relations, options, dictionaries)}`;
}

function spineCte(plan: PointInTimePlan, dialect: SqlDialect, relations: SqlRelations): string {
  const ts = dialect.type('timestamp');
  const cols = [
    `s.${ROW} AS ${ROW}`,
    ...plan.spine.keys.map((k) => `s.${q(k.name)} AS ${q(k.name)}`),
    `CAST(s.${q(plan.spine.timeColumn)} AS ${ts}) AS ${T}`,
  ];
  if (plan.spine.asOf.kind === 'column')
    cols.push(`CAST(s.${q(plan.spine.asOf.column)} AS ${ts}) AS ${AS_OF}`);
  return `SELECT ${cols.join(', ')}\nFROM ${relations.spine} AS s`;
}

function viewCtes(
  view: PlannedView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: SqlRelations,
  perRowAsOf: boolean,
  bounds: SpanBounds,
): [string, string][] {
  const keys = view.keys.map((k) => q(k.name));
  const struct = recordStruct(view, dialect, perRowAsOf);
  const table = relations.view(view);
  const pickName = perRowAsOf ? viewCte(view.name, 'pick0') : viewCte(view.name, 'pick');
  const ctes: [string, string][] = [];
  if (dialect.pick === 'window') {
    ctes.push(...windowPickCtes(view, plan, dialect, table, bounds, SPINE_CTE, perRowAsOf));
  } else {
    const filter = recordFilter(view, plan, bounds.latest);
    const tieGroups = (where: string) =>
      [
        `SELECT ${keys.map((k) => `f.${k}`).join(', ')}, f.${q('event_time')} AS ${ET}, arg_max(${struct}, f.${q('record_id')}) AS ${V}${perRowAsOf ? `, min(f.${q('ingested_at')}) AS ${ING}` : ''}`,
        `FROM ${table} AS f`,
        `WHERE ${where}`,
        `GROUP BY ${keys.map((k) => `f.${k}`).join(', ')}, f.${q('event_time')}`,
      ].join('\n');
    ctes.push([
      viewCte(view.name, 'ties'),
      perRowAsOf
        ? [
            `SELECT g.*, min(g.${ING}) OVER (PARTITION BY ${keys.map((k) => `g.${k}`).join(', ')} ORDER BY g.${ET} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${MIN_ING}`,
            `FROM (\n${indent(spanTies(view, dialect, table, struct, filter, tieGroups, bounds))}\n) AS g`,
          ].join('\n')
        : tieGroups(filter),
    ]);
    ctes.push([
      pickName,
      [
        `SELECT s.${ROW}, r.${V}${perRowAsOf ? `, r.${MIN_ING}` : ''}`,
        `FROM ${q(SPINE_CTE)} AS s ASOF LEFT JOIN ${q(viewCte(view.name, 'ties'))} AS r`,
        `ON ${[...keys.map((k) => `s.${k} = r.${k}`), `s.${T} >= r.${ET}`].join(' AND ')}`,
      ].join('\n'),
    ]);
  }
  if (perRowAsOf) ctes.push(...lateFixCtes(view, struct, table, dialect, bounds));
  return ctes;
}

/**
 * Per-row as-of tie groups, cut to the spine's span. Every row's `t` is at or after the earliest
 * `t`, so of a key's records before it a row can only pick the newest (by event time, then
 * record id), and the expired-or-missing rule reads only their earliest `ingested_at`
 * (`lateFixCtes` re-picks late rows from the records themselves). Those records are therefore
 * one row carrying just that, and the running minimum and the ASOF join read the span's records,
 * not the whole history (a day's spine: one day of records, not six months).
 */
function spanTies(
  view: PlannedView,
  dialect: SqlDialect,
  table: string,
  struct: string,
  filter: string,
  tieGroups: (where: string) => string,
  bounds: SpanBounds,
): string {
  const keys = view.keys.map((k) => `f.${q(k.name)}`);
  const et = `f.${q('event_time')}`;
  const cut = `${et} < ${bounds.earliest}`;
  return [
    tieGroups(`${filter} AND NOT (${cut})`),
    'UNION ALL',
    `SELECT ${keys.join(', ')}, max(${et}), arg_max(${struct}, ${dialect.struct(
      [
        { name: 'et', dtype: 'timestamp' },
        { name: 'rid', dtype: 'string' },
      ],
      [et, `f.${q('record_id')}`],
    )}), min(f.${q('ingested_at')})`,
    `FROM ${table} AS f`,
    `WHERE ${filter} AND ${cut}`,
    `GROUP BY ${keys.join(', ')}`,
  ].join('\n');
}

/**
 * Per-row as-of: re-pick the rows whose pick came in too late, by a join over their own keys'
 * records in `(t - ttl, t]`. A late row with no such record is `expired` when some record at or
 * before `t` was known by its as-of (the pick's running minimum of `ingested_at`), else `missing`:
 * the pick then stands for that with a featureless record timed `t - ttl`, or with none.
 *
 * The join is on the keys and a ttl-wide bucket of the event time (`t`'s bucket and the one
 * before hold all of `(t - ttl, t]`), so each late row meets the records of two buckets, not
 * every record of its keys (an airport's history, for a 2-hour ttl).
 */
function lateFixCtes(
  view: PlannedView,
  struct: string,
  table: string,
  dialect: SqlDialect,
  bounds: SpanBounds,
): [string, string][] {
  const ttl = dialect.interval(view.ttlMs);
  const fields = structFields(view, true);
  const expired = dialect.struct(fields, [
    ...view.features.map((f) => `CAST(NULL AS ${dialect.type(f.dtype)})`),
    `l.${T} - ${ttl}`,
    `CAST(NULL AS ${dialect.type('timestamp')})`,
  ]);
  const keys = view.keys.map((k) => q(k.name));
  const pick0 = q(viewCte(view.name, 'pick0'));
  const late = q(viewCte(view.name, 'late'));
  const fix = q(viewCte(view.name, 'fix'));
  const bucket = (ts: string) => floorDivSql(epochMs(ts), view.ttlMs, dialect);
  const B = q('_sk_b');
  const et = `f.${q('event_time')}`;
  const after = bounds.before(view.ttlMs);
  const inSpan = [
    ...(after === undefined ? [] : [`${et} > ${after}`]),
    `${et} <= ${bounds.latest}`,
  ].join(' AND ');
  return [
    [
      viewCte(view.name, 'late'),
      [
        `SELECT s.${ROW}, ${keys.map((k) => `s.${k}`).join(', ')}, s.${T}, s.${AS_OF}, p.${MIN_ING}`,
        `FROM ${pick0} AS p JOIN ${q(SPINE_CTE)} AS s ON s.${ROW} = p.${ROW}`,
        `WHERE p.${V}.${ING} > s.${AS_OF}`,
      ].join('\n'),
    ],
    [
      viewCte(view.name, 'fix'),
      [
        `SELECT x.${ROW}, x.${V}`,
        'FROM (',
        `  SELECT l.${ROW}, ${struct} AS ${V}, row_number() OVER (`,
        `    PARTITION BY l.${ROW} ORDER BY f.${q('event_time')} DESC, f.${q('record_id')} DESC) AS ${q(SQL_COLUMNS.rowNumber)}`,
        `  FROM (SELECT l.*, ${bucket(`l.${T}`)} - o.${q('_sk_i')} AS ${B} FROM ${late} AS l CROSS JOIN UNNEST(${dialect.integerSeries(2)}) AS o(${q('_sk_i')})) AS l`,
        `  JOIN (SELECT f.*, ${bucket(`f.${q('event_time')}`)} AS ${B} FROM ${table} AS f WHERE ${inSpan}) AS f`,
        `  ON ${[...keys.map((k) => `f.${k} = l.${k}`), `f.${B} = l.${B}`, `f.${q('event_time')} <= l.${T}`, `f.${q('event_time')} > l.${T} - ${ttl}`, `f.${q('ingested_at')} <= l.${AS_OF}`].join(' AND ')}`,
        ') AS x',
        `WHERE x.${q(SQL_COLUMNS.rowNumber)} = 1`,
      ].join('\n'),
    ],
    [
      viewCte(view.name, 'pick'),
      [
        `SELECT p.${ROW}, CASE WHEN l.${ROW} IS NULL THEN p.${V} WHEN x.${V} IS NOT NULL THEN x.${V} WHEN l.${MIN_ING} <= l.${AS_OF} THEN ${expired} END AS ${V}`,
        `FROM ${pick0} AS p`,
        `LEFT JOIN ${late} AS l ON l.${ROW} = p.${ROW}`,
        `LEFT JOIN ${fix} AS x ON x.${ROW} = p.${ROW}`,
      ].join('\n'),
    ],
  ];
}

function projection(
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: SqlRelations,
  options: RenderOptions,
  dictionaries: ReadonlyMap<string, KeyDictionary>,
): string {
  const t = `CAST(s.${q(plan.spine.timeColumn)} AS ${dialect.type('timestamp')})`;
  const cols = ['s.*'];
  const statuses: string[] = [];
  const joins: string[] = [];
  const numbered = new Set<string>();
  plan.views.forEach((view, i) => {
    const p = `p${i}`;
    if (view.kind === 'aggregation') {
      aggregationColumns(view, p, dialect, options, joins, cols, statuses);
      return;
    }
    const d = dictionaries.get(view.name);
    if (d) joins.push(...chainedJoins(view, p, d, t, dialect, numbered));
    else joins.push(`LEFT JOIN ${q(viewCte(view.name, 'pick'))} AS ${p} ON ${p}.${ROW} = s.${ROW}`);
    const fresh = `${d ? chainedEventTime(p) : `${p}.${V}.${ET}`} > ${t} - ${dialect.interval(view.ttlMs)}`;
    for (const f of view.features) {
      const dflt = valueLiteral(f.default, f.dtype, dialect);
      cols.push(
        `CASE WHEN ${p}.${V} IS NULL THEN ${dflt} WHEN ${fresh} THEN COALESCE(${p}.${V}.${q(f.feature)}, ${dflt}) ELSE ${dflt} END AS ${q(f.output)}`,
      );
    }
    if (options.statusColumns ?? true) {
      const status = `CASE WHEN ${p}.${V} IS NULL THEN ${stringLiteral('missing')} WHEN ${fresh} THEN ${stringLiteral('present')} ELSE ${stringLiteral('expired')} END`;
      for (const f of view.features) statuses.push(`${status} AS ${q(statusColumnName(f.output))}`);
    }
  });
  return [
    `SELECT ${[...cols, ...statuses].join(',\n  ')}`,
    `FROM ${relations.spine} AS s`,
    ...joins,
  ].join('\n');
}

/**
 * An aggregation view's outputs: the window value (its default when the window yields null) and
 * `present` when some event contributes, `missing` for an empty window (`resolveAggregateAt`).
 */
function aggregationColumns(
  view: PlannedAggregationView,
  p: string,
  dialect: SqlDialect,
  options: RenderOptions,
  joins: string[],
  cols: string[],
  statuses: string[],
): void {
  joins.push(`LEFT JOIN ${q(windowPickName(view))} AS ${p} ON ${p}.${ROW} = s.${ROW}`);
  for (const f of view.features) {
    const dflt = valueLiteral(f.default, f.dtype, dialect);
    cols.push(`COALESCE(${p}.${q(f.feature)}, ${dflt}) AS ${q(f.output)}`);
    if (options.statusColumns ?? true)
      statuses.push(
        `CASE WHEN ${p}.${q(windowCountColumn(f.feature))} > 0 THEN ${stringLiteral('present')} ELSE ${stringLiteral('missing')} END AS ${q(statusColumnName(f.output))}`,
      );
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
