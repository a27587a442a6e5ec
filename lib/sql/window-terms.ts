/**
 * The terms every rendering of a window shares: the aggregations of a view grouped by (window,
 * tile), the tile rule of `lib/core/windows.ts` in integer SQL arithmetic on epoch ms, and the
 * "this event feeds the aggregation" condition.
 */
import type { RegistryAggregate, RegistryFilter } from '../registry/types.ts';
import type { Dtype } from '../define/dtypes.ts';
import { quoteIdentifier as q, timestampLiteral, valueLiteral } from './literals.ts';
import { floorDivSql, type SqlDialect } from './dialect.ts';
import {
  SPINE_ROW_COLUMN,
  type PlannedAggregateFeature,
  type PlannedAggregationView,
} from './plan.ts';
import { SQL_COLUMNS, viewCte } from './names.ts';

export const ROW = q(SPINE_ROW_COLUMN);
export const MS = q('_sk_ms');
export const RID = q('_sk_rid');
export const KIND = q('_sk_kind');
export const PROBE = q('_sk_probe');
export const V = q(SQL_COLUMNS.value);

export interface Agg extends PlannedAggregateFeature {
  readonly index: number;
  /** Index of its (window, tile) group: the probe at `s`. */
  readonly group: number;
}

export interface Group {
  readonly windowMs: number;
  readonly tileMs: number;
}

/** The name of the pick CTE, and of its count column of a feature. */
export function windowPickName(view: PlannedAggregationView): string {
  return viewCte(view.name, 'pick');
}
export function windowCountColumn(feature: string): string {
  return `${feature}__n`;
}
/** A mean's window sum, which the per-row as-of's correction subtracts late events from. */
export function windowSumColumn(feature: string): string {
  return `${feature}__s`;
}

export function epochMs(expr: string): string {
  return `date_diff('millisecond', ${timestampLiteral(0)}, ${expr})`;
}

export function aggsOf(view: PlannedAggregationView): { aggs: Agg[]; groups: Group[] } {
  const groups: Group[] = [];
  const aggs = view.features.map((f, index) => {
    const a = f.aggregate;
    let group = groups.findIndex((g) => g.windowMs === a.windowMs && g.tileMs === a.tileMs);
    if (group < 0) group = groups.push({ windowMs: a.windowMs, tileMs: a.tileMs }) - 1;
    return { ...f, index, group };
  });
  return { aggs, groups };
}

/** The epoch-ms `ingested_at` of each event, in the events CTE of a per-row as-of. */
export const INGESTED_MS = '_sk_ia_ms';

export function columnDtype(view: PlannedAggregationView, column: string): Dtype {
  return view.aggregation.columns.find((c) => c.name === column)?.dtype ?? 'float64';
}

export function filterSql(
  view: PlannedAggregationView,
  where: RegistryFilter,
  dialect: SqlDialect,
): string {
  const dtype = columnDtype(view, where.column);
  const op = where.op === '!=' ? '<>' : where.op;
  return `e.${q(where.column)} ${op} ${valueLiteral(where.value, dtype, dialect)}`;
}

/** The SQL condition of "this event feeds the aggregation" (`contributes` in windows.ts). */
export function contributesSql(
  view: PlannedAggregationView,
  a: RegistryAggregate,
  dialect: SqlDialect,
): string {
  const conds: string[] = [];
  if (a.where) conds.push(filterSql(view, a.where, dialect));
  if (a.column !== null) conds.push(`e.${q(a.column)} IS NOT NULL`);
  return conds.length === 0 ? 'TRUE' : conds.join(' AND ');
}

/** `s = ceil((t - w) / g) * g = floor((t - w + g - 1) / g) * g` of an epoch-ms expression. */
export function windowStartSql(tMs: string, g: Group, dialect: SqlDialect): string {
  return `${floorDivSql(`${tMs} - ${g.windowMs - g.tileMs + 1}`, g.tileMs, dialect)} * ${g.tileMs}`;
}
/** The start `a = ceil(e / g) * g - g` of the tile `(a, a + g]` of an epoch-ms expression. */
export function tileStartSql(ms: string, tileMs: number, dialect: SqlDialect): string {
  return `${floorDivSql(`${ms} + ${tileMs - 1}`, tileMs, dialect)} * ${tileMs} - ${tileMs}`;
}
