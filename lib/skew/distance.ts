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
 * distribution. Two parts:
 * - PSI is then close to `(1/n + 1/m) · χ²(k − 1)` over the k bins the baseline fills (each
 *   bin's term is about `(a − e)² / e`, a chi-square term), so the level is that multiple of the
 *   chi-square quantile. Measured against simulation it holds to a few percent from about 30
 *   served values a bin; at 10 a bin it is some 15% low.
 * - An empty served bin is floored at `PSI_EPSILON`, which alone adds `(e − ε)·ln(e/ε)` (0.69
 *   for a 10% bin): far above the chi-square tail when bins expect few values. Each bin is empty
 *   by chance with probability `(1 − e)^n`; the `1 − alpha` quantile of the sum of those terms
 *   is added, so a small day does not page because a bin drew nothing. From some 10 values a
 *   bin it is 0.
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
  const chiSquare = (1 / n + 1 / m) * chiSquareQuantile(1 - alpha, shares.length - 1);
  const emptyBins = shares
    .filter((e) => e > epsilon)
    .map((e) => ({ chance: (1 - e) ** n, value: (e - epsilon) * Math.log(e / epsilon) }));
  return chiSquare + eventSumQuantile(1 - alpha, emptyBins);
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
