import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { binOf } from '../../lib/export/baseline.ts';
import { ksStatistic, populationStabilityIndex, PSI_EPSILON } from '../../lib/skew/distance.ts';
import { numericBinSql } from '../../lib/skew/distribution.ts';
import { comparisonSql, joinedColumns } from '../../lib/skew/compare-sql.ts';
import { numberLiteral, quoteIdentifier as q, stringLiteral } from '../../lib/sql/literals.ts';

describe('PSI', () => {
  it('matches the hand-computed value of a two-bin shift', () => {
    // e = [.5, .5], a = [.25, .75]: (−.25)·ln(.5) + (.25)·ln(1.5)
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(0.274653, 6);
  });

  it('raises an empty bin to epsilon instead of going infinite', () => {
    // e = [1, 1e-4], a = [.5, .5]: (−.5)·ln(.5) + (.5 − 1e-4)·ln(.5 / 1e-4)
    const expected = -0.5 * Math.log(0.5) + (0.5 - PSI_EPSILON) * Math.log(0.5 / PSI_EPSILON);
    expect(populationStabilityIndex([100, 0], [50, 50])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(4.604319, 5);
  });

  it('is null when a side has no values', () => {
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeNull();
    expect(populationStabilityIndex([1, 2], [0, 0])).toBeNull();
  });

  it('is zero for the same shares, symmetric, non-negative and scale-free (property)', () => {
    const counts = fc.array(fc.nat(1000), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(counts, counts, fc.integer({ min: 1, max: 5 }), (a0, b0, k) => {
        const n = Math.min(a0.length, b0.length);
        const a = a0.slice(0, n);
        const b = b0.slice(0, n);
        if (a.every((x) => x === 0) || b.every((x) => x === 0)) return;
        expect(populationStabilityIndex(a, a)).toBe(0);
        const psi = populationStabilityIndex(a, b)!;
        expect(psi).toBeGreaterThanOrEqual(0);
        expect(populationStabilityIndex(b, a)).toBeCloseTo(psi, 9);
        expect(
          populationStabilityIndex(
            a.map((x) => x * k),
            b,
          ),
        ).toBeCloseTo(psi, 9);
      }),
    );
  });
});

describe('KS', () => {
  it('matches the hand-computed value of reversed bins', () => {
    // cumulative .1 .3 .6 1 vs .4 .7 .9 1 → max gap .4
    expect(ksStatistic([10, 20, 30, 40], [40, 30, 20, 10])).toBeCloseTo(0.4, 12);
  });

  it('equals the brute-force two-sample KS when values sit on the bin edges (property)', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(sample, sample, (xs, ys) => {
        // Oracle: sup over x of |F_xs(x) − F_ys(x)|, F(x) = share of values ≤ x.
        let d = 0;
        for (const t of [...xs, ...ys]) {
          const fx = xs.filter((v) => v <= t).length / xs.length;
          const fy = ys.filter((v) => v <= t).length / ys.length;
          d = Math.max(d, Math.abs(fx - fy));
        }
        const bins = (vs: number[]) =>
          Array.from({ length: 10 }, (_, i) => vs.filter((v) => v === i).length);
        expect(ksStatistic(bins(xs), bins(ys))).toBeCloseTo(d, 12);
      }),
    );
  });
});

describe('in DuckDB', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    duckdb = await instance.connect();
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });

  it("bins served values by the baseline's own rule (binOf), edges and outside values included", async () => {
    const edgesArb = fc
      .uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 11 })
      .map((xs) => (xs.length === 1 ? [xs[0]!, xs[0]!] : xs.sort((a, b) => a - b)));
    await fc.assert(
      fc.asyncProperty(
        edgesArb,
        fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 1, maxLength: 30 }),
        async (edges, values) => {
          const reader = await duckdb.runAndReadAll(
            `SELECT v, ${numericBinSql('v', edges)} AS b FROM (VALUES ${values.map((v) => `(CAST(${v} AS DOUBLE))`).join(', ')}) t(v)`,
          );
          for (const row of reader.getRowObjectsJson())
            expect(Number(row.b), `value ${String(row.v)} edges ${edges.join(',')}`).toBe(
              binOf(Number(row.v), edges),
            );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('compares served and rebuilt values like the TypeScript oracle (float tolerance, nulls, bad types)', async () => {
    const oracle = (
      raw: string | null,
      served: number | null,
      rebuilt: number | null,
      tol: number,
    ) => {
      const typeMismatch = raw !== null && served === null;
      const nullMismatch = !typeMismatch && (raw === null) !== (rebuilt === null);
      const equal =
        served !== null &&
        rebuilt !== null &&
        (served === rebuilt ||
          Math.abs(served - rebuilt) <= tol * Math.max(Math.abs(served), Math.abs(rebuilt)));
      return {
        typeMismatch,
        nullMismatch,
        match: !typeMismatch && ((raw === null && rebuilt === null) || equal),
      };
    };
    const value = fc.option(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      { nil: null },
    );
    const row = fc
      .record({
        served: value,
        rebuilt: value,
        nudge: fc.constantFrom(0, 1e-12, 1e-10, 1e-9, 2e-9, 1e-6),
        bad: fc.boolean(),
      })
      .map(({ served, rebuilt, nudge, bad }) => {
        const r = served !== null && rebuilt !== null && nudge > 0 ? served * (1 + nudge) : rebuilt;
        return {
          raw: bad ? 'not a number' : served === null ? null : JSON.stringify(served),
          served: bad ? null : served,
          rebuilt: r,
        };
      });
    const tol = 1e-9;
    const c = joinedColumns('x');
    const cmp = comparisonSql('x', 'float64', tol);
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
        const values = rows
          .map(
            (r, i) =>
              `(${i}, ${r.raw === null ? 'NULL' : stringLiteral(r.raw)}, CAST(${r.rebuilt === null ? 'NULL' : numberLiteral(r.rebuilt)} AS DOUBLE))`,
          )
          .join(', ');
        const reader = await duckdb.runAndReadAll(
          `WITH j AS (SELECT i, raw AS ${q(c.raw)}, TRY_CAST(raw AS DOUBLE) AS ${q(c.served)}, rebuilt AS ${q(c.rebuilt)}
                      FROM (VALUES ${values}) t(i, raw, rebuilt))
           SELECT i, ${cmp.typeMismatch} AS tm, ${cmp.nullMismatch} AS nm, ${cmp.match} AS m FROM j ORDER BY i`,
        );
        for (const out of reader.getRowObjectsJson()) {
          const r = rows[Number(out.i)]!;
          const want = oracle(r.raw, r.served, r.rebuilt, tol);
          expect(
            { typeMismatch: out.tm, nullMismatch: out.nm, match: out.m },
            JSON.stringify(r),
          ).toEqual(want);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('compares float lists element-wise within the tolerance', async () => {
    const c = joinedColumns('x');
    const cmp = comparisonSql('x', 'float64_list', 1e-9);
    const reader = await duckdb.runAndReadAll(
      `WITH j AS (SELECT i, raw AS ${q(c.raw)}, TRY_CAST(raw AS DOUBLE[]) AS ${q(c.served)}, rebuilt AS ${q(c.rebuilt)}
                  FROM (VALUES (0, '[1,2]', [1.0, 2.0]), (1, '[1,2]', [1.0, 2.0000000000001]),
                               (2, '[1,2]', [1.0, 2.1]), (3, '[1,2]', [1.0]), (4, '[]', CAST([] AS DOUBLE[])))
                  t(i, raw, rebuilt))
       SELECT ${cmp.match} AS m FROM j ORDER BY i`,
    );
    expect(reader.getRowObjectsJson().map((r) => r.m)).toEqual([true, true, false, false, true]);
  });
});
