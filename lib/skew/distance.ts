/**
 * Distribution distances between the training baseline and the served values, both given as
 * counts over the same bins (the baseline's quantile bins, or its top values plus `__other__`;
 * the caller adds a null bin for PSI, and leaves nulls out of KS, which needs ordered values).
 */

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
