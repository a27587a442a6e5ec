/**
 * The tile rule in the core (`windows.ts`, `tile-state.ts`) against the brute-force oracle, and
 * mutations of the rule (open vs closed edges, tile rounding, dedup) that the check catches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyTileState,
  foldTileState,
  rebuildTileState,
  tileValueAt,
} from '../../lib/core/tile-state.ts';
import { isInTiledWindow, tileStart, windowStart } from '../../lib/core/windows.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import * as defs from '../windows/defs.ts';
import {
  DESIGN_RULE,
  oracleAggregate,
  type OracleEvent,
  type OracleRule,
} from '../windows/oracle.ts';

const view = getViewOfKind(
  compileRegistry(collectDefinitions(defs)).registry,
  'user_windows',
  'aggregation',
);
const T0 = Date.parse('2001-01-01T00:00:00.000Z');
const MIN = 60_000;

describe('the tile rule', () => {
  it('moves the tail in whole tiles and keeps the head exact (the README example)', () => {
    const t = Date.parse('2001-01-01T10:07:30.000Z');
    // 1h window, 5 min tiles: (09:10, 10:07:30], a window 57.5 min long.
    expect(new Date(windowStart(t, 60 * MIN, 5 * MIN)).toISOString()).toBe(
      '2001-01-01T09:10:00.000Z',
    );
    // On a tile edge the window is exactly w.
    expect(windowStart(T0 + 60 * MIN, 60 * MIN, 5 * MIN)).toBe(T0);
    // Tiles are (a, a + g]: an event on an edge belongs to the tile that ends there.
    expect(tileStart(T0 + 5 * MIN, 5 * MIN)).toBe(T0);
    expect(tileStart(T0 + 5 * MIN + 1, 5 * MIN)).toBe(T0 + 5 * MIN);
  });

  it('is (t - w, t] exactly in tiles of 1 ms', () => {
    const a = { fn: 'count', column: null, windowMs: 1000, tileMs: 1, where: null } as const;
    expect(isInTiledWindow(0, 1000, a)).toBe(false);
    expect(isInTiledWindow(1, 1000, a)).toBe(true);
    expect(isInTiledWindow(1000, 1000, a)).toBe(true);
    expect(isInTiledWindow(1001, 1000, a)).toBe(false);
  });

  it('rounds the same way before 1970 (tile edges are multiples of g, not counted from t)', () => {
    // 1969-12-31T23:57:30Z: the 5 min tile holding it is (23:55, 00:00].
    const t = -150_000;
    expect(tileStart(t, 5 * MIN)).toBe(-5 * MIN);
    expect(tileStart(-5 * MIN, 5 * MIN)).toBe(-10 * MIN);
    // 1h window at t: (23:00, 23:57:30], as at any other hour.
    expect(windowStart(t, 60 * MIN, 5 * MIN)).toBe(-60 * MIN);
    expect(windowStart(-1, 10 * MIN, 5 * MIN)).toBe(-10 * MIN);
  });
});

const events = fc.array(
  fc.record({
    eventTime: fc
      .tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom(0, 1, -1))
      .map(([k, d]) => T0 + k * 30_000 + d),
    amount: fc.option(fc.integer({ min: -3, max: 6 }), { nil: null }),
    price: fc.option(
      fc.integer({ min: -8, max: 8 }).map((x) => x / 4),
      { nil: null },
    ),
    kind: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    repeatOf: fc.option(fc.nat(), { nil: null, freq: 4 }),
    redeliver: fc.boolean(),
  }),
  { minLength: 1, maxLength: 30 },
);
const queries = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, -1)), {
  minLength: 1,
  maxLength: 4,
});

/** Folds the drawn events in batches of 3 (redeliveries included) and compares at `t >= clock`. */
function agrees(drawn: unknown, qs: [number, number][], rule: OracleRule): boolean {
  const records: OracleEvent[] = [];
  (drawn as any[]).forEach((d, i) => {
    const original = d.repeatOf !== null && i > 0 ? records[d.repeatOf % i]! : undefined;
    records.push({
      keys: { user_id: 'u' },
      values: original?.values ?? { amount: d.amount, price: d.price, kind: d.kind, eid: `e${i}` },
      eventTime: original?.eventTime ?? d.eventTime,
      ingestedAt: 0,
      recordId: `s:${String(i).padStart(6, '0')}`,
    });
  });
  const state = emptyTileState();
  let clock = T0 + 100 * 30_000;
  const stamped: OracleEvent[] = [];
  for (let i = 0; i < records.length; i += 3) {
    const batch = records.slice(i, i + 3).map((r) => ({ ...r, ingestedAt: clock }));
    const again = (drawn as any[])[i]?.redeliver ? records.slice(Math.max(0, i - 3), i) : [];
    const toFold = [...again.map((r) => ({ ...r, ingestedAt: clock })), ...batch];
    foldTileState(
      view,
      state,
      toFold.map((r) => ({ ...r, eventId: r.values.eid as string })),
      clock,
    );
    stamped.push(...toFold);
    clock += 2 * MIN;
  }
  for (const [k, d] of qs) {
    const t = clock + k * 30_000 + d;
    for (const f of view.features) {
      const want = oracleAggregate(view, f.name, stamped, { user_id: 'u' }, t, Infinity, rule);
      const got = tileValueAt(view, state, f.name, t);
      if (got.value !== want.value || got.count !== want.count) return false;
    }
  }
  return true;
}

describe('online tile state = oracle', () => {
  it('agrees at every read time at or after the clock, through redeliveries and repeats', () => {
    fc.assert(
      fc.property(events, queries, (e, q) => agrees(e as never, q, DESIGN_RULE)),
      { numRuns: 300 },
    );
  });

  const mutations: [string, OracleRule][] = [
    ['an open head edge (t excluded)', { ...DESIGN_RULE, inside: (e, s, t) => e > s && e < t }],
    ['a closed tail edge (s included)', { ...DESIGN_RULE, inside: (e, s, t) => e >= s && e <= t }],
    [
      'the tail rounded down (Chronon)',
      { ...DESIGN_RULE, start: (t, w, g) => Math.floor((t - w) / g) * g },
    ],
    ['an exact sliding window', { ...DESIGN_RULE, start: (t, w) => t - w }],
    ['no dedup', { ...DESIGN_RULE, dedup: false }],
  ];
  for (const [name, rule] of mutations) {
    it(`catches a mutated rule: ${name}`, () => {
      const result = fc.check(
        fc.property(events, queries, (e, q) => agrees(e as never, q, rule)),
        { numRuns: 500, seed: 7 },
      );
      expect(result.failed).toBe(true);
    });
  }
});

describe('rebuildTileState (materialize from offline raw events)', () => {
  it('equals the incremental fold, whatever the order and duplicates of the events', () => {
    fc.assert(
      fc.property(events, fc.nat(), (drawn, seed) => {
        const records = drawn.map((d, i) => ({
          eventTime: d.eventTime,
          recordId: `shardId-000:${String(i).padStart(8, '0')}`,
          values: { amount: d.amount, price: d.price, kind: d.kind, eid: `e${i}` },
          eventId: `e${i}`,
        }));
        const now = T0 + 250 * 30_000;
        const incremental = emptyTileState();
        foldTileState(view, incremental, records, now);
        const shuffled = [...records, ...records.slice(0, seed % 3)].sort(
          (a, b) => ((a.eventTime * 7 + seed) % 13) - ((b.eventTime * 7 + seed) % 13),
        );
        const rebuilt = rebuildTileState(view, shuffled, now);
        for (const f of view.features)
          expect(tileValueAt(view, rebuilt, f.name, now)).toEqual(
            tileValueAt(view, incremental, f.name, now),
          );
        // A rerun changes nothing.
        expect(rebuildTileState(view, shuffled, now)).toEqual(rebuilt);
      }),
      { numRuns: 200 },
    );
  });
});
