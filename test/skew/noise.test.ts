/**
 * Drift judged against sampling noise: the noise levels of PSI and KS against seeded simulations
 * of samples with no drift, and the real path (served values binned in DuckDB, the output's
 * report and its decisions) on a small sample from the baseline's own distribution, which
 * crosses `psiMax` by chance and must not be called drift, and on a real shift of the same size,
 * which must.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { binOf, type BaselineOutput } from '../../lib/export/baseline.ts';
import { getService } from '../../lib/registry/query.ts';
import {
  ksNoise,
  ksStatistic,
  populationStabilityIndex,
  PSI_EPSILON,
  psiNoise,
} from '../../lib/skew/distance.ts';
import { compareDistribution } from '../../lib/skew/distribution.ts';
import { joinedColumns } from '../../lib/skew/compare-sql.ts';
import type { OutputFigures } from '../../lib/skew/measure.ts';
import { buildOutputReport } from '../../lib/skew/output-report.ts';
import { chiSquareQuantile, NOISE_ALPHA } from '../../lib/skew/stats.ts';
import { decide } from '../../lib/skew/thresholds.ts';
import { CAUSES, type OutputReport } from '../../lib/skew/types.ts';
import { numberLiteral, quoteIdentifier as q } from '../../lib/sql/literals.ts';
import { DEFAULT_SKEW_THRESHOLDS } from '../../lib/define/definitions.ts';
import { flightsRuntime, SERVICE } from './fixtures/defs.ts';
import { drawCounts, empiricalQuantile, normal, seededRandom } from './fixtures/random.ts';

/** PSI of `trials` pairs of samples (n served, m baseline) drawn from the same shares. */
function simulatePsi(
  shares: readonly number[],
  n: number,
  m: number,
  trials: number,
  seed: number,
) {
  const random = seededRandom(seed);
  return Array.from({ length: trials }, () =>
    populationStabilityIndex(drawCounts(random, shares, m), drawCounts(random, shares, n))!,
  );
}

const EQUAL = Array.from({ length: 10 }, () => 0.1);
const CATEGORIES = [0.4, 0.2, 0.15, 0.1, 0.1, 0.05];

describe('PSI noise against a seeded simulation with no drift', () => {
  it.each([
    { name: 'ten quantile bins', shares: EQUAL, n: 400 },
    { name: 'ten quantile bins, ten values a bin', shares: EQUAL, n: 100 },
    { name: 'six categories of unequal shares', shares: CATEGORIES, n: 400 },
  ])('matches the simulated 99% and 99.9% quantiles ($name, n = $n)', ({ shares, n }) => {
    const m = 2000;
    const psis = simulatePsi(shares, n, m, 8000, 11);
    const expected = shares.map((s) => s * m);
    const ratio = (alpha: number) =>
      psiNoise(expected, n, alpha)! / empiricalQuantile(psis, 1 - alpha);
    expect(Math.abs(ratio(0.01) - 1)).toBeLessThan(0.08);
    // 8 of 8,000 trials lie past the 99.9% quantile: its estimate is itself some 10% loose.
    expect(Math.abs(ratio(NOISE_ALPHA) - 1)).toBeLessThan(0.15);
  });

  it('is the chi-square level (1/n + 1/m) · χ²(k − 1) at large sizes', () => {
    const [n, m] = [200_000, 1_000_000];
    const level = (1 / n + 1 / m) * chiSquareQuantile(1 - NOISE_ALPHA, EQUAL.length - 1);
    expect(
      psiNoise(
        EQUAL.map((s) => s * m),
        n,
      )! / level,
    ).toBeCloseTo(1, 2);
  });

  it('stays above the simulated quantile on a small day, where empty bins dominate', () => {
    const [n, m] = [50, 5000];
    const q999 = empiricalQuantile(simulatePsi(EQUAL, n, m, 8000, 12), 1 - NOISE_ALPHA);
    const noise = psiNoise(
      EQUAL.map((s) => s * m),
      n,
    )!;
    expect(noise).toBeGreaterThanOrEqual(q999);
    // The chi-square level alone would page: an empty 10% bin adds 0.69 by itself.
    expect((1 / n + 1 / m) * chiSquareQuantile(1 - NOISE_ALPHA, EQUAL.length - 1)).toBeLessThan(
      q999,
    );
    // Still a level, not a wall: a few times the chi-square level, below a wholly moved bin.
    expect(noise).toBeLessThan(2.5);
  });

  it('counts a bin that may well come out empty, which a matched chi-square misses', () => {
    // A 5% category is empty in 100 values one time in 170, and then adds 0.31 by itself.
    const [n, m] = [100, 5000];
    const q999 = empiricalQuantile(simulatePsi(CATEGORIES, n, m, 8000, 14), 1 - NOISE_ALPHA);
    const noise = psiNoise(
      CATEGORIES.map((s) => s * m),
      n,
    )!;
    expect(noise).toBeGreaterThanOrEqual((0.05 - PSI_EPSILON) * Math.log(0.05 / PSI_EPSILON));
    expect(Math.abs(noise / q999 - 1)).toBeLessThan(0.25);
  });

  it('is null when a side has no values', () => {
    expect(psiNoise([0, 0], 10)).toBeNull();
    expect(psiNoise([5, 5], 0)).toBeNull();
  });
});

describe('KS noise against a seeded simulation with no drift', () => {
  /** The exact two-sample KS statistic of two samples without ties. */
  function exactKs(xs: number[], ys: number[]): number {
    const a = [...xs].sort((p, r) => p - r);
    const b = [...ys].sort((p, r) => p - r);
    let [i, j, d] = [0, 0, 0];
    while (i < a.length && j < b.length) {
      if (a[i]! <= b[j]!) i++;
      else j++;
      d = Math.max(d, Math.abs(i / a.length - j / b.length));
    }
    return d;
  }

  it('matches the simulated quantiles of the exact statistic, and bounds the binned one', () => {
    const [n, m, trials] = [200, 1000, 3000];
    const random = seededRandom(13);
    const exact: number[] = [];
    const binned: number[] = [];
    const edges = Array.from({ length: 11 }, (_, i) => i / 10);
    const bins = (vs: number[]) => {
      const c = new Array<number>(10).fill(0);
      for (const v of vs) c[binOf(v, edges)]!++;
      return c;
    };
    for (let t = 0; t < trials; t++) {
      const served = Array.from({ length: n }, random);
      const base = Array.from({ length: m }, random);
      exact.push(exactKs(served, base));
      binned.push(ksStatistic(bins(base), bins(served))!);
    }
    expect(Math.abs(ksNoise(n, m, 0.01)! / empiricalQuantile(exact, 0.99) - 1)).toBeLessThan(0.08);
    expect(Math.abs(ksNoise(n, m)! / empiricalQuantile(exact, 1 - NOISE_ALPHA) - 1)).toBeLessThan(
      0.15,
    );
    expect(ksNoise(n, m)!).toBeGreaterThanOrEqual(empiricalQuantile(binned, 1 - NOISE_ALPHA));
    // c(0.001) = 1.95, the textbook constant.
    expect(ksNoise(1, 1e12)!).toBeCloseTo(1.95, 2);
  });
});

describe('decide', () => {
  const t = DEFAULT_SKEW_THRESHOLDS;
  const figures = {
    rows: 400,
    compared: 400,
    exactMatchRate: 1,
    nullMismatchRate: 0,
    staleRate: 0,
    psi: 0.3,
    ks: 0.15,
    psiNoise: 0.35,
    ksNoise: 0.12,
  };

  it('calls drift only above both the threshold and the sampling noise', () => {
    const decisions = decide('s', 'x', figures, t);
    expect(decisions.map((d) => [d.metric, d.value, d.threshold, d.noise])).toEqual([
      ['ks', 0.15, t.ksMax, 0.12],
    ]);
    expect(decide('s', 'x', { ...figures, psiNoise: 0.29 }, t).map((d) => d.metric)).toEqual([
      'psi',
      'ks',
    ]);
    // Noise never lowers a threshold.
    expect(decide('s', 'x', { ...figures, psi: 0.15, psiNoise: 0.01, ks: null }, t)).toEqual([]);
  });

  it('judges rates as observed, and gives their interval', () => {
    const [d] = decide('s', 'x', { ...figures, exactMatchRate: 0.985, psi: null, ks: null }, t);
    expect(d).toMatchObject({ metric: 'exactMatch', value: 0.985 });
    const [lo, hi] = d!.interval!;
    expect(lo).toBeLessThan(0.985);
    expect(hi).toBeGreaterThan(t.exactMatchMin); // the interval reaches the limit: still skew.
  });
});

describe('drift on the real path (DuckDB bins, the output report)', () => {
  const runtime = flightsRuntime();
  const service = getService(runtime.registry, SERVICE);
  const output = 'airport_hourly__dep_delay_mean_1h';
  const m = 5000;
  const n = 100;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let baseline: BaselineOutput & { kind: 'numeric' };

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    duckdb = await instance.connect();
    // The training baseline: decile edges of m standard normal values (quantile_disc's rule).
    const random = seededRandom(21);
    const values = Array.from({ length: m }, () => normal(random)).sort((a, b) => a - b);
    const edges = Array.from({ length: 11 }, (_, i) => values[Math.round((i / 10) * (m - 1))]!);
    const counts = new Array<number>(10).fill(0);
    for (const v of values) counts[binOf(v, edges)]!++;
    baseline = { kind: 'numeric', dtype: 'float64', count: m, nullCount: 0, edges, counts };
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });

  /** The report of one output whose served values all match their rebuild. */
  async function reportOf(served: number[]): Promise<OutputReport> {
    const c = joinedColumns(output);
    await duckdb.run(
      `CREATE OR REPLACE TABLE served AS SELECT CAST(v AS VARCHAR) AS ${q(c.raw)}, v AS ${q(c.served)}
       FROM (VALUES ${served.map((v) => `(CAST(${numberLiteral(v)} AS DOUBLE))`).join(', ')}) t(v)`,
    );
    const dist = await compareDistribution(duckdb, 'served', output, 'float64', baseline);
    const figures: OutputFigures = {
      output,
      dtype: 'float64',
      rows: served.length,
      matches: served.length,
      nullMismatches: 0,
      servedNullOnly: 0,
      skewNullMismatches: 0,
      typeMismatches: 0,
      versionMismatches: 0,
      versionChanges: [],
      causeCounts: Object.fromEntries(
        CAUSES.map((cause) => [cause, 0]),
      ) as OutputFigures['causeCounts'],
      status: null,
      examples: [],
    };
    return buildOutputReport(service, runtime.registry, figures, dist, {
      source: 'test',
      outputs: { [output]: baseline },
    });
  }

  it("counts a sample by entity as its entities: one entity's many vectors are not independent draws", async () => {
    // 40 entities drawn from the baseline's own distribution, each looked up 250 times with
    // its one value: 10,000 vectors, but only 40 independent values.
    const random = seededRandom(31);
    const entities = Array.from({ length: 40 }, () => normal(random));
    const served = entities.flatMap((v) => new Array<number>(250).fill(v));
    const c = joinedColumns(output);
    await duckdb.run(
      `CREATE OR REPLACE TABLE served AS SELECT CAST(v AS VARCHAR) AS ${q(c.raw)}, v AS ${q(c.served)}
       FROM (VALUES ${served.map((v) => `(CAST(${numberLiteral(v)} AS DOUBLE))`).join(', ')}) t(v)`,
    );
    const asRows = await compareDistribution(duckdb, 'served', output, 'float64', baseline);
    const asEntities = await compareDistribution(duckdb, 'served', output, 'float64', baseline, 40);
    // Taken as 10,000 independent values, the luck of which 40 entities were drawn reads as drift.
    expect(asRows!.psi!).toBeGreaterThan(asRows!.psiNoise!);
    // Taken as 40, it is within the noise.
    expect(asEntities!.psi!).toBeLessThan(asEntities!.psiNoise!);
    expect(asEntities!.ks!).toBeLessThan(asEntities!.ksNoise!);
  });

  /** Served counts over the baseline's bins (no nulls served), as the check bins them. */
  const countsOf = (served: number[]) => {
    const counts = new Array<number>(10).fill(0);
    for (const v of served) counts[binOf(v, baseline.edges)]!++;
    return counts;
  };

  it('pages on a small clean sample about as rarely as the noise level promises, where psiMax alone pages often', () => {
    const t = service.skew.defaults;
    const random = seededRandom(24);
    const trials = 5000;
    let crossing = 0;
    let flagged = 0;
    for (let i = 0; i < trials; i++) {
      const counts = countsOf(Array.from({ length: n }, () => normal(random)));
      const psi = populationStabilityIndex([...baseline.counts, 0], [...counts, 0]);
      const ks = ksStatistic(baseline.counts, counts);
      if (psi! > t.psiMax || ks! > t.ksMax) crossing++;
      const decisions = decide(
        SERVICE,
        output,
        {
          rows: n,
          compared: n,
          exactMatchRate: 1,
          nullMismatchRate: 0,
          staleRate: 0,
          psi,
          ks,
          psiNoise: psiNoise([...baseline.counts, 0], n),
          ksNoise: ksNoise(n, m),
        },
        t,
      );
      if (decisions.length > 0) flagged++;
    }
    // Thresholds alone would call one clean day in ten drift (KS mostly); with the noise levels
    // (each at 0.1%) at most a few in a thousand.
    expect(crossing / trials).toBeGreaterThan(0.05);
    expect(flagged / trials).toBeLessThan(0.003);
  });

  it('does not call a small sample of the baseline distribution drift when PSI crosses psiMax within its noise', async () => {
    const psiMax = service.skew.defaults.psiMax;
    const noise = psiNoise([...baseline.counts, 0], n)!;
    expect(noise).toBeGreaterThan(psiMax);
    const random = seededRandom(22);
    const crossing: number[][] = [];
    for (let i = 0; i < 2000 && crossing.length < 3; i++) {
      const served = Array.from({ length: n }, () => normal(random));
      const psi = populationStabilityIndex(baseline.counts, countsOf(served))!;
      if (psi > psiMax && psi <= noise) crossing.push(served);
    }
    expect(crossing).toHaveLength(3);
    for (const served of crossing) {
      const report = await reportOf(served);
      expect(report.psi!).toBeGreaterThan(report.thresholds.psiMax);
      expect(report.psiNoise).toBeCloseTo(noise, 12);
      expect(report.kinds).toEqual([]);
      expect(report.verdict).toBe('ok');
      expect(report.notes.join(' ')).toMatch(/^PSI [\d.]+ is above its max .* not judged drift/);
    }
  });

  it('calls a shift of one standard deviation drift at the same size, above its noise', async () => {
    const random = seededRandom(23);
    for (let i = 0; i < 3; i++) {
      const report = await reportOf(Array.from({ length: n }, () => normal(random) + 1));
      expect(report.kinds).toEqual(['drift']);
      const psi = report.decisions.find((d) => d.metric === 'psi')!;
      expect(psi.value).toBeGreaterThan(psi.noise!);
      expect(psi.noise).toBe(report.psiNoise);
    }
  });
});
