/**
 * Thresholds and decisions: which figures crossed which limits, and which finding each one is.
 * Thresholds come from the registry only (`service.skew.perFeature[output]`, else
 * `service.skew.defaults`, both already filled with `DEFAULT_SKEW_THRESHOLDS` by the compiler).
 */
import type { RegistryService } from '../registry/types.ts';
import { fixed, intervalText, noiseText, percent } from './headline.ts';
import { wilsonInterval } from './stats.ts';
import {
  FINDING_KINDS,
  type FindingKind,
  type SkewDecision,
  type SkewMetric,
  type Thresholds,
  type Verdict,
} from './types.ts';

export function thresholdsFor(service: RegistryService, output: string): Thresholds {
  return service.skew.perFeature[output] ?? service.skew.defaults;
}

export interface OutputFigures {
  /** Rows checked: the size the stale rate is observed over, and so the width of its interval. */
  readonly rows: number;
  /**
   * Rows judged for skew: every row checked but those whose value differs from its rebuild for a
   * stale cause (judged by the stale rate alone). Exact-match and null-mismatch are over these.
   */
  readonly compared: number;
  /** Share of compared rows whose value matches its rebuild. */
  readonly exactMatchRate: number;
  /** Share of compared rows with a null on one side only. */
  readonly nullMismatchRate: number;
  /** Share of rows served stale (`late data`, `ingest lag`). */
  readonly staleRate: number;
  readonly psi: number | null;
  readonly ks: number | null;
  /** The level each distance reaches by sampling alone at the sizes compared. */
  readonly psiNoise: number | null;
  readonly ksNoise: number | null;
}

/**
 * How a drift statistic reads against its limit and its sampling noise: `drift` only when it is
 * above both, `noise` when it crosses its limit but a sample of that size shows as much with
 * nothing moved (a small day or a small sample must not page), else `within`.
 */
export function driftReading(
  value: number | null,
  max: number,
  noise: number | null,
): 'drift' | 'noise' | 'within' {
  if (value === null || value <= max) return 'within';
  return noise !== null && value <= noise ? 'noise' : 'drift';
}

/**
 * The thresholds an output crosses. A rate equal to its limit passes (`exactMatchMin: 1` means
 * every value must match; `nullMismatchMax: 0.01` allows exactly 1%). A figure that could not be
 * computed (no baseline) is not judged. Stale rows are judged by `staleMax` only, never as skew:
 * the value served was what the online store held, and the fault is in ingestion. Rates are
 * judged as observed (a skewed value is a defect whatever its count) and carry their interval;
 * PSI and KS must also rise above their sampling noise (`driftReading`).
 */
export function decide(
  service: string,
  output: string,
  figures: OutputFigures,
  t: Thresholds,
): SkewDecision[] {
  const out: SkewDecision[] = [];
  const rate = (
    kind: FindingKind,
    metric: SkewDecision['metric'],
    value: number,
    threshold: number,
    bound: 'min' | 'max',
    over: number,
  ) =>
    out.push({
      service,
      output,
      kind,
      metric,
      value,
      threshold,
      bound,
      interval: wilsonInterval(value, over),
    });
  const drift = (metric: 'psi' | 'ks', value: number | null, max: number, noise: number | null) => {
    if (value !== null && driftReading(value, max, noise) === 'drift')
      out.push({
        service,
        output,
        kind: 'drift',
        metric,
        value,
        threshold: max,
        bound: 'max',
        ...(noise === null ? {} : { noise }),
      });
  };
  if (figures.exactMatchRate < t.exactMatchMin)
    rate('skew', 'exactMatch', figures.exactMatchRate, t.exactMatchMin, 'min', figures.compared);
  if (figures.nullMismatchRate > t.nullMismatchMax)
    rate(
      'skew',
      'nullMismatch',
      figures.nullMismatchRate,
      t.nullMismatchMax,
      'max',
      figures.compared,
    );
  if (figures.staleRate > t.staleMax)
    rate('stale', 'stale', figures.staleRate, t.staleMax, 'max', figures.rows);
  drift('psi', figures.psi, t.psiMax, figures.psiNoise);
  drift('ks', figures.ks, t.ksMax, figures.ksNoise);
  return out;
}

/** The kinds of some decisions, in `FINDING_KINDS` order, each once. */
export function kindsOf(decisions: readonly { readonly kind: FindingKind }[]): FindingKind[] {
  const found = new Set(decisions.map((d) => d.kind));
  return FINDING_KINDS.filter((k) => found.has(k));
}

/** The most severe kind found, or `ok`. */
export function verdictOf(kinds: readonly FindingKind[]): Verdict {
  return FINDING_KINDS.find((k) => kinds.includes(k)) ?? 'ok';
}

/**
 * How a decision reads in text: `skew: exact-match 91.20% (min 99.00%), 95% CI 89.31–92.83%`, or
 * `drift: PSI 0.412 (max 0.200), sampling noise 0.054`.
 */
export function describeDecision(d: SkewDecision): string {
  const fmt = (x: number) => (isDistance(d.metric) ? fixed(x) : percent(x));
  const extra =
    d.interval !== undefined
      ? `, ${intervalText(d.interval)}`
      : d.noise !== undefined
        ? `, ${noiseText(d.noise)}`
        : '';
  return `${d.kind}: ${METRIC_LABELS[d.metric]} ${fmt(d.value)} (${d.bound} ${fmt(d.threshold)})${extra}`;
}

function isDistance(metric: SkewMetric): boolean {
  return metric === 'psi' || metric === 'ks';
}

export const METRIC_LABELS: Record<SkewDecision['metric'], string> = {
  exactMatch: 'exact-match',
  nullMismatch: 'null-mismatch',
  stale: 'stale values',
  psi: 'PSI',
  ks: 'KS',
};
