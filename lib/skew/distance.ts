/**
 * Distribution distances between the training baseline and the served values, both given as
 * counts over the same bins (the baseline's quantile bins, or its top values plus `__other__`;
 * the caller adds a null bin for PSI, and leaves nulls out of KS, which needs ordered values).
 * Each distance comes with its sampling noise, the level it reaches by chance alone at the
 * sizes compared, so that drift is judged against what a sample of that size can show.
 */
import { chiSquareQuantile, eventSumQuantile, NOISE_ALPHA } from './stats.ts';

/**
 * Share given to an empty bin. Without it PSI is infinite as soon as one bin is empty on one
 * side; 1e-4 is the usual choice (it caps one bin's term at about 0.0009 + share·9.2).
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index:
 * `PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)`, where `e_i` is bin i's share of the baseline and
 * `a_i` its share of the served values, each share first raised to at least `PSI_EPSILON`.
 * Returns null when either side has no values. 0 means identical; > 0.2 is commonly read as a
 * significant shift.
 */
export function populationStabilityIndex(
  baselineCounts: readonly number[],
  servedCounts: readonly number[],
  epsilon = PSI_EPSILON,
): number | null {
  checkSameLength(baselineCounts, servedCounts);
  const eTotal = sum(baselineCounts);
  const aTotal = sum(servedCounts);
  if (eTotal === 0 || aTotal === 0) return null;
  let psi = 0;
  for (let i = 0; i < baselineCounts.length; i++) {
    const e = Math.max(baselineCounts[i]! / eTotal, epsilon);
    const a = Math.max(servedCounts[i]! / aTotal, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic over ordered bins:
 * `D = max_k |E_k − A_k|`, with `E_k`, `A_k` the cumulative shares of the baseline and the served
 * values through bin k. The baseline keeps only its quantile edges, so this is the statistic
 * evaluated at those edges: a lower bound of the exact D, equal to it when both samples change
 * only at the edges. Returns null when either side has no values.
 */
export function ksStatistic(
  baselineCounts: readonly number[],
  servedCounts: readonly number[],
): number | null {
  checkSameLength(baselineCounts, servedCounts);
  const eTotal = sum(baselineCounts);
  const aTotal = sum(servedCounts);
  if (eTotal === 0 || aTotal === 0) return null;
  let e = 0;
  let a = 0;
  let d = 0;
  for (let i = 0; i < baselineCounts.length; i++) {
    e += baselineCounts[i]!;
    a += servedCounts[i]!;
    d = Math.max(d, Math.abs(e / eTotal - a / aTotal));
  }
  return d;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function checkSameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length)
    throw new RangeError(`bin counts differ in length: ${a.length} vs ${b.length}`);
}

/**
 * PSI's sampling noise: the level PSI stays under with probability about `1 − alpha` when `n`
 * served values and the baseline's values (`baselineCounts`, `m` in all) are samples of one
 * distribution over the k bins the baseline fills. Two parts, the larger one counts:
 * - At large sizes PSI is close to `(1/n + 1/m) · χ²(k − 1)` (each bin's term is about
 *   `(a − e)² / e`, a chi-square term). At small ones a bin's term is skewed (the log weighs a
 *   short bin more than a full one, and an empty bin is floored at `PSI_EPSILON`), so the scale
 *   and degrees of freedom of that chi-square are matched to PSI's own mean and variance at these
 *   sizes (`psiMoments`), and its quantile taken by Wilson–Hilferty. At large sizes this is
 *   exactly the `(1/n + 1/m) · χ²(k − 1)` level.
 * - An empty served bin alone adds `(e − ε)·ln(e/ε)` (0.69 for a 10% bin), a jump no matched
 *   chi-square carries in its tail: the `1 − alpha` quantile of the sum of the terms of bins that
 *   are empty by chance (each with probability `(1 − e)^n`).
 * For the baseline's quantile bins the baseline side varies less than a sample (its bins are
 * its own quantiles), so the `1/m` part errs high. Null when a side has no values.
 */
export function psiNoise(
  baselineCounts: readonly number[],
  n: number,
  alpha = NOISE_ALPHA,
  epsilon = PSI_EPSILON,
): number | null {
  const m = sum(baselineCounts);
  if (n <= 0 || m <= 0) return null;
  const shares = baselineCounts.filter((c) => c > 0).map((c) => c / m);
  const k = shares.length;
  if (k <= 1) return 0;
  // Poisson counts per bin leave the total free (k degrees of freedom, not k − 1), and the
  // baseline's own sampling scales the served side's by (1 + n/m), as in the chi-square level.
  const served = psiMoments(shares, n, epsilon);
  const sizes = 1 + n / m;
  const mean = served.mean * ((k - 1) / k) * sizes;
  const variance = served.variance * ((k - 1) / k) * sizes * sizes;
  const matched =
    (variance / (2 * mean)) * chiSquareQuantile(1 - alpha, (2 * mean * mean) / variance);
  const emptyBins = shares
    .filter((e) => e > epsilon)
    .map((e) => ({ chance: (1 - e) ** n, value: (e - epsilon) * Math.log(e / epsilon) }));
  return Math.max(matched, eventSumQuantile(1 - alpha, emptyBins));
}

/**
 * Mean and variance of PSI's served side when bin i's count is Poisson with mean `n · e_i` and
 * the baseline shares are `e_i`: each bin's term summed over its counts within 10 standard
 * deviations of its mean (the rest weighs less than 1e-20).
 */
export function psiMoments(
  shares: readonly number[],
  n: number,
  epsilon = PSI_EPSILON,
): { mean: number; variance: number } {
  let mean = 0;
  let variance = 0;
  for (const e of shares) {
    const mu = n * e;
    const lo = Math.max(0, Math.floor(mu - 10 * Math.sqrt(mu) - 5));
    const hi = Math.ceil(mu + 10 * Math.sqrt(mu) + 5);
    const share = Math.max(e, epsilon);
    let m1 = 0;
    let m2 = 0;
    for (let x = lo; x <= hi; x++) {
      const p = Math.exp(-mu + x * Math.log(mu) - logFactorial(x));
      const a = Math.max(x / n, epsilon);
      const term = (a - share) * Math.log(a / share);
      m1 += p * term;
      m2 += p * term * term;
    }
    mean += m1;
    variance += m2 - m1 * m1;
  }
  return { mean, variance };
}

/** `ln(x!)`: summed below 20, Stirling's series above (error under 1e-12 there). */
function logFactorial(x: number): number {
  if (x < 20) {
    let s = 0;
    for (let j = 2; j <= x; j++) s += Math.log(j);
    return s;
  }
  return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x) + 1 / (12 * x) - 1 / (360 * x ** 3);
}

/**
 * KS's sampling noise: the two-sample critical value `c(α) · sqrt((n + m) / (n · m))` with the
 * asymptotic `c(α) = sqrt(−ln(α / 2) / 2)` (1.95 at α = 0.001). KS here is read at the
 * baseline's bin edges, never above the exact statistic, so the level is conservative.
 */
export function ksNoise(n: number, m: number, alpha = NOISE_ALPHA): number | null {
  if (n <= 0 || m <= 0) return null;
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}
