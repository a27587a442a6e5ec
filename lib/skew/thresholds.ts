/**
 * Thresholds and decisions: which figures crossed which limits. Thresholds come from the
 * registry only (`service.skew.perFeature[output]`, else `service.skew.defaults`, both already
 * filled with `DEFAULT_SKEW_THRESHOLDS` by the compiler).
 */
import type { RegistryService } from '../registry/types.ts';
import type { SkewDecision, Thresholds } from './types.ts';

export function thresholdsFor(service: RegistryService, output: string): Thresholds {
  return service.skew.perFeature[output] ?? service.skew.defaults;
}

export interface OutputFigures {
  readonly exactMatchRate: number;
  readonly nullMismatchRate: number;
  readonly psi: number | null;
  readonly ks: number | null;
}

/**
 * The thresholds an output crosses. A rate equal to its limit passes (`exactMatchMin: 1` means
 * every value must match; `nullMismatchMax: 0.01` allows exactly 1%). A figure that could not be
 * computed (no baseline) is not judged.
 */
export function decide(
  service: string,
  output: string,
  figures: OutputFigures,
  t: Thresholds,
): SkewDecision[] {
  const out: SkewDecision[] = [];
  const add = (
    metric: SkewDecision['metric'],
    value: number,
    threshold: number,
    bound: 'min' | 'max',
  ) => out.push({ service, output, metric, value, threshold, bound });
  if (figures.exactMatchRate < t.exactMatchMin)
    add('exactMatch', figures.exactMatchRate, t.exactMatchMin, 'min');
  if (figures.nullMismatchRate > t.nullMismatchMax)
    add('nullMismatch', figures.nullMismatchRate, t.nullMismatchMax, 'max');
  if (figures.psi !== null && figures.psi > t.psiMax) add('psi', figures.psi, t.psiMax, 'max');
  if (figures.ks !== null && figures.ks > t.ksMax) add('ks', figures.ks, t.ksMax, 'max');
  return out;
}

/** How a metric reads in text: `exact-match 91.2% (min 99.0%)`. */
export function describeDecision(d: SkewDecision): string {
  const fmt = (x: number) =>
    d.metric === 'psi' || d.metric === 'ks' ? x.toFixed(3) : `${(x * 100).toFixed(2)}%`;
  return `${METRIC_LABELS[d.metric]} ${fmt(d.value)} (${d.bound} ${fmt(d.threshold)})`;
}

export const METRIC_LABELS: Record<SkewDecision['metric'], string> = {
  exactMatch: 'exact-match',
  nullMismatch: 'null-mismatch',
  psi: 'PSI',
  ks: 'KS',
};
