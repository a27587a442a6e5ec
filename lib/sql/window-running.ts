/**
 * The running shape of a window export (one as-of for every row, or none): per event, running
 * aggregates over its entity's events; spine probes at `t` and at each window start take the
 * running struct of the newest event at or before them; count and sum are differences, min/max
 * combine the head tile with the whole tiles before it. See `windows.ts` for the whole picture.
 */
import type { Dtype } from '../define/dtypes.ts';
import { quoteIdentifier as q } from './literals.ts';
import type { SqlDialect } from './dialect.ts';
import type { PlannedAggregationView } from './plan.ts';
import {
  aggsOf,
  contributesSql,
  epochMs,
  KIND,
  MS,
  PROBE,
  RID,
  ROW,
  tileStartSql,
  V,
  windowCountColumn,
  windowStartSql,
  windowSumColumn,
  type Agg,
  type Group,
} from './window-terms.ts';
import { SQL_COLUMNS, viewCte, windowStartColumn, type ViewStep } from './names.ts';
import {
  FRAME,
  PREFIX_ROLES,
  runField,
  runFields,
  runningColumns,
  type RunningColumns,
} from './window-run-fields.ts';

/** A probe's spine rows. */
const ROWS = q('_sk_rows');

/** What every step of the running shape reads. */
interface RunningContext {
  readonly view: PlannedAggregationView;
  readonly dialect: SqlDialect;
  readonly events: string;
  readonly spineCte: string;
  readonly aggs: readonly Agg[];
  readonly groups: readonly Group[];
  readonly keys: readonly string[];
  readonly columns: RunningColumns;
}

/**
 * A running value over all of an entity's events up to `t` (not windowed), carried in the
 * running struct and output by the pick under `name`: the per-row as-of's newest `ingested_at`.
 */
export interface PrefixColumn {
  readonly name: string;
  readonly dtype: Dtype;
  /** The running expression, given the `OVER (...)` clause of the entity's event order. */
  readonly expr: (over: string) => string;
}

/** What the pick outputs besides each aggregation's value and count. */
export interface RunningExtras {
  /** Running values at `t`, each output under its name. */
  readonly prefix: readonly PrefixColumn[];
  /** Each mean's window sum, under `windowSumColumn` (a per-row as-of corrects it). */
  readonly windowSums: boolean;
  /** Spine columns the pick passes through. */
  readonly spineColumns?: readonly string[];
}

/**
 * The running shape's CTEs; the last is named `pickName`: one row per spine row with each
 * aggregation's value and count, and the `extras`.
 */
export function runningCtes(
  view: PlannedAggregationView,
  dialect: SqlDialect,
  events: string,
  spineCte: string,
  pickName: string,
  extras: RunningExtras = { prefix: [], windowSums: false },
): [string, string][] {
  const { prefix } = extras;
  const { aggs, groups } = aggsOf(view);
  const keys = view.keys.map((k) => q(k.name));
  const columns = runningColumns(view, aggs, dialect);
  const over = `OVER (PARTITION BY ${keys.map((k) => `e.${k}`).join(', ')} ORDER BY e.${MS}, e.${RID} ${FRAME})`;
  for (const p of prefix) {
    columns.fields.push({ name: p.name, dtype: p.dtype });
    columns.exprs.push(p.expr(over));
  }
  const ctx: RunningContext = { view, dialect, events, spineCte, aggs, groups, keys, columns };
  const extra = [
    ...prefix.map((p) => `${field(ctx, 'p0', p.name)} AS ${q(p.name)}`),
    ...(extras.spineColumns ?? []).map((c) => `s.${q(c)}`),
  ];
  const probed: [string, string][] =
    dialect.pick === 'asof' ? asofProbeCtes(ctx) : [...probeCtes(ctx), probedCte(ctx)];
  return [
    ...probed,
    ...groups.flatMap((g, j) => wholeTileCtes(ctx, g, j)),
    [pickName, finalPick(ctx, extra, extras.windowSums)],
  ];
}

/**
 * A probe's field in the probed row: `x`, the probed CTE joined to the spine by row, or with
 * ASOF probes `s` itself (the probed CTE carries the spine's columns).
 */
function field(ctx: RunningContext, probe: string, f: string): string {
  return `${ctx.dialect.pick === 'asof' ? 's' : 'x'}.${q(probedColumn(probe, ctx.columns.alias(f)))}`;
}

/** A (probe, field) column of the probed CTE: reserved, as it sits beside the spine's columns. */
function probedColumn(probe: string, f: string): string {
  return `_sk_${probe}_${f}`;
}

function cteName(view: PlannedAggregationView, step: ViewStep): string {
  return viewCte(view.name, step);
}

function spineMs(alias: string): string {
  return epochMs(`${alias}.${q(SQL_COLUMNS.t)}`);
}

/**
 * Events with their running struct, the spine's probes among them, each probe's pick. A probe
 * carries the spine rows it answers (`_sk_rows`): one row at `t`; at a window start, every row
 * of the same keys whose window starts there (starts are tile-aligned, so an airport's rows of
 * one hour share them), so the window sorts one probe per start instead of one per row.
 */
function probeCtes(ctx: RunningContext): [string, string][] {
  const { view, dialect, keys, spineCte } = ctx;
  const { fields, exprs } = ctx.columns;
  const name = (step: ViewStep) => cteName(view, step);
  const nullStruct = `CAST(NULL AS ${dialect.structType(fields)})`;
  const noRid = `CAST(NULL AS ${dialect.type('string')})`;
  const start = q('_sk_start');
  const atT = `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, ${spineMs('s')}, 1, ${noRid}, ${dialect.array([`s.${ROW}`])}, 0, ${nullStruct}\nFROM ${q(spineCte)} AS s`;
  const atStart = (j: number, g: Group) =>
    [
      `SELECT ${keys.map((k) => `b.${k}`).join(', ')}, b.${start}, 1, ${noRid}, array_agg(b.${ROW}), ${j}, ${nullStruct}`,
      `FROM (SELECT ${keys.map((k) => `s.${k}`).join(', ')}, ${windowStartSql(spineMs('s'), g, dialect)} AS ${start}, s.${ROW} FROM ${q(spineCte)} AS s) AS b`,
      `GROUP BY ${keys.map((k) => `b.${k}`).join(', ')}, b.${start}`,
    ].join('\n');
  return [
    [
      name('run'),
      `SELECT ${keys.map((k) => `e.${k}`).join(', ')}, e.${MS}, e.${RID}, ${dialect.struct(
        fields,
        exprs.map((x, i) => `CAST(${x} AS ${dialect.type(fields[i]!.dtype)})`),
      )} AS ${V}\nFROM ${q(ctx.events)} AS e`,
    ],
    [
      name('probes'),
      [
        `SELECT ${keys.join(', ')}, ${MS}, 0 AS ${KIND}, ${RID}, CAST(NULL AS ${dialect.arrayType('int64')}) AS ${ROWS}, CAST(NULL AS ${dialect.type('int64')}) AS ${PROBE}, ${V}`,
        `FROM ${q(name('run'))}`,
        'UNION ALL',
        atT,
        ...ctx.groups.flatMap((g, j) => ['UNION ALL', atStart(j + 1, g)]),
      ].join('\n'),
    ],
    [
      name('picked'),
      dialect.unnestSelect(
        `w.${ROWS}`,
        ROW,
        [`w.${PROBE}`, `w.${V}`],
        [
          '(',
          `  SELECT ${ROWS}, ${PROBE}, ${KIND}, ${dialect.lastValueIgnoreNulls(V)} OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${MS}, ${KIND}, ${RID} ${FRAME}) AS ${V}`,
          `  FROM ${q(name('probes'))}`,
          ') AS w',
        ].join('\n'),
        `w.${KIND} = 1`,
      ),
    ],
  ];
}

/**
 * A group's per-tile min/max, and those of the `w/g - 1` whole tiles before t's per distinct
 * (keys, window start): the rows that share a start share its whole tiles (`fullStart`).
 */
function wholeTileCtes(ctx: RunningContext, g: Group, j: number): [string, string][] {
  const { view, dialect, keys } = ctx;
  const extremes = ctx.aggs.filter(
    (a) => a.group === j && (a.aggregate.fn === 'min' || a.aggregate.fn === 'max'),
  );
  const k = g.windowMs / g.tileMs;
  if (extremes.length === 0 || k < 2) return [];
  const tiles = cteName(view, `tiles${j}`);
  const tile = tileStartSql(`e.${MS}`, g.tileMs, dialect);
  return [
    [
      tiles,
      [
        `SELECT ${keys.map((x) => `e.${x}`).join(', ')}, ${tile} AS ${q('_sk_a')}, ${extremes.map((a) => `${a.aggregate.fn}(CASE WHEN ${contributesSql(view, a.aggregate, dialect)} THEN e.${q(a.aggregate.column!)} END) AS ${q(runField('extreme', a.index))}`).join(', ')}`,
        `FROM ${q(ctx.events)} AS e`,
        `GROUP BY ${keys.map((x) => `e.${x}`).join(', ')}, ${tile}`,
      ].join('\n'),
    ],
    // The whole tiles: `a = s + i*g`, i in [0, w/g - 2].
    [
      cteName(view, `full${j}`),
      [
        `SELECT ${[...keys, FULL_START].map((x) => `s.${x}`).join(', ')}, ${extremes.map((a) => `${a.aggregate.fn}(tl.${q(runField('extreme', a.index))}) AS ${q(runField('extreme', a.index))}`).join(', ')}`,
        // The tile starts are computed before the join, so that the join is on columns: an
        // equality over both sides' expressions is left to a filter after joining on the keys.
        'FROM (',
        `  SELECT ${[...keys, FULL_START].map((x) => `d.${x}`).join(', ')}, d.${FULL_START} + o.${q('_sk_i')} * ${g.tileMs} AS ${q('_sk_a')}`,
        `  FROM (SELECT DISTINCT ${keys.map((x) => `s.${x}`).join(', ')}, ${fullStart(g, dialect)} AS ${FULL_START} FROM ${q(ctx.spineCte)} AS s) AS d`,
        `  CROSS JOIN UNNEST(${dialect.integerSeries(k - 1)}) AS o(${q('_sk_i')})`,
        ') AS s',
        `JOIN ${q(tiles)} AS tl ON ${[...keys, q('_sk_a')].map((x) => `tl.${x} = s.${x}`).join(' AND ')}`,
        `GROUP BY ${[...keys, FULL_START].map((x) => `s.${x}`).join(', ')}`,
      ].join('\n'),
    ],
  ];
}

/**
 * The (probe, field) pairs the pick reads, each once (several aggregations may read one field,
 * `alias`), by the column `probed` gives it: every field at `t` (probe 0), the prefix fields at
 * each group's window start (probe `j + 1`).
 */
function probedColumns(ctx: RunningContext): Map<string, readonly [number, string]> {
  const { fields, alias } = ctx.columns;
  const probed = new Map<string, readonly [number, string]>();
  const add = (j: number, f: string) => probed.set(probedColumn(`p${j}`, f), [j, f]);
  for (const f of fields) add(0, f.name);
  for (const a of ctx.aggs)
    for (const f of runFields(ctx.view, a))
      if (PREFIX_ROLES.has(f.role)) add(a.group + 1, alias(f.name));
  return probed;
}

/**
 * One row per spine row with every probe's fields side by side: the pick joins it once (a CTE
 * joined once per probe may be evaluated once per join).
 */
function probedCte(ctx: RunningContext): [string, string] {
  const probed = probedColumns(ctx);
  return [
    cteName(ctx.view, 'probed'),
    [
      `SELECT ${ROW}, ${[...probed].map(([column, [j, f]]) => `max(CASE WHEN ${PROBE} = ${j} THEN ${V}.${q(f)} END) AS ${q(column)}`).join(',\n  ')}`,
      `FROM ${q(cteName(ctx.view, 'picked'))}`,
      `GROUP BY ${ROW}`,
    ].join('\n'),
  ];
}

/**
 * The `duckdb-asof` probes: the running struct of the newest event at or before each probe is
 * an ASOF JOIN on the keys and the event's ms, over the running structs kept one per (keys, ms),
 * the one of the greatest record id (the newest of the events tied at that instant, which
 * counts them all); the probes are the spine's rows at `t` and each group's distinct window
 * starts: no sort of the spine among the events, no pivot of probe rows.
 */
function asofProbeCtes(ctx: RunningContext): [string, string][] {
  const { view, dialect, keys, spineCte } = ctx;
  const { fields, exprs } = ctx.columns;
  const run = cteName(view, 'run');
  const onKeys = (a: string) => keys.map((k) => `${a}.${k} = r.${k}`);
  const asofRun = (a: string, ms: string) =>
    `ASOF LEFT JOIN ${q(run)} AS r ON ${[...onKeys(a), `${ms} >= r.${MS}`].join(' AND ')}`;
  const starts = ctx.groups.map((g, j): [string, string] => [
    cteName(view, `starts${j + 1}`),
    [
      `SELECT ${keys.map((k) => `d.${k}`).join(', ')}, d.${q('_sk_start')}, r.${V}`,
      `FROM (SELECT DISTINCT ${keys.map((k) => `s.${k}`).join(', ')}, ${windowStartSql(spineMs('s'), g, dialect)} AS ${q('_sk_start')} FROM ${q(spineCte)} AS s) AS d`,
      asofRun('d', `d.${q('_sk_start')}`),
    ].join('\n'),
  ]);
  const probed = [...probedColumns(ctx)].map(
    ([column, [j, f]]) => `${j === 0 ? 'r' : `x${j}`}.${V}.${q(f)} AS ${q(column)}`,
  );
  return [
    [
      run,
      [
        `SELECT ${keys.map((k) => `w.${k}`).join(', ')}, w.${MS}, arg_max(w.${V}, w.${RID}) AS ${V}`,
        `FROM (SELECT ${keys.map((k) => `e.${k}`).join(', ')}, e.${MS}, e.${RID}, ${dialect.struct(
          fields,
          exprs.map((x, i) => `CAST(${x} AS ${dialect.type(fields[i]!.dtype)})`),
        )} AS ${V} FROM ${q(ctx.events)} AS e) AS w`,
        `GROUP BY ${[...keys.map((k) => `w.${k}`), `w.${MS}`].join(', ')}`,
      ].join('\n'),
    ],
    ...starts,
    [
      cteName(view, 'probed'),
      [
        `SELECT s.*, ${probed.join(',\n  ')}`,
        `FROM ${q(spineCte)} AS s`,
        asofRun('s', spineMs('s')),
        ...ctx.groups.map(
          (g, j) =>
            `LEFT JOIN ${q(starts[j]![0])} AS x${j + 1} ON ${[...keys.map((k) => `x${j + 1}.${k} = s.${k}`), `x${j + 1}.${q('_sk_start')} = ${windowStartSql(spineMs('s'), g, dialect)}`].join(' AND ')}`,
        ),
      ].join('\n'),
    ],
  ];
}

/** The window start of spine row `s` for group `g`: what its whole tiles are keyed by. */
const FULL_START = q('_sk_start');
function fullStart(g: Group, dialect: SqlDialect): string {
  return windowStartSql(spineMs('s'), g, dialect);
}

function pickCase(a: string, b: string, fn: 'min' | 'max'): string {
  const op = fn === 'min' ? '<' : '>';
  return `CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} WHEN ${a} ${op} ${b} THEN ${a} ELSE ${b} END`;
}

function finalPick(ctx: RunningContext, extra: readonly string[], windowSums: boolean): string {
  const { view, dialect, aggs, groups, spineCte } = ctx;
  const name = (step: ViewStep) => q(viewCte(view.name, step));
  const tMs = epochMs(`s.${q(SQL_COLUMNS.t)}`);
  const at = (probe: string, f: string) => field(ctx, probe, f);
  const cols = [`s.${ROW}`];
  const fullJoins = new Set<number>();
  for (const a of aggs) {
    const i = a.index;
    const pj = `p${a.group + 1}`;
    const count = `(COALESCE(${at('p0', runField('count', i))}, 0) - COALESCE(${at(pj, runField('count', i))}, 0))`;
    const zero = (dtype: Dtype) => `CAST(0 AS ${dialect.type(dtype)})`;
    let value: string;
    switch (a.aggregate.fn) {
      case 'count':
        value = count;
        break;
      case 'sum':
        value = `COALESCE(${at('p0', runField('sum', i))}, ${zero(a.dtype)}) - COALESCE(${at(pj, runField('sum', i))}, ${zero(a.dtype)})`;
        break;
      case 'mean': {
        const sum = `(COALESCE(${at('p0', runField('sum', i))}, 0) - COALESCE(${at(pj, runField('sum', i))}, 0))`;
        value = `CASE WHEN ${count} > 0 THEN ${sum} / ${count} END`;
        if (windowSums) cols.push(`${sum} AS ${q(windowSumColumn(a.feature))}`);
        break;
      }
      case 'last':
        value = `CASE WHEN ${at('p0', runField('lastTime', i))} > ${windowStartSql(tMs, groups[a.group]!, dialect)} THEN ${at('p0', runField('lastValue', i))} END`;
        break;
      case 'min':
      case 'max': {
        const head = `CASE WHEN ${at('p0', runField('extremeTile', i))} = ${tileStartSql(tMs, a.aggregate.tileMs, dialect)} THEN ${at('p0', runField('extreme', i))} END`;
        const hasFull = a.aggregate.windowMs / a.aggregate.tileMs >= 2;
        if (hasFull) fullJoins.add(a.group);
        value = hasFull
          ? pickCase(head, `u${a.group}.${q(runField('extreme', i))}`, a.aggregate.fn)
          : head;
        break;
      }
    }
    cols.push(`${value} AS ${q(a.feature)}`, `${count} AS ${q(windowCountColumn(a.feature))}`);
  }
  cols.push(...extra);
  const full = [...fullJoins];
  const starts = full.map((j) => `${fullStart(groups[j]!, dialect)} AS ${q(windowStartColumn(j))}`);
  const keys = view.keys.map((k) => q(k.name));
  // ASOF probes: the probed CTE is the spine with its probes' fields (no join back by row).
  const asof = dialect.pick === 'asof';
  const source = asof ? name('probed') : q(spineCte);
  return [
    `SELECT ${cols.join(',\n  ')}`,
    full.length === 0
      ? `FROM ${source} AS s`
      : `FROM (SELECT s.*, ${starts.join(', ')} FROM ${source} AS s) AS s`,
    ...(asof ? [] : [`LEFT JOIN ${name('probed')} AS x ON x.${ROW} = s.${ROW}`]),
    ...full.map(
      (j) =>
        `LEFT JOIN ${name(`full${j}`)} AS u${j} ON ${[...keys.map((k) => `u${j}.${k} = s.${k}`), `u${j}.${FULL_START} = s.${q(windowStartColumn(j))}`].join(' AND ')}`,
    ),
  ].join('\n');
}
