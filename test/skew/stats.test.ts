/**
 * The sampling statistics against textbook values and independent computations: the normal
 * quantile against numerical integration of the density, the chi-square quantile against its
 * table, the Wilson interval against Newcombe's worked examples and a coverage simulation, and
 * the event-sum quantile against brute-force enumeration.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chiSquareQuantile,
  eventSumQuantile,
  INTERVAL_CONFIDENCE,
  normalQuantile,
  wilsonInterval,
} from '../../lib/skew/stats.ts';
import { binomial, seededRandom } from './fixtures/random.ts';

/** Φ(z) − 1/2 by Simpson's rule over the density on [0, z]. */
function normalCdfFromZero(z: number, steps = 2000): number {
  const f = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const h = z / steps;
  let s = f(0) + f(z);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return (s * h) / 3;
}

describe('normalQuantile', () => {
  it('gives the textbook quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
    expect(normalQuantile(0.9995)).toBeCloseTo(3.290527, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424, 4);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('inverts the integrated density across both tails and the centre', () => {
    for (const p of [0.0005, 0.01, 0.02, 0.03, 0.2, 0.6, 0.9, 0.975, 0.99, 0.9999]) {
      const z = normalQuantile(p);
      expect(0.5 + Math.sign(z) * normalCdfFromZero(Math.abs(z)), `p = ${p}`).toBeCloseTo(p, 8);
    }
  });
});

describe('chiSquareQuantile (Wilson–Hilferty)', () => {
  // Upper-tail critical values from the chi-square table (NIST/SEMATECH e-Handbook, 1.3.6.7.4).
  const table: [df: number, p: number, value: number][] = [
    [3, 0.999, 16.266],
    [5, 0.95, 11.07],
    [9, 0.999, 27.877],
    [10, 0.99, 23.209],
    [10, 0.999, 29.588],
    [20, 0.999, 45.315],
    [21, 0.999, 46.797],
  ];

  it('is within 2% of the table from 3 degrees of freedom, and within 1% from 9', () => {
    for (const [df, p, value] of table) {
      const got = chiSquareQuantile(p, df);
      expect(Math.abs(got / value - 1), `df ${df} p ${p}: ${got}`).toBeLessThan(
        df >= 9 ? 0.01 : 0.02,
      );
    }
  });

  it('is 0 without degrees of freedom', () => {
    expect(chiSquareQuantile(0.999, 0)).toBe(0);
  });
});

describe('wilsonInterval', () => {
  it("matches Newcombe's worked examples (Statistics in Medicine 1998, Table I)", () => {
    const cases: [x: number, n: number, lo: number, hi: number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, lo, hi] of cases) {
      const [l, h] = wilsonInterval(x / n, n);
      expect(l, `${x}/${n}`).toBeCloseTo(lo, 4);
      expect(h, `${x}/${n}`).toBeCloseTo(hi, 4);
    }
  });

  it('covers the true rate about 95% of the time (seeded simulation)', () => {
    const random = seededRandom(7);
    const trials = 4000;
    for (const [p, n] of [
      [0.3, 50],
      [0.02, 500],
      [0.995, 2000],
    ] as const) {
      let covered = 0;
      for (let t = 0; t < trials; t++) {
        const [lo, hi] = wilsonInterval(binomial(random, n, p) / n, n);
        if (lo <= p && p <= hi) covered++;
      }
      // Wilson's coverage oscillates around the nominal level with n·p; ±2.5 points holds here.
      expect(Math.abs(covered / trials - INTERVAL_CONFIDENCE), `p ${p} n ${n}`).toBeLessThan(0.025);
    }
  });

  it('stays in [0, 1], contains the rate, and is [0, 1] with nothing observed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e7 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const rate = Math.round(u * n) / n;
        const [lo, hi] = wilsonInterval(rate, n);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(rate + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(rate - 1e-12);
      }),
    );
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('eventSumQuantile', () => {
  it('equals the quantile of brute-force enumeration within the rounding it states', () => {
    const event = fc.record({
      chance: fc.double({ min: 0, max: 1, noNaN: true }),
      value: fc.double({ min: 0, max: 2, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 9 }),
        fc.constantFrom(0.9, 0.99, 0.999),
        (events, p) => {
          // Oracle: every subset of events, its total and probability.
          const outcomes: { total: number; prob: number }[] = [];
          for (let mask = 0; mask < 1 << events.length; mask++) {
            let total = 0;
            let prob = 1;
            events.forEach((e, i) => {
              const on = (mask >> i) & 1;
              total += on ? e.value : 0;
              prob *= on ? e.chance : 1 - e.chance;
            });
            outcomes.push({ total, prob });
          }
          outcomes.sort((a, b) => a.total - b.total);
          let cumulative = 0;
          const want = outcomes.find((o) => (cumulative += o.prob) >= p - 1e-12)?.total ?? 0;
          const step = 1e-4;
          const got = eventSumQuantile(p, events, step);
          // Values round up to whole steps; totals below (1 − p)/1000 are left out.
          expect(got).toBeGreaterThanOrEqual(want - 1e-9);
          const next = outcomes.find((o) => o.total > want + events.length * step)?.total;
          if (next !== undefined) expect(got).toBeLessThan(next);
          expect(got).toBeLessThanOrEqual(want + events.length * step + 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
