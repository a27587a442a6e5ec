/**
 * One offline record as the point-in-time SQL reads it: the struct of its features (and times)
 * and the filter of the records a view offers. Shared by the window and ASOF shapes.
 */
import { quoteIdentifier as q, timestampLiteral } from './literals.ts';
import type { SqlDialect, StructField } from './dialect.ts';
import type { PlannedView, PointInTimePlan } from './plan.ts';
import { SQL_COLUMNS } from './names.ts';

/** The record struct's fields: the features, `_sk_et` unless the pick carries it beside. */
export function structFields(
  view: PlannedView,
  perRowAsOf: boolean,
  eventTime = true,
): StructField[] {
  const fields: StructField[] = view.features.map((f) => ({ name: f.feature, dtype: f.dtype }));
  if (eventTime) fields.push({ name: SQL_COLUMNS.eventTime, dtype: 'timestamp' });
  if (perRowAsOf) fields.push({ name: '_sk_ing', dtype: 'timestamp' });
  return fields;
}

/** The struct of one record `f` (features, event_time, and ingested_at when needed). */
export function recordStruct(
  view: PlannedView,
  dialect: SqlDialect,
  perRowAsOf: boolean,
  eventTime = true,
): string {
  const fields = structFields(view, perRowAsOf, eventTime);
  const exprs = view.features.map((f) => `CAST(f.${q(f.feature)} AS ${dialect.type(f.dtype)})`);
  if (eventTime) exprs.push(`f.${q('event_time')}`);
  if (perRowAsOf) exprs.push(`f.${q('ingested_at')}`);
  return dialect.struct(fields, exprs);
}

/**
 * The records a view offers: non-null keys, not after the spine's latest `t` (`latestT`, a scalar
 * subquery: no row sees a later record, and a day's spine then sorts history up to that day, not
 * all of it), and ingested by the as-of when it is one instant.
 */
export function recordFilter(view: PlannedView, plan: PointInTimePlan, latestT: string): string {
  const conds = view.keys.map((k) => `f.${q(k.name)} IS NOT NULL`);
  conds.push(`f.${q('event_time')} <= ${latestT}`);
  if (plan.spine.asOf.kind === 'instant')
    conds.push(`f.${q('ingested_at')} <= ${timestampLiteral(plan.spine.asOf.at)}`);
  return conds.join(' AND ');
}
