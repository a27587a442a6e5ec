/**
 * The one window rule (docs/semantics.md, "Windows and tiles"). The value of an aggregation with
 * window `w` and tile `g` at time `t` folds the entity's events, deduplicated by record id (and
 * event id), whose `event_time` lies in `(s, t]` with `s = ceil((t - w) / g) * g`: the head is
 * exact up to `t` (an event at exactly `t` counts), the tail moves in whole tiles, so no event
 * older than `w` ever counts.
 *
 * Tiles are `(a, a + g]` for `a` a multiple of `g`, so the window is a union of whole tiles
 * `a >= s` plus the events of `t`'s own tile up to `t`. The online item keeps per-tile partial
 * aggregates (`TilePartial`), merged at read time; the SQL and the test oracles state the same
 * rule in their own words.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { RegistryAggregate, RegistryFilter } from '../registry/types.ts';
import { compareVersions } from './ordering.ts';

/** `s = ceil((t - w) / g) * g`: events at or before `s` are out of the window at `t`. */
export function windowStart(t: number, windowMs: number, tileMs: number): number {
  return Math.ceil((t - windowMs) / tileMs) * tileMs;
}

/** The start `a` of the tile `(a, a + g]` holding an event at `eventTime`. */
export function tileStart(eventTime: number, tileMs: number): number {
  return Math.ceil(eventTime / tileMs) * tileMs - tileMs;
}

/** True when an event at `eventTime` counts at `t`: `s < event_time <= t`. */
export function isInTiledWindow(eventTime: number, t: number, a: RegistryAggregate): boolean {
  return eventTime > windowStart(t, a.windowMs, a.tileMs) && eventTime <= t;
}

/** An event as the aggregations see it. */
export interface WindowEvent {
  readonly eventTime: number;
  readonly recordId: string;
  readonly values: Readonly<Record<string, FeatureValue>>;
}

/** True when the event passes the filter; a null column never does. */
export function passesFilter(where: RegistryFilter | null, event: WindowEvent): boolean {
  if (where === null) return true;
  const v = event.values[where.column];
  if (v === null || v === undefined) return false;
  switch (where.op) {
    case '>':
      return v > where.value;
    case '>=':
      return v >= where.value;
    case '<':
      return v < where.value;
    case '<=':
      return v <= where.value;
    case '=':
      return v === where.value;
    case '!=':
      return v !== where.value;
  }
}

/** True when the event feeds the aggregation: it passes the filter and has a non-null value. */
export function contributes(a: RegistryAggregate, event: WindowEvent): boolean {
  if (!passesFilter(a.where, event)) return false;
  return a.column === null || (event.values[a.column] ?? null) !== null;
}

/**
 * The partial aggregate of one tile (or of a whole window, once merged). Short names: it is
 * stored per tile in the online item. `c` contributing events, `s` their sum, `m` their min or
 * max, `l` the newest `[event_time, record_id, value]`, `e` the newest contributing event_time.
 */
export interface TilePartial {
  c: number;
  s: number;
  m: number | null;
  l: [number, string, FeatureValue] | null;
  e: number | null;
}

export function emptyPartial(): TilePartial {
  return { c: 0, s: 0, m: null, l: null, e: null };
}

/** Adds a contributing event to a partial (in place). */
export function addEvent(a: RegistryAggregate, p: TilePartial, event: WindowEvent): void {
  const value = a.column === null ? null : (event.values[a.column] ?? null);
  p.c += 1;
  p.e = p.e === null ? event.eventTime : Math.max(p.e, event.eventTime);
  if (a.fn === 'sum' || a.fn === 'mean') p.s += value as number;
  else if (a.fn === 'min') p.m = p.m === null ? (value as number) : Math.min(p.m, value as number);
  else if (a.fn === 'max') p.m = p.m === null ? (value as number) : Math.max(p.m, value as number);
  else if (a.fn === 'last') {
    const candidate = { eventTime: event.eventTime, recordId: event.recordId };
    if (p.l === null || compareVersions(candidate, { eventTime: p.l[0], recordId: p.l[1] }) > 0)
      p.l = [event.eventTime, event.recordId, value];
  }
}

/** Merges `b` into `a` (in place). */
export function mergePartial(a: RegistryAggregate, into: TilePartial, b: TilePartial): void {
  if (b.c === 0) return;
  into.c += b.c;
  into.s += b.s;
  into.e = into.e === null ? b.e : Math.max(into.e, b.e ?? into.e);
  if (b.m !== null) {
    if (into.m === null) into.m = b.m;
    else into.m = a.fn === 'min' ? Math.min(into.m, b.m) : Math.max(into.m, b.m);
  }
  if (
    b.l !== null &&
    (into.l === null ||
      compareVersions(
        { eventTime: b.l[0], recordId: b.l[1] },
        { eventTime: into.l[0], recordId: into.l[1] },
      ) > 0)
  )
    into.l = b.l;
}

/** A window's aggregate: its value (null for an empty mean/min/max/last) and its events. */
export interface WindowValue {
  readonly value: FeatureValue;
  /** Contributing events; 0 is an empty window. */
  readonly count: number;
  /** The newest contributing event_time (the age of an aggregate), null when empty. */
  readonly newestEventTime: number | null;
}

/** Empty window: count 0, sum 0; mean, min, max, last null (then the feature's default). */
export function finishPartial(a: RegistryAggregate, p: TilePartial): WindowValue {
  const base = { count: p.c, newestEventTime: p.e };
  switch (a.fn) {
    case 'count':
      return { ...base, value: p.c };
    case 'sum':
      return { ...base, value: p.s };
    case 'mean':
      return { ...base, value: p.c === 0 ? null : p.s / p.c };
    case 'min':
    case 'max':
      return { ...base, value: p.m };
    case 'last':
      return { ...base, value: p.l === null ? null : p.l[2] };
  }
}
