/**
 * A window export with a per-row as-of column (the skew check's rebuild at `served_at`): each
 * row may see only the events ingested by its own as-of. Three ways to a row's values, cheapest
 * first:
 *
 * - **settled**: the row's as-of is at or after the newest `ingested_at` of its entity's events
 *   up to `t` (a running prefix the running shape carries): it sees every event of its windows,
 *   so its values are those of no as-of limit (`_sk_<v>__unlimited`).
 * - **corrected**: otherwise, the events the as-of withdraws are those ingested after it. An
 *   event ingested at most `lag` after its event time (the largest lag among the entity's
 *   events up to `t`, a running prefix too) and after the as-of happened after `as_of − lag`,
 *   so only a short stretch before `t` is joined
 *   (`_sk_<v>__withdrawn`), not the whole window. Counts, sums and means subtract what those
 *   events contributed. A min or max stands when every withdrawn value is strictly inside it (the
 *   event that made it is still seen); a `last` stands when no withdrawn event feeds it.
 * - **folded**: the rows a correction cannot settle fold their own keys' events inside their
 *   window `(s, t]` as of their as-of (`_sk_<v>__bounded`), which grows with rows × events per
 *   window: few rows, since a withdrawn value rarely is the window's extreme.
 */
import { quoteIdentifier as q } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import type { PlannedAggregationView } from './plan.ts';
import { runningCtes, type PrefixColumn } from './window-running.ts';
import {
  aggsOf,
  contributesSql,
  epochMs,
  INGESTED_MS,
  MS,
  ROW,
  windowCountColumn,
  windowPickName,
  windowStartSql,
  windowSumColumn,
  type Agg,
} from './window-terms.ts';
import { SQL_COLUMNS, viewCte, windowStartColumn, type ViewStep } from './names.ts';

/**
 * The newest `ingested_at` of an entity's events at or before `t`: a row whose as-of is at or
 * after it sees every event of its windows (they are among those events), so its values are
 * those of no as-of limit. A prefix, not a per-window maximum: one running column, no per-tile
 * join (a maximum over a 7-day window of 1-hour tiles joins 167 tiles per row).
 */
const NEWEST_INGESTED = '_sk_newest_ing';
/** The largest `ingested_at − event_time` of an entity's events at or before `t`, in ms. */
const MAX_LAG = '_sk_lag';
/** Later than any instant skewless accepts (years 0001-9999): "no as-of limit" as epoch ms. */
const NO_AS_OF_MS = 253_402_300_800_000;

const SETTLED = q('_sk_settled');
const FOLD = q('_sk_fold');
/** A row's bounds as columns: `t` and its as-of in ms, and the lowest event time it reads. */
const T_MS = q('_sk_tm');
const AS_OF_MS = q('_sk_am');
const LOW_MS = q('_sk_lo');

/** The withdrawn events' count, sum and extreme of aggregation `i`. */
const withdrawnColumn = (role: 'count' | 'sum' | 'extreme', i: number) => q(`_sk_w${role[0]}${i}`);

export function perRowAsOfCtes(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): [string, string][] {
  const { aggs } = aggsOf(view);
  const name = (step: ViewStep) => viewCte(view.name, step);
  const asOf = `i.${q(SQL_COLUMNS.asOf)}`;
  const newest = `i.${q(NEWEST_INGESTED)}`;
  const prefix: PrefixColumn[] = [
    { name: NEWEST_INGESTED, dtype: 'int64', expr: (over) => `max(e.${q(INGESTED_MS)}) ${over}` },
    { name: MAX_LAG, dtype: 'int64', expr: (over) => `max(e.${q(INGESTED_MS)} - e.${MS}) ${over}` },
  ];
  const outputs = [
    ROW,
    ...aggs.flatMap((a) => [q(a.feature), q(windowCountColumn(a.feature))]),
  ].join(', ');
  const extras = { prefix, windowSums: true, spineColumns: [SQL_COLUMNS.asOf] };
  return [
    ...runningCtes(view, dialect, events, spineCte, name('unlimited'), extras),
    [
      name('checked'),
      [
        `SELECT i.*, (${asOf} IS NULL OR ${newest} IS NULL OR ${newest} <= ${epochMs(asOf)}) AS ${SETTLED}`,
        `FROM ${q(name('unlimited'))} AS i`,
      ].join('\n'),
    ],
    [name('unsettled'), rowsWhere(spineCte, name('checked'), `NOT c.${SETTLED}`, [MAX_LAG])],
    [name('withdrawn'), withdrawnPick(view, dialect, events, name('unsettled'))],
    [name('corrected'), correctedPick(aggs, dialect, name('checked'), name('withdrawn'))],
    [name('folded'), rowsWhere(spineCte, name('corrected'), `c.${FOLD}`)],
    [name('bounded'), boundedPick(view, dialect, events, name('folded'))],
    [
      windowPickName(view),
      [
        `SELECT ${outputs} FROM ${q(name('checked'))} WHERE ${SETTLED}`,
        'UNION ALL',
        `SELECT ${outputs} FROM ${q(name('corrected'))} WHERE NOT ${FOLD}`,
        'UNION ALL',
        `SELECT ${outputs} FROM ${q(name('bounded'))}`,
      ].join('\n'),
    ],
  ];
}

/** The spine rows whose row in `marked` (alias `c`) meets `condition`, with its `carried` columns. */
function rowsWhere(
  spineCte: string,
  marked: string,
  condition: string,
  carried: readonly string[] = [],
): string {
  return [
    `SELECT ${['s.*', ...carried.map((c) => `c.${q(c)}`)].join(', ')}`,
    `FROM ${q(spineCte)} AS s`,
    `JOIN ${q(marked)} AS c ON c.${ROW} = s.${ROW}`,
    `WHERE ${condition}`,
  ].join('\n');
}

/**
 * Each spine row's bounds as columns (keys, row, `t` and as-of in ms, each window start), so
 * that the join on events is a hash join on the keys with range conditions on columns (an OR or
 * an expression of both sides makes it a nested loop).
 */
function rowBounds(view: PlannedAggregationView, dialect: SqlDialect): string {
  const { groups } = aggsOf(view);
  const tMs = epochMs(`s.${q(SQL_COLUMNS.t)}`);
  return [
    ...view.keys.map((k) => `s.${q(k.name)}`),
    `s.${ROW}`,
    `${tMs} AS ${T_MS}`,
    ...groups.map((g, j) => `${windowStartSql(tMs, g, dialect)} AS ${q(windowStartColumn(j))}`),
    `COALESCE(${epochMs(`s.${q(SQL_COLUMNS.asOf)}`)}, ${NO_AS_OF_MS}) AS ${AS_OF_MS}`,
  ].join(', ');
}

function lowestStart(view: PlannedAggregationView): string {
  const lows = aggsOf(view).groups.map((_, j) => `b.${q(windowStartColumn(j))}`);
  return lows.length === 1 ? lows[0]! : `least(${lows.join(', ')})`;
}

/** Event `e` is in row `s`'s window of `a` and feeds it. */
function inWindowSql(view: PlannedAggregationView, a: Agg, dialect: SqlDialect): string {
  return `e.${MS} > s.${q(windowStartColumn(a.group))} AND ${contributesSql(view, a.aggregate, dialect)}`;
}

/** Per unsettled row, what its withdrawn events (ingested after its as-of) contributed. */
function withdrawnPick(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  unsettled: string,
): string {
  const cols = [`s.${ROW}`];
  for (const a of aggsOf(view).aggs) {
    const when = inWindowSql(view, a, dialect);
    const col = a.aggregate.column === null ? 'NULL' : `e.${q(a.aggregate.column)}`;
    cols.push(`count(CASE WHEN ${when} THEN 1 END) AS ${withdrawnColumn('count', a.index)}`);
    const fn = a.aggregate.fn;
    if (fn === 'sum')
      cols.push(`sum(CASE WHEN ${when} THEN ${col} END) AS ${withdrawnColumn('sum', a.index)}`);
    if (fn === 'mean')
      cols.push(
        `sum(CASE WHEN ${when} THEN CAST(${col} AS ${dialect.type('float64')}) END) AS ${withdrawnColumn('sum', a.index)}`,
      );
    if (fn === 'min' || fn === 'max')
      cols.push(
        `${fn}(CASE WHEN ${when} THEN ${col} END) AS ${withdrawnColumn('extreme', a.index)}`,
      );
  }
  const keys = view.keys.map((k) => q(k.name));
  return [
    `SELECT ${cols.join(',\n  ')}`,
    'FROM (',
    `  SELECT b.*, greatest(${lowestStart(view)}, b.${AS_OF_MS} - b.${q(MAX_LAG)}) AS ${LOW_MS}`,
    `  FROM (SELECT ${rowBounds(view, dialect)}, s.${q(MAX_LAG)} FROM ${q(unsettled)} AS s) AS b`,
    ') AS s',
    `JOIN ${q(events)} AS e ON ${[...keys.map((k) => `e.${k} = s.${k}`), `e.${MS} <= s.${T_MS}`, `e.${MS} > s.${LOW_MS}`, `e.${q(INGESTED_MS)} > s.${AS_OF_MS}`].join(' AND ')}`,
    `GROUP BY s.${ROW}`,
  ].join('\n');
}

/**
 * The unsettled rows' values less their withdrawn events, and `_sk_fold` where that cannot
 * be known without folding (a withdrawn value may have been the extreme, or the last).
 */
function correctedPick(
  aggs: readonly Agg[],
  dialect: SqlDialect,
  checked: string,
  withdrawn: string,
): string {
  const cols = [`c.${ROW}`];
  const fold: string[] = [];
  for (const a of aggs) {
    const i = a.index;
    const value = `c.${q(a.feature)}`;
    const gone = `COALESCE(w.${withdrawnColumn('count', i)}, 0)`;
    const count = `(c.${q(windowCountColumn(a.feature))} - ${gone})`;
    const goneSum = `COALESCE(w.${withdrawnColumn('sum', i)}, 0)`;
    const type = dialect.type(a.dtype);
    const extreme = `w.${withdrawnColumn('extreme', i)}`;
    let corrected = value;
    switch (a.aggregate.fn) {
      case 'count':
        corrected = count;
        break;
      case 'sum':
        corrected = `CASE WHEN ${count} = 0 THEN CAST(0 AS ${type}) ELSE CAST(${value} - ${goneSum} AS ${type}) END`;
        break;
      case 'mean':
        corrected = `CASE WHEN ${count} > 0 THEN (c.${q(windowSumColumn(a.feature))} - ${goneSum}) / ${count} END`;
        break;
      case 'min':
      case 'max':
        fold.push(
          `(${gone} > 0 AND NOT (${extreme} ${a.aggregate.fn === 'max' ? '<' : '>'} ${value}))`,
        );
        break;
      case 'last':
        fold.push(`${gone} > 0`);
        break;
    }
    cols.push(`${corrected} AS ${q(a.feature)}`, `${count} AS ${q(windowCountColumn(a.feature))}`);
  }
  cols.push(`${fold.length === 0 ? 'FALSE' : fold.join(' OR ')} AS ${FOLD}`);
  return [
    `SELECT ${cols.join(',\n  ')}`,
    `FROM ${q(checked)} AS c`,
    `LEFT JOIN ${q(withdrawn)} AS w ON w.${ROW} = c.${ROW}`,
    `WHERE NOT c.${SETTLED}`,
  ].join('\n');
}

/** Per-row as-of: each row folds its own keys' events inside its window, as of its as-of. */
function boundedPick(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): string {
  const cols = [`s.${ROW}`];
  for (const a of aggsOf(view).aggs) {
    const inWindow = inWindowSql(view, a, dialect);
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
  const keys = view.keys.map((k) => q(k.name));
  return [
    `SELECT ${cols.join(',\n  ')}`,
    'FROM (',
    `  SELECT b.*, ${lowestStart(view)} AS ${LOW_MS}`,
    `  FROM (SELECT ${rowBounds(view, dialect)} FROM ${q(spineCte)} AS s) AS b`,
    ') AS s',
    `LEFT JOIN ${q(events)} AS e ON ${[...keys.map((k) => `e.${k} = s.${k}`), `e.${MS} <= s.${T_MS}`, `e.${MS} > s.${LOW_MS}`, `e.${q(INGESTED_MS)} <= s.${AS_OF_MS}`].join(' AND ')}`,
    `GROUP BY s.${ROW}`,
  ].join('\n');
}
