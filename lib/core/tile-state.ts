/**
 * The online state of one (entity, aggregation view): per feature, the partial aggregates of the
 * tiles its window can still reach, stored as one DynamoDB item (so a lookup stays one
 * BatchGetItem). Folding is idempotent:
 *
 * - per shard, the highest Kinesis sequence number applied: a redelivered record (a retry, a
 *   replay from a checkpoint, a crash after the write) is at or below it and is skipped. An
 *   entity's events share a partition key (the stream's partition key is a subset of the view's
 *   keys), so they arrive on one shard in sequence order.
 * - per event id (when the stream declares one), the first arrival counts; later copies are
 *   skipped while the id's event can still count.
 * - an event whose `event_time` is ahead of the batch's clock (a producer clock running ahead)
 *   waits apart in `pending`; it joins its tile once a write runs at or after its event_time,
 *   and a read at `t` folds only the pending events at or before `t`. So it never changes a
 *   lookup at an earlier `t`.
 * - tiles no window can reach at or after the clock are dropped on write.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { AggregationRegistryView, RegistryAggregate } from '../registry/types.ts';
import type { EntityKey } from './entity-key.ts';
import { ONLINE_KEY, ONLINE_TTL_ATTRIBUTE, onlineItemKey, type Item } from './online-item.ts';
import {
  addEvent,
  contributes,
  emptyPartial,
  finishPartial,
  mergePartial,
  tileStart,
  windowStart,
  type TilePartial,
  type WindowEvent,
  type WindowValue,
} from './windows.ts';

export interface TileState {
  /** Shard id → highest sequence number applied (zero-padded, so string order is numeric). */
  seq: Record<string, string>;
  /** Feature → tile start (epoch ms, as a string key) → partial. */
  tiles: Record<string, Record<string, TilePartial>>;
  /** Events ahead of the clock when ingested: `[event_time, record_id, values]`. */
  pending: [number, string, Record<string, FeatureValue>][];
  /** Event id → event_time, for the events that may still count. */
  ids: Record<string, number>;
}

export function emptyTileState(): TileState {
  return { seq: {}, tiles: {}, pending: [], ids: {} };
}

/** A record to fold: its event, and the event id when the stream declares one. */
export interface TileRecord extends WindowEvent {
  readonly eventId?: string | null;
}

function aggregates(view: AggregationRegistryView): { name: string; a: RegistryAggregate }[] {
  return view.features.map((f) => ({ name: f.name, a: f.aggregate }));
}

/** `shard:sequence` → its parts (record ids are `kinesisRecordId`). */
function splitRecordId(recordId: string): [string, string] {
  const at = recordId.lastIndexOf(':');
  return at < 0 ? ['', recordId] : [recordId.slice(0, at), recordId.slice(at + 1)];
}

/**
 * Folds records, in arrival order, into the state at clock `now` (in place). Returns how many
 * were applied (the rest were redeliveries or event-id duplicates).
 */
export function foldTileState(
  view: AggregationRegistryView,
  state: TileState,
  records: readonly TileRecord[],
  now: number,
): number {
  let applied = 0;
  for (const r of records) {
    const [shard, seq] = splitRecordId(r.recordId);
    const done = state.seq[shard];
    // Same order as `rebuildTileState`: by length, then digits (sequence numbers are padded).
    if (
      done !== undefined &&
      (seq.length < done.length || (seq.length === done.length && seq <= done))
    )
      continue;
    state.seq[shard] = seq;
    if (r.eventId !== undefined && r.eventId !== null) {
      if (state.ids[r.eventId] !== undefined) continue;
      state.ids[r.eventId] = r.eventTime;
    }
    applied++;
    if (r.eventTime > now) state.pending.push([r.eventTime, r.recordId, { ...r.values }]);
    else addToTiles(view, state, r);
  }
  const due = state.pending.filter((p) => p[0] <= now);
  state.pending = state.pending.filter((p) => p[0] > now);
  for (const [eventTime, recordId, values] of due)
    addToTiles(view, state, { eventTime, recordId, values });
  pruneTileState(view, state, now);
  return applied;
}

function addToTiles(view: AggregationRegistryView, state: TileState, event: WindowEvent): void {
  for (const { name, a } of aggregates(view)) {
    if (!contributes(a, event)) continue;
    const tiles = (state.tiles[name] ??= {});
    const key = String(tileStart(event.eventTime, a.tileMs));
    addEvent(a, (tiles[key] ??= emptyPartial()), event);
  }
}

/** Drops what no window at or after `now` can reach: tiles `(a, a + g]` with `a < s(now)`. */
export function pruneTileState(view: AggregationRegistryView, state: TileState, now: number): void {
  let oldest = Infinity;
  for (const { name, a } of aggregates(view)) {
    const s = windowStart(now, a.windowMs, a.tileMs);
    oldest = Math.min(oldest, s);
    const tiles = state.tiles[name];
    if (!tiles) continue;
    for (const key of Object.keys(tiles)) if (Number(key) < s) delete tiles[key];
    if (Object.keys(tiles).length === 0) delete state.tiles[name];
  }
  for (const [id, eventTime] of Object.entries(state.ids))
    if (eventTime <= oldest) delete state.ids[id];
}

/** The value of one aggregate feature at read time `t` (at or after the last write's clock). */
export function tileValueAt(
  view: AggregationRegistryView,
  state: TileState | undefined,
  feature: string,
  t: number,
): WindowValue {
  const f = view.features.find((x) => x.name === feature);
  if (!f) throw new RangeError(`feature '${feature}' is not a feature of view '${view.name}'`);
  const a = f.aggregate;
  const total = emptyPartial();
  if (!state) return finishPartial(a, total);
  const s = windowStart(t, a.windowMs, a.tileMs);
  for (const [key, partial] of Object.entries(state.tiles[feature] ?? {})) {
    const start = Number(key);
    if (start >= s && start < t) mergePartial(a, total, partial);
  }
  for (const [eventTime, recordId, values] of state.pending) {
    const event = { eventTime, recordId, values };
    if (eventTime > s && eventTime <= t && contributes(a, event)) addEvent(a, total, event);
  }
  return finishPartial(a, total);
}

// ---------------------------------------------------------------------------------------------
// The DynamoDB item: the online item's key, `tiles` (the state as JSON: doubles round-trip
// exactly), `rev` (a counter for the optimistic condition of the read-modify-write) and the
// TTL attribute (garbage collection only).

export const TILE_ATTRIBUTE = 'tiles';
export const REV_ATTRIBUTE = 'rev';

export function encodeTileItem(
  view: AggregationRegistryView,
  entityKey: EntityKey,
  state: TileState,
  rev: number,
  now: number,
): Item {
  const newestPending = state.pending.reduce((max, p) => Math.max(max, p[0]), now);
  return {
    ...onlineItemKey(entityKey, view),
    [TILE_ATTRIBUTE]: { S: JSON.stringify(state) },
    [REV_ATTRIBUTE]: { N: String(rev) },
    [ONLINE_TTL_ATTRIBUTE]: { N: String(Math.ceil((newestPending + 2 * view.ttlMs) / 1000)) },
  };
}

export function decodeTileItem(item: Item | undefined): { state: TileState; rev: number } {
  const tiles = item?.[TILE_ATTRIBUTE];
  const rev = item?.[REV_ATTRIBUTE];
  if (!tiles || !('S' in tiles)) return { state: emptyTileState(), rev: 0 };
  return {
    state: JSON.parse(tiles.S) as TileState,
    rev: rev && 'N' in rev ? Number(rev.N) : 0,
  };
}

/** Write only over the state that was read: no item yet (rev 0), or the same `rev`. */
export function sameRevisionCondition(rev: number): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  // rev 0 means "no item was read": the first branch; an existing item has rev >= 1.
  return {
    ConditionExpression: 'attribute_not_exists(#pk) OR #rev = :rev',
    ExpressionAttributeNames: { '#pk': ONLINE_KEY.partition, '#rev': REV_ATTRIBUTE },
    ExpressionAttributeValues: { ':rev': { N: String(rev) } },
  };
}

/**
 * An aggregate feature served at `t`: the window's value (its default when the window yields
 * null), `present` when at least one event contributes and `missing` for an empty window (an
 * aggregate never expires: its window is its freshness), and its age: `t` minus the newest
 * contributing event_time. The export states the same status from the same counts.
 */
export function resolveAggregateAt(
  view: AggregationRegistryView,
  feature: { readonly feature: string; readonly default: FeatureValue },
  state: TileState | undefined,
  t: number,
): { value: FeatureValue; status: 'present' | 'missing'; ageMs: number | null } {
  const w = tileValueAt(view, state, feature.feature, t);
  return {
    value: w.value ?? feature.default,
    status: w.count > 0 ? 'present' : 'missing',
    ageMs: w.newestEventTime === null ? null : t - w.newestEventTime,
  };
}

/**
 * Rebuilds an item's state from offline raw events (materialize, backfill): deduplicated by
 * record id and folded in record-id order (arrival order per shard), so event ids keep their
 * first arrival and the per-shard marks end at the newest record applied. The same events give
 * the same state: a rerun changes nothing.
 */
export function rebuildTileState(
  view: AggregationRegistryView,
  events: readonly TileRecord[],
  now: number,
): TileState {
  const unique = new Map<string, TileRecord>();
  for (const e of events) if (!unique.has(e.recordId)) unique.set(e.recordId, e);
  const ordered = [...unique.values()].sort((a, b) => {
    const [sa, qa] = splitRecordId(a.recordId);
    const [sb, qb] = splitRecordId(b.recordId);
    if (sa !== sb) return sa < sb ? -1 : 1;
    return qa.length !== qb.length ? qa.length - qb.length : qa < qb ? -1 : qa > qb ? 1 : 0;
  });
  const state = emptyTileState();
  foldTileState(view, state, ordered, now);
  return state;
}
