/**
 * Rebuilding an aggregation view's tile item from offline events, and deciding what to do with
 * the online item (docs/semantics.md, "Rebuilding tiles"). Pure: materialize and the nightly
 * heal run these over whatever stores they were given.
 *
 * The rule that keeps a rebuild exact while the stream runs: the rebuild carries the per-shard
 * marks of the offline history, and it replaces an online item only when, on every shard the
 * item has applied, the rebuild's mark is at or past the item's. An item ahead on some shard
 * applied records the offline store does not hold yet: it is left to the stream (deferred) and a
 * later run rebuilds it. The write is conditional on the item's revision, so a stream write
 * between the read and the write sends the rebuild back to read and judge again; after it, the
 * stream continues from the rebuild's marks: a redelivered record is at or below them (and in
 * the rebuild), a new one above them.
 */
import {
  compareSequence,
  emptyTileState,
  foldTileState,
  rebuildTileState,
  splitRecordId,
  type TileRecord,
  type TileState,
} from './tile-state.ts';
import type { TilePartial } from './windows.ts';
import type { AggregationRegistryView } from '../registry/types.ts';

/** An entity's offline history as a rebuild reads it. */
export interface TileHistory {
  /** The events that can still reach a window (any order; duplicates allowed). */
  readonly events: readonly TileRecord[];
  /** Per shard, the greatest record id ever stored (possibly older than every window). */
  readonly marks: readonly string[];
}

/** The item the stream would hold at `now` after applying exactly this history. */
export function rebuildFromHistory(
  view: AggregationRegistryView,
  history: TileHistory,
  now: number,
): TileState {
  const state = history.events.length
    ? rebuildTileState(view, history.events, now)
    : emptyTileState();
  for (const recordId of history.marks) {
    const [shard, seq] = splitRecordId(recordId);
    const done = state.seq[shard];
    if (done === undefined || compareSequence(seq, done) > 0) state.seq[shard] = seq;
  }
  return state;
}

/**
 * Why an item is rewritten: `missing item` (no online item where the history has windows to
 * serve), `missed events` (the offline store holds records the item never applied: a batch lost
 * online, a backfill), `unexplained` (the item applied the same records and still differs: a
 * corrupted or hand-edited item).
 */
export const TILE_CAUSES = ['missing item', 'missed events', 'unexplained'] as const;
export type TileCause = (typeof TILE_CAUSES)[number];

export type TileVerdict =
  | { readonly kind: 'same' }
  | { readonly kind: 'deferred' }
  | { readonly kind: 'rewrite'; readonly cause: TileCause };

/** An online item as read: absent, unreadable (not a tile state), or its state. */
export type OnlineTiles = { readonly kind: 'absent' } | { readonly kind: 'unreadable' } | TileState;

function isState(online: OnlineTiles): online is TileState {
  return !('kind' in online);
}

/** True when nothing in the state can change a lookup (marks aside). */
export function servesNothing(state: TileState): boolean {
  return (
    Object.keys(state.tiles).length === 0 &&
    state.pending.length === 0 &&
    Object.keys(state.ids).length === 0
  );
}

/** What a rebuild at `now` does to the online item. */
export function judgeTileItem(
  view: AggregationRegistryView,
  online: OnlineTiles,
  rebuilt: TileState,
  now: number,
): TileVerdict {
  if (!isState(online)) {
    if (online.kind === 'unreadable') return { kind: 'rewrite', cause: 'unexplained' };
    return servesNothing(rebuilt) ? { kind: 'same' } : { kind: 'rewrite', cause: 'missing item' };
  }
  for (const [shard, seq] of Object.entries(online.seq)) {
    const mark = rebuilt.seq[shard];
    if (mark === undefined || compareSequence(mark, seq) < 0) return { kind: 'deferred' };
  }
  // The item as a write at `now` would leave it: due pending events joined, old tiles dropped.
  const current = structuredClone(online);
  foldTileState(view, current, [], now);
  if (sameTileState(current, rebuilt)) return { kind: 'same' };
  const sameMarks = Object.keys(rebuilt.seq).every((s) => online.seq[s] === rebuilt.seq[s]);
  return { kind: 'rewrite', cause: sameMarks ? 'unexplained' : 'missed events' };
}

/**
 * Equal states: the same marks, event ids, pending events and tiles. Sums compare within the
 * rounding of their order of addition (the stream adds a late pending event after its batch,
 * the rebuild in record order); counts, extremes and last values compare exactly.
 */
export function sameTileState(a: TileState, b: TileState): boolean {
  return (
    sameRecord(a.seq, b.seq, (x, y) => x === y) &&
    sameRecord(a.ids, b.ids, (x, y) => x === y) &&
    samePending(a.pending, b.pending) &&
    sameRecord(a.tiles, b.tiles, (x, y) => sameRecord(x, y, samePartial))
  );
}

function sameRecord<T>(
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
  same: (x: T, y: T) => boolean,
): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => k in b && same(a[k]!, b[k]!));
}

function samePending(a: TileState['pending'], b: TileState['pending']): boolean {
  if (a.length !== b.length) return false;
  const key = (p: TileState['pending'][number]) => JSON.stringify(p);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((x, i) => x === right[i]);
}

function samePartial(a: TilePartial, b: TilePartial): boolean {
  const sumsClose = Math.abs(a.s - b.s) <= 1e-9 * Math.max(1, Math.abs(a.s), Math.abs(b.s));
  return (
    a.c === b.c &&
    sumsClose &&
    a.m === b.m &&
    a.e === b.e &&
    JSON.stringify(a.l) === JSON.stringify(b.l)
  );
}
