/**
 * Brute-force oracle of the window rule, written from the words of docs/semantics.md ("Windows and tiles") and nothing else: at
 * `t`, an aggregate folds the entity's events, deduplicated by record id and then by event id
 * (the first arrival, i.e. the smallest record id, counts), ingested by `asOf`, with
 * `event_time` in `(s, t]`, `s = ceil((t - w) / g) * g`. `rule` lets a test mutate the rule.
 */
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import type { OfflineRecord } from '../export/offline-fixture.ts';
import type { AggregationRegistryView, RegistryAggregate } from '../../lib/registry/types.ts';

/** An event as the offline store holds it. */
export type OracleEvent = OfflineRecord;

export interface OracleRule {
  /** `s` of the window at `t`. */
  start(t: number, windowMs: number, tileMs: number): number;
  /** Does an event at `e` count in `(s, t]`? */
  inside(e: number, s: number, t: number): boolean;
  dedup: boolean;
}

export const DESIGN_RULE: OracleRule = {
  start: (t, w, g) => Math.ceil((t - w) / g) * g,
  inside: (e, s, t) => e > s && e <= t,
  dedup: true,
};

function dedup(view: AggregationRegistryView, events: readonly OracleEvent[], rule: OracleRule) {
  if (!rule.dedup) return events;
  const byRecord = new Map<string, OracleEvent>();
  for (const e of events) if (!byRecord.has(e.recordId)) byRecord.set(e.recordId, e);
  const eventId = view.aggregation.eventId;
  const byId = new Map<string, OracleEvent>();
  for (const e of [...byRecord.values()].sort((a, b) => (a.recordId < b.recordId ? -1 : 1))) {
    const id = eventId === null ? null : e.values[eventId];
    const key = id === null || id === undefined ? `r:${e.recordId}` : `e:${String(id)}`;
    if (!byId.has(key)) byId.set(key, e);
  }
  return [...byId.values()];
}

function passes(a: RegistryAggregate, e: OracleEvent): boolean {
  const w = a.where;
  if (w) {
    const v = e.values[w.column];
    if (v === null || v === undefined) return false;
    const ok =
      w.op === '>'
        ? v > w.value
        : w.op === '>='
          ? v >= w.value
          : w.op === '<'
            ? v < w.value
            : w.op === '<='
              ? v <= w.value
              : w.op === '='
                ? v === w.value
                : v !== w.value;
    if (!ok) return false;
  }
  return a.column === null || (e.values[a.column] ?? null) !== null;
}

/** Value and contributing count of one aggregate at `t` for one entity (keys) as of `asOf`. */
export function oracleAggregate(
  view: AggregationRegistryView,
  feature: string,
  events: readonly OracleEvent[],
  keys: Readonly<Record<string, string | number>>,
  t: number,
  asOf: number,
  rule: OracleRule = DESIGN_RULE,
): { value: FeatureValue; count: number } {
  const a = view.features.find((f) => f.name === feature)!.aggregate;
  const s = rule.start(t, a.windowMs, a.tileMs);
  // An event id names an event of one entity: duplicates are deduplicated per view entity.
  const visible = events.filter(
    (e) => e.ingestedAt <= asOf && view.joinKeys.every((k) => e.keys[k.name] === keys[k.name]),
  );
  const mine = dedup(view, visible, rule).filter(
    (e) => rule.inside(e.eventTime, s, t) && passes(a, e),
  );
  const nums = mine.map((e) => (a.column === null ? 0 : (e.values[a.column] as number)));
  const count = mine.length;
  switch (a.fn) {
    case 'count':
      return { value: count, count };
    case 'sum':
      return { value: nums.reduce((x, y) => x + y, 0), count };
    case 'mean':
      return { value: count === 0 ? null : nums.reduce((x, y) => x + y, 0) / count, count };
    case 'min':
      return { value: count === 0 ? null : Math.min(...nums), count };
    case 'max':
      return { value: count === 0 ? null : Math.max(...nums), count };
    case 'last': {
      const newest = [...mine].sort((x, y) =>
        x.eventTime !== y.eventTime ? x.eventTime - y.eventTime : x.recordId < y.recordId ? -1 : 1,
      )[count - 1];
      return { value: newest ? (newest.values[a.column!] ?? null) : null, count };
    }
  }
}
