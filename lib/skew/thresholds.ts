/**
 * Thresholds and decisions: which figures crossed which limits, and which finding each one is.
 * Thresholds come from the registry only (`service.skew.perFeature[output]`, else
 * `service.skew.defaults`, both already filled with `DEFAULT_SKEW_THRESHOLDS` by the compiler).
 */
import type { RegistryService } from '../registry/types.ts';
import { FINDING_KINDS, type FindingKind, type SkewDecision, type Thresholds } from './types.ts';
import type { Verdict } from './types.ts';

export function thresholdsFor(service: RegistryService, output: string): Thresholds {
  return service.skew.perFeature[output] ?? service.skew.defaults;
}

export interface OutputFigures {
  /** Share of rows whose value matches its rebuild or differs only for a stale cause. */
  readonly exactMatchRate: number;
  /** Share of rows with a null mismatch of a skew cause. */
  readonly nullMismatchRate: number;
  /** Share of rows served stale (`late data`, `ingest lag`). */
  readonly staleRate: number;
  readonly psi: number | null;
  readonly ks: number | null;
}

/**
 * The thresholds an output crosses. A rate equal to its limit passes (`exactMatchMin: 1` means
 * every value must match; `nullMismatchMax: 0.01` allows exactly 1%). A figure that could not be
 * computed (no baseline) is not judged. Stale rows are judged by `staleMax` only, never as skew:
 * the value served was what the online store held, and the fault is in ingestion.
 */
export function decide(
  service: string,
  output: string,
  figures: OutputFigures,
  t: Thresholds,
): SkewDecision[] {
  const out: SkewDecision[] = [];
  const add = (
    kind: FindingKind,
    metric: SkewDecision['metric'],
    value: number,
    threshold: number,
    bound: 'min' | 'max',
  ) => out.push({ service, output, kind, metric, value, threshold, bound });
  if (figures.exactMatchRate < t.exactMatchMin)
    add('skew', 'exactMatch', figures.exactMatchRate, t.exactMatchMin, 'min');
  if (figures.nullMismatchRate > t.nullMismatchMax)
    add('skew', 'nullMismatch', figures.nullMismatchRate, t.nullMismatchMax, 'max');
  if (figures.staleRate > t.staleMax) add('stale', 'stale', figures.staleRate, t.staleMax, 'max');
  if (figures.psi !== null && figures.psi > t.psiMax)
    add('drift', 'psi', figures.psi, t.psiMax, 'max');
  if (figures.ks !== null && figures.ks > t.ksMax) add('drift', 'ks', figures.ks, t.ksMax, 'max');
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

/** How a metric reads in text: `exact-match 91.2% (min 99.0%)`. */
export function describeDecision(d: SkewDecision): string {
  const fmt = (x: number) =>
    d.metric === 'psi' || d.metric === 'ks' ? x.toFixed(3) : `${(x * 100).toFixed(2)}%`;
  return `${d.kind}: ${METRIC_LABELS[d.metric]} ${fmt(d.value)} (${d.bound} ${fmt(d.threshold)})`;
}

export const METRIC_LABELS: Record<SkewDecision['metric'], string> = {
  exactMatch: 'exact-match',
  nullMismatch: 'null-mismatch',
  stale: 'stale values',
  psi: 'PSI',
  ks: 'KS',
};
