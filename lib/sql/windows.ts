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
 *   equi-join on a fixed number of tile starts per row).
 *
 * With a per-row as-of column (the skew check's rebuild), the events each row may see differ
 * per row: the aggregates are then folded by a join over the row's own keys' events inside its
 * window `(s, t]` (`_sk_<v>__bounded`): it grows with spine × events per window, not history.
 *
 * Times are compared as epoch milliseconds (`date_diff('millisecond', epoch, ts)`, the same in
 * Trino and DuckDB), so tile arithmetic is exact integer arithmetic. Instants are after 1970.
 */
import type { RegistryAggregate, RegistryFilter } from '../registry/types.ts';
import type { Dtype } from '../define/dtypes.ts';
import { quoteIdentifier as q, timestampLiteral, valueLiteral } from './literals.ts';
import type { SqlDialect, StructField } from './dialect.ts';
import {
  SPINE_ROW_COLUMN,
  type PlannedFeature,
  type PlannedView,
  type PointInTimePlan,
} from './plan.ts';

const ROW = q(SPINE_ROW_COLUMN);
const MS = q('_sk_ms');
const RID = q('_sk_rid');
const KIND = q('_sk_kind');
const PROBE = q('_sk_probe');
const V = q('_sk_v');

interface Agg extends PlannedFeature {
  readonly aggregate: RegistryAggregate;
  readonly index: number;
  /** Index of its (window, tile) group: the probe at `s`. */
  readonly group: number;
}

interface Group {
  readonly windowMs: number;
  readonly tileMs: number;
}

/** The name of the pick CTE, and of its count column of a feature. */
export function windowPickName(view: PlannedView): string {
  return `_sk_${view.name}__pick`;
}
export function windowCountColumn(feature: string): string {
  return `${feature}__n`;
}

export function epochMs(expr: string): string {
  return `date_diff('millisecond', ${timestampLiteral(0)}, ${expr})`;
}

function aggsOf(view: PlannedView): { aggs: Agg[]; groups: Group[] } {
  const groups: Group[] = [];
  const aggs = view.features.flatMap((f, index) => {
    const a = f.aggregate;
    if (!a) return [];
    let group = groups.findIndex((g) => g.windowMs === a.windowMs && g.tileMs === a.tileMs);
    if (group < 0) group = groups.push({ windowMs: a.windowMs, tileMs: a.tileMs }) - 1;
    return [{ ...f, aggregate: a, index, group }];
  });
  return { aggs, groups };
}

/** The epoch-ms `ingested_at` of each event, in the events CTE of a per-row as-of. */
const INGESTED_MS = '_sk_ia_ms';
function watermarkName(group: number): string {
  return `_sk_wm${group}`;
}

/**
 * Per window group, the newest `ingested_at` of the events in the window: a row whose as-of is
 * at or after it sees every event of its windows, so its values are those of no as-of limit.
 */
function watermarkAggs(view: PlannedView, groups: readonly Group[]): Agg[] {
  return groups.map((g, j) => ({
    feature: watermarkName(j),
    output: watermarkName(j),
    dtype: 'int64',
    default: null,
    aggregate: {
      fn: 'max',
      column: INGESTED_MS,
      windowMs: g.windowMs,
      tileMs: g.tileMs,
      where: null,
    },
    index: view.features.length + j,
    group: j,
  }));
}

function columnDtype(view: PlannedView, column: string): Dtype {
  if (column === INGESTED_MS) return 'int64';
  return view.aggregation?.columns.find((c) => c.name === column)?.dtype ?? 'float64';
}

function filterSql(view: PlannedView, where: RegistryFilter, dialect: SqlDialect): string {
  const dtype = columnDtype(view, where.column);
  const op = where.op === '!=' ? '<>' : where.op;
  return `e.${q(where.column)} ${op} ${valueLiteral(where.value, dtype, dialect)}`;
}

/** The SQL condition of "this event feeds the aggregation" (`contributes` in windows.ts). */
function contributesSql(view: PlannedView, a: RegistryAggregate, dialect: SqlDialect): string {
  const conds: string[] = [];
  if (a.where) conds.push(filterSql(view, a.where, dialect));
  // `ingested_at` is never null.
  if (a.column !== null && a.column !== INGESTED_MS) conds.push(`e.${q(a.column)} IS NOT NULL`);
  return conds.length === 0 ? 'TRUE' : conds.join(' AND ');
}

/** `s = ceil((t - w) / g) * g` of an epoch-ms expression, in integer arithmetic. */
function windowStartSql(tMs: string, g: Group, dialect: SqlDialect): string {
  return `${dialect.intDiv(`${tMs} - ${g.windowMs - g.tileMs + 1}`, String(g.tileMs))} * ${g.tileMs}`;
}
/** The start `a` of the tile `(a, a + g]` of an epoch-ms expression. */
function tileStartSql(ms: string, tileMs: number, dialect: SqlDialect): string {
  return `${dialect.intDiv(`${ms} + ${tileMs - 1}`, String(tileMs))} * ${tileMs} - ${tileMs}`;
}

/** Deduplicated events the as-of lets in: by record id, then by event id (first arrival). */
function eventsCte(view: PlannedView, plan: PointInTimePlan, table: string): string {
  const keys = view.keys.map((k) => q(k.name));
  const cols = (view.aggregation?.columns ?? []).map((c) => q(c.name));
  const conds = view.keys.map((k) => `f.${q(k.name)} IS NOT NULL`);
  if (plan.spine.asOf.kind === 'instant')
    conds.push(`f.${q('ingested_at')} <= ${timestampLiteral(plan.spine.asOf.at)}`);
  const eventId = view.aggregation?.eventId ?? null;
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
    `  SELECT r.*, row_number() OVER (PARTITION BY ${[...keys.map((k) => `r.${k}`), `${idKind}${identity}`].join(', ')} ORDER BY r.${q('record_id')}) AS ${q('_sk_rn')}`,
    '  FROM (',
    `    SELECT f.*, row_number() OVER (PARTITION BY f.${q('record_id')} ORDER BY f.${q('ingested_at')}) AS ${q('_sk_copy')}`,
    `    FROM ${table} AS f`,
    `    WHERE ${conds.join(' AND ')}`,
    '  ) AS r',
    `  WHERE r.${q('_sk_copy')} = 1`,
    ') AS d',
    `WHERE d.${q('_sk_rn')} = 1`,
  ].join('\n');
}

export function windowCtes(
  view: PlannedView,
  plan: PointInTimePlan,
  dialect: SqlDialect,
  relations: { view(view: PlannedView): string },
  spineCte: string,
): [string, string][] {
  const events = `_sk_${view.name}__events`;
  const ctes: [string, string][] = [[events, eventsCte(view, plan, relations.view(view))]];
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
  view: PlannedView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): [string, string][] {
  const { aggs, groups } = aggsOf(view);
  const name = (suffix: string) => `_sk_${view.name}__${suffix}`;
  const asOf = `s.${q('_sk_as_of')}`;
  const settled = groups.map((_, j) => {
    const mark = `i.${q(watermarkName(j))}`;
    return `${mark} IS NULL OR ${mark} <= ${epochMs(asOf)}`;
  });
  const outputs = [
    ROW,
    ...aggs.flatMap((a) => [q(a.feature), q(windowCountColumn(a.feature))]),
  ].join(', ');
  return [
    ...runningCtes(view, dialect, events, spineCte, name('unlimited'), watermarkAggs(view, groups)),
    [
      name('checked'),
      [
        `SELECT i.*, (${asOf} IS NULL OR (${settled.map((c) => `(${c})`).join(' AND ')})) AS ${q('_sk_settled')}`,
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

const FRAME = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

/** The fields each event's running struct carries for one aggregation. */
function runFields(view: PlannedView, a: Agg): StructField[] {
  const i = a.index;
  const colType = a.aggregate.column === null ? 'int64' : columnDtype(view, a.aggregate.column);
  const fields: StructField[] = [{ name: `c${i}`, dtype: 'int64' }];
  switch (a.aggregate.fn) {
    case 'sum':
      fields.push({ name: `s${i}`, dtype: colType });
      break;
    case 'mean':
      fields.push({ name: `s${i}`, dtype: 'float64' });
      break;
    case 'min':
    case 'max':
      fields.push({ name: `m${i}`, dtype: colType }, { name: `a${i}`, dtype: 'int64' });
      break;
    case 'last':
      fields.push({ name: `le${i}`, dtype: 'int64' }, { name: `lv${i}`, dtype: colType });
      break;
    case 'count':
      break;
  }
  return fields;
}

/** The running expressions behind `runFields`, over the events `e` of one entity. */
function runExprs(view: PlannedView, a: Agg, dialect: SqlDialect): string[] {
  const keys = view.keys.map((k) => `e.${q(k.name)}`).join(', ');
  const over = `OVER (PARTITION BY ${keys} ORDER BY e.${MS}, e.${RID} ${FRAME})`;
  const contrib = contributesSql(view, a.aggregate, dialect);
  const col = a.aggregate.column === null ? 'NULL' : `e.${q(a.aggregate.column)}`;
  const exprs = [`sum(CASE WHEN ${contrib} THEN 1 ELSE 0 END) ${over}`];
  switch (a.aggregate.fn) {
    case 'sum':
      exprs.push(`sum(CASE WHEN ${contrib} THEN ${col} END) ${over}`);
      break;
    case 'mean':
      exprs.push(
        `sum(CASE WHEN ${contrib} THEN CAST(${col} AS ${dialect.type('float64')}) END) ${over}`,
      );
      break;
    case 'min':
    case 'max': {
      const tile = tileStartSql(`e.${MS}`, a.aggregate.tileMs, dialect);
      exprs.push(
        `${a.aggregate.fn}(CASE WHEN ${contrib} THEN ${col} END) OVER (PARTITION BY ${keys}, ${tile} ORDER BY e.${MS}, e.${RID} ${FRAME})`,
        tile,
      );
      break;
    }
    case 'last':
      exprs.push(
        `${dialect.lastValueIgnoreNulls(`CASE WHEN ${contrib} THEN e.${MS} END`)} ${over}`,
        `${dialect.lastValueIgnoreNulls(`CASE WHEN ${contrib} THEN ${col} END`)} ${over}`,
      );
      break;
    case 'count':
      break;
  }
  return exprs;
}

/**
 * The running struct's fields and expressions of every aggregation, each distinct expression
 * once (a count of the same filter, a sum of the same column serve every window): `alias` maps
 * an aggregation's field name to the field that holds its expression.
 */
function runningColumns(
  view: PlannedView,
  aggs: readonly Agg[],
  dialect: SqlDialect,
): { fields: StructField[]; exprs: string[]; alias: (field: string) => string } {
  const fields: StructField[] = [];
  const exprs: string[] = [];
  const aliases = new Map<string, string>();
  for (const a of aggs) {
    const own = runExprs(view, a, dialect);
    runFields(view, a).forEach((f, i) => {
      const expr = own[i]!;
      const found = exprs.findIndex((x, j) => x === expr && fields[j]!.dtype === f.dtype);
      if (found >= 0) aliases.set(f.name, fields[found]!.name);
      else {
        exprs.push(expr);
        fields.push(f);
      }
    });
  }
  return { fields, exprs, alias: (f) => aliases.get(f) ?? f };
}

function runningCtes(
  view: PlannedView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
  pickName: string,
  extra: readonly Agg[],
): [string, string][] {
  const own = aggsOf(view);
  const groups = own.groups;
  const aggs = [...own.aggs, ...extra];
  const keys = view.keys.map((k) => q(k.name));
  const { fields, exprs, alias } = runningColumns(view, aggs, dialect);
  const name = (suffix: string) => `_sk_${view.name}__${suffix}`;
  const tMs = (alias: string) => epochMs(`${alias}.${q('_sk_t')}`);
  const nullStruct = `CAST(NULL AS ${dialect.structType(fields)})`;
  const probe = (j: number, at: string) =>
    `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, ${at}, 1, CAST(NULL AS ${dialect.type('string')}), s.${ROW}, ${j}, ${nullStruct}\nFROM ${q(spineCte)} AS s`;
  const ctes: [string, string][] = [
    [
      name('run'),
      `SELECT ${keys.map((k) => `e.${k}`).join(', ')}, e.${MS}, e.${RID}, ${dialect.struct(
        fields,
        exprs.map((x, i) => `CAST(${x} AS ${dialect.type(fields[i]!.dtype)})`),
      )} AS ${V}\nFROM ${q(events)} AS e`,
    ],
    [
      name('probes'),
      [
        `SELECT ${keys.join(', ')}, ${MS}, 0 AS ${KIND}, ${RID}, CAST(NULL AS ${dialect.type('int64')}) AS ${ROW}, CAST(NULL AS ${dialect.type('int64')}) AS ${PROBE}, ${V}`,
        `FROM ${q(name('run'))}`,
        'UNION ALL',
        probe(0, tMs('s')),
        ...groups.flatMap((g, j) => [
          'UNION ALL',
          probe(j + 1, windowStartSql(tMs('s'), g, dialect)),
        ]),
      ].join('\n'),
    ],
    [
      name('picked'),
      [
        `SELECT w.${ROW}, w.${PROBE}, w.${V}`,
        'FROM (',
        `  SELECT ${ROW}, ${PROBE}, ${KIND}, ${dialect.lastValueIgnoreNulls(V)} OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${MS}, ${KIND}, ${RID} ${FRAME}) AS ${V}`,
        `  FROM ${q(name('probes'))}`,
        ') AS w',
        `WHERE w.${KIND} = 1`,
      ].join('\n'),
    ],
  ];
  groups.forEach((g, j) => {
    const extremes = aggs.filter(
      (a) => a.group === j && (a.aggregate.fn === 'min' || a.aggregate.fn === 'max'),
    );
    const k = g.windowMs / g.tileMs;
    if (extremes.length === 0 || k < 2) return;
    const tile = tileStartSql(`e.${MS}`, g.tileMs, dialect);
    ctes.push([
      name(`tiles${j}`),
      [
        `SELECT ${keys.map((x) => `e.${x}`).join(', ')}, ${tile} AS ${q('_sk_a')}, ${extremes.map((a) => `${a.aggregate.fn}(CASE WHEN ${contributesSql(view, a.aggregate, dialect)} THEN e.${q(a.aggregate.column!)} END) AS ${q(`m${a.index}`)}`).join(', ')}`,
        `FROM ${q(events)} AS e`,
        `GROUP BY ${keys.map((x) => `e.${x}`).join(', ')}, ${tile}`,
      ].join('\n'),
    ]);
    // The w/g - 1 whole tiles before t's own tile: `a = s + i*g`, i in [0, w/g - 2].
    ctes.push([
      name(`full${j}`),
      [
        `SELECT s.${ROW}, ${extremes.map((a) => `${a.aggregate.fn}(tl.${q(`m${a.index}`)}) AS ${q(`m${a.index}`)}`).join(', ')}`,
        // The tile starts are computed before the join, so that the join is on columns: an
        // equality over both sides' expressions is left to a filter after joining on the keys.
        'FROM (',
        `  SELECT ${[ROW, ...keys].map((x) => `s.${x}`).join(', ')}, ${windowStartSql(tMs('s'), g, dialect)} + o.${q('_sk_i')} * ${g.tileMs} AS ${q('_sk_a')}`,
        `  FROM ${q(spineCte)} AS s`,
        `  CROSS JOIN UNNEST(${dialect.integerSeries(k - 1)}) AS o(${q('_sk_i')})`,
        ') AS s',
        `JOIN ${q(name(`tiles${j}`))} AS tl ON ${[...keys, q('_sk_a')].map((x) => `tl.${x} = s.${x}`).join(' AND ')}`,
        `GROUP BY s.${ROW}`,
      ].join('\n'),
    ]);
  });
  // One row per spine row with every probe's fields side by side: the pick joins it once (a
  // CTE joined once per probe may be evaluated once per join).
  const probed = [
    ...new Set([
      ...fields.map((f) => `0 ${f.name}`),
      ...aggs.flatMap((a) =>
        runFields(view, a)
          .filter((f) => f.name.startsWith('c') || f.name.startsWith('s'))
          .map((f) => `${a.group + 1} ${alias(f.name)}`),
      ),
    ]),
  ].map((x) => x.split(' ') as [string, string]);
  ctes.push([
    name('probed'),
    [
      `SELECT ${ROW}, ${probed.map(([j, f]) => `max(CASE WHEN ${PROBE} = ${j} THEN ${V}.${q(f)} END) AS ${q(`p${j}_${f}`)}`).join(',\n  ')}`,
      `FROM ${q(name('picked'))}`,
      `GROUP BY ${ROW}`,
    ].join('\n'),
  ]);
  ctes.push([pickName, finalPick(view, dialect, aggs, groups, spineCte, alias)]);
  return ctes;
}

function pickCase(a: string, b: string, fn: 'min' | 'max'): string {
  const op = fn === 'min' ? '<' : '>';
  return `CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} WHEN ${a} ${op} ${b} THEN ${a} ELSE ${b} END`;
}

function finalPick(
  view: PlannedView,
  dialect: SqlDialect,
  aggs: readonly Agg[],
  groups: readonly Group[],
  spineCte: string,
  alias: (field: string) => string,
): string {
  const name = (suffix: string) => q(`_sk_${view.name}__${suffix}`);
  const tMs = epochMs(`s.${q('_sk_t')}`);
  const field = (probe: string, f: string) => `x.${q(`${probe}_${alias(f)}`)}`;
  const cols = [`s.${ROW}`];
  const fullJoins = new Set<number>();
  for (const a of aggs) {
    const i = a.index;
    const pj = `p${a.group + 1}`;
    const count = `(COALESCE(${field('p0', `c${i}`)}, 0) - COALESCE(${field(pj, `c${i}`)}, 0))`;
    const zero = (dtype: Dtype) => `CAST(0 AS ${dialect.type(dtype)})`;
    let value: string;
    switch (a.aggregate.fn) {
      case 'count':
        value = count;
        break;
      case 'sum':
        value = `COALESCE(${field('p0', `s${i}`)}, ${zero(a.dtype)}) - COALESCE(${field(pj, `s${i}`)}, ${zero(a.dtype)})`;
        break;
      case 'mean':
        value = `CASE WHEN ${count} > 0 THEN (COALESCE(${field('p0', `s${i}`)}, 0) - COALESCE(${field(pj, `s${i}`)}, 0)) / ${count} END`;
        break;
      case 'last':
        value = `CASE WHEN ${field('p0', `le${i}`)} > ${windowStartSql(tMs, groups[a.group]!, dialect)} THEN ${field('p0', `lv${i}`)} END`;
        break;
      case 'min':
      case 'max': {
        const head = `CASE WHEN ${field('p0', `a${i}`)} = ${tileStartSql(tMs, a.aggregate.tileMs, dialect)} THEN ${field('p0', `m${i}`)} END`;
        const hasFull = a.aggregate.windowMs / a.aggregate.tileMs >= 2;
        if (hasFull) fullJoins.add(a.group);
        value = hasFull ? pickCase(head, `u${a.group}.${q(`m${i}`)}`, a.aggregate.fn) : head;
        break;
      }
    }
    cols.push(`${value} AS ${q(a.feature)}`, `${count} AS ${q(windowCountColumn(a.feature))}`);
  }
  return [
    `SELECT ${cols.join(',\n  ')}`,
    `FROM ${q(spineCte)} AS s`,
    `LEFT JOIN ${name('probed')} AS x ON x.${ROW} = s.${ROW}`,
    ...[...fullJoins].map(
      (j) => `LEFT JOIN ${name(`full${j}`)} AS u${j} ON u${j}.${ROW} = s.${ROW}`,
    ),
  ].join('\n');
}

/** Later than any instant skewless accepts (years 0001-9999): "no as-of limit" as epoch ms. */
const NO_AS_OF_MS = 253_402_300_800_000;

/**
 * Per-row as-of: each row folds its own keys' events inside its window, as of its as-of. The
 * row's bounds are columns before the join, so that it is a hash join on the keys with range
 * conditions on columns (an OR or an expression of both sides makes it a nested loop).
 */
function boundedPick(
  view: PlannedView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
): string {
  const { aggs, groups } = aggsOf(view);
  const tMs = epochMs(`s.${q('_sk_t')}`);
  const start = (j: number) => q(`_sk_s${j}`);
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
    `COALESCE(${epochMs(`s.${q('_sk_as_of')}`)}, ${NO_AS_OF_MS}) AS ${q('_sk_am')}`,
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
