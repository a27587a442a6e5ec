/**
 * Distribution distances between the training baseline and the served values, both given as
 * counts over the same bins (the baseline's quantile bins, or its top values plus `__other__`;
 * the caller adds a null bin for PSI, and leaves nulls out of KS, which needs ordered values).
 * Each distance comes with its sampling noise, the level it reaches by chance alone at the
 * sizes compared, so that drift is judged against what a sample of that size can show.
 */
import { chiSquareQuantile, NOISE_ALPHA } from './stats.ts';

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
 * PSI's sampling noise: the level PSI stays under with probability `1 − alpha` when served and
 * baseline values are samples of `n` and `m` values from one distribution over `bins` occupied
 * bins. PSI is then close to `(1/n + 1/m) · χ²(bins − 1)` (each bin's term is about
 * `(a − e)² / p`, a chi-square term), so the noise is that multiple of the chi-square quantile.
 * For the baseline's quantile bins the baseline side varies less than a sample (its bins are
 * its own quantiles), so the level errs high: a noise page is rarer still.
 */
export function psiNoise(n: number, m: number, bins: number, alpha = NOISE_ALPHA): number | null {
  if (n <= 0 || m <= 0) return null;
  return (1 / n + 1 / m) * chiSquareQuantile(1 - alpha, bins - 1);
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
