/**
 * The words every output of the check uses (CLI summary, alert, HTML report, JSON): the kinds
 * found with their feature counts, an output's causes as counts, what was sampled, and how a
 * rate, its interval and a distance with its noise are written. One wording, written once.
 */
import { INTERVAL_CONFIDENCE, type Interval } from './stats.ts';
import { FINDING_KINDS, type OutputReport, type SampleSummary, type SkewReport } from './types.ts';

/**
 * `skew in 1 feature, stale in 4 features` (kinds in severity order), or `ok`; when the day was
 * not checked whole, the verdict says it judges the sample: `skew in 1 feature (in a 1.00%
 * sample)`.
 */
export function findingsHeadline(
  report: Pick<SkewReport, 'outputs' | 'malformed' | 'sample'>,
): string {
  const kinds = FINDING_KINDS.flatMap((kind) => {
    const n = report.outputs.filter((o) => o.kinds.includes(kind)).length;
    return n === 0 ? [] : [`${kind} in ${n} feature${n === 1 ? '' : 's'}`];
  });
  const scope = report.sample.whole ? '' : ` (in a ${percent(report.sample.rate)} sample)`;
  const parts = kinds.length > 0 ? [`${kinds.join(', ')}${scope}`] : [];
  if (report.malformed.count > 0) parts.push(malformedText(report.malformed.count));
  return parts.length === 0 ? `ok${scope}` : parts.join(', ');
}

/**
 * Every kind an output was found with (`stale, drift`), or `ok`: what the tables show beside
 * each feature, so their counts agree with the headline's (a feature both stale and drifted
 * counts in both).
 */
export function findingsOf(o: Pick<OutputReport, 'kinds'>): string {
  return o.kinds.length > 0 ? o.kinds.join(', ') : 'ok';
}

export function malformedText(count: number): string {
  return `${count} malformed log line${count === 1 ? '' : 's'} skipped`;
}

/** `ingest lag 612, unexplained 3` (most frequent first), or `` when none. */
export function causesText(o: Pick<OutputReport, 'causes'>): string {
  return o.causes.map((c) => `${c.cause} ${c.count}`).join(', ');
}

/**
 * What was checked: `sample: 200,000 of 20,000,000 vectors checked (1.00%, by entity; cap
 * 200,000/day)`, or `sample: whole day, 12,345 vectors`.
 */
export function sampleText(sample: SampleSummary): string {
  if (sample.whole) return `sample: whole day, ${count(sample.checked)} vectors`;
  const declared = sample.declared.rate < 1 ? `rate ${percent(sample.declared.rate)}, ` : '';
  return (
    `sample: ${count(sample.checked)} of ${count(sample.logged)} vectors checked ` +
    `(${percent(sample.rate)}, by entity; ${declared}cap ${count(sample.declared.maxVectorsPerDay)}/day)`
  );
}

/** `80.00%`. */
export function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** `0.412`, or `n/a` for a figure not computed. */
export function fixed(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

/** `95% CI 77.41–82.36%`. */
export function intervalText(interval: Interval): string {
  return `${INTERVAL_LABEL} ${intervalRange(interval)}`;
}

/** `95% CI`: what an interval is, wherever one is shown. */
export const INTERVAL_LABEL = `${Math.round(INTERVAL_CONFIDENCE * 100)}% CI`;

/** `77.41–82.36%`. */
export function intervalRange([lo, hi]: Interval): string {
  return `${(lo * 100).toFixed(2)}–${percent(hi)}`;
}

/** `80.00% (95% CI 77.41–82.36%)`. */
export function rateText(rate: number, interval: Interval): string {
  return `${percent(rate)} (${intervalText(interval)})`;
}

/** `sampling noise 0.054`. */
export function noiseText(noise: number): string {
  return `sampling noise ${fixed(noise)}`;
}

/** `0.412 (sampling noise 0.054)`, or `n/a`. */
export function distanceText(value: number | null, noise: number | null): string {
  return value === null
    ? 'n/a'
    : `${fixed(value)}${noise === null ? '' : ` (${noiseText(noise)})`}`;
}

/**
 * An output's figures, each with its interval or its noise: `exact-match 80.00% (95% CI
 * 77.41–82.36%)`, …, `PSI 0.900 (sampling noise 0.123)`, `KS n/a`.
 */
export function figureTexts(o: OutputReport): string[] {
  return [
    `exact-match ${rateText(o.exactMatchRate, o.exactMatchInterval)}`,
    `stale ${rateText(o.staleRate, o.staleInterval)}`,
    `null-mismatch ${rateText(o.nullMismatchRate, o.nullMismatchInterval)}`,
    `PSI ${distanceText(o.psi, o.psiNoise)}`,
    `KS ${distanceText(o.ks, o.ksNoise)}`,
  ];
}

/** `12,345`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A duration in the unit that reads best: `45s`, `12m`, `3.5h`. */
export function durationText(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}
