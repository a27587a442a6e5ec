/**
 * The few sampling statistics the report needs, written out so that every figure can be checked
 * against a textbook value or a simulation: the standard normal quantile, the chi-square quantile
 * (Wilson–Hilferty) and the Wilson score interval of a proportion.
 */

/** Confidence of every interval the report gives (a 95% interval). */
export const INTERVAL_CONFIDENCE = 0.95;

/**
 * False-alarm rate a drift statistic is allowed by sampling alone: its noise level is the
 * (1 − `NOISE_ALPHA`) quantile of the statistic when nothing moved. A nightly check that alerts
 * on every service every night can afford about one noise page in three years per feature.
 */
export const NOISE_ALPHA = 0.001;

/** A closed interval `[lo, hi]`. */
export type Interval = readonly [number, number];

// Rational approximation of the inverse normal CDF by P. J. Acklam (relative error < 1.2e-9):
// a central rational function, and one in sqrt(−2 ln p) for each tail.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Horner's rule: `c[0]·x^(n−1) + … + c[n−1]`. */
function poly(c: readonly number[], x: number): number {
  return c.reduce((acc, k) => acc * x + k, 0);
}

/** The standard normal quantile: `z` with `Φ(z) = p`, for `0 < p < 1`. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - P_LOW) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/**
 * The `p` quantile of a chi-square variable with `df` degrees of freedom, by the Wilson–Hilferty
 * approximation (the cube root of χ²/df is nearly normal):
 * `df · (1 − 2/(9df) + z_p · sqrt(2/(9df)))³`. Within 2% of the table from df = 3 and 1% from
 * df = 9 at the quantiles used here; 0 when `df <= 0`.
 */
export function chiSquareQuantile(p: number, df: number): number {
  if (df <= 0) return 0;
  const v = 2 / (9 * df);
  const cube = 1 - v + normalQuantile(p) * Math.sqrt(v);
  return df * Math.max(cube, 0) ** 3;
}

/**
 * The Wilson score interval of a proportion observed as `rate` over `n` trials, at
 * `INTERVAL_CONFIDENCE`. Unlike `rate ± z·sqrt(rate(1 − rate)/n)` it stays inside [0, 1] and
 * does not shrink to a point at 0% or 100% (a day with no mismatch in 300 rows is not proof of
 * none). `[0, 1]` when `n` is 0: nothing was observed.
 */
export function wilsonInterval(
  rate: number,
  n: number,
  confidence = INTERVAL_CONFIDENCE,
): Interval {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2n = (z * z) / n;
  const centre = (rate + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((rate * (1 - rate)) / n + z2n / (4 * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * The `p` quantile of `Σ value_i · B_i` for independent events `B_i` of the given chances: the
 * least total whose probability of not being exceeded reaches `p`. Computed over the possible
 * totals with each value rounded up to a multiple of `step` (so there are at most
 * `Σ value / step` totals, and the quantile errs high by less than `events · step`), leaving out
 * totals less likely than `(1 − p) / 1000`.
 */
export function eventSumQuantile(
  p: number,
  events: readonly { readonly chance: number; readonly value: number }[],
  step = 1e-4,
): number {
  const negligible = (1 - p) / 1000;
  // Totals in whole steps, so equal totals reached by different events merge.
  let totals = new Map<number, number>([[0, 1]]);
  for (const { chance, value } of events) {
    const units = Math.ceil(value / step);
    const next = new Map<number, number>();
    const add = (total: number, prob: number) => {
      if (prob > negligible) next.set(total, (next.get(total) ?? 0) + prob);
    };
    for (const [total, prob] of totals) {
      add(total, prob * (1 - chance));
      add(total + units, prob * chance);
    }
    totals = next;
  }
  let cumulative = 0;
  for (const [total, prob] of [...totals].sort((a, b) => a[0] - b[0])) {
    cumulative += prob;
    if (cumulative >= p) return total * step;
  }
  return Math.max(0, ...totals.keys()) * step;
}
