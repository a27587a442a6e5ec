/**
 * One output's report from its figures: the rates each finding is judged by, the decisions, the
 * kinds and verdict, the causes with their examples, and the notes people read first.
 */
import type { Registry, RegistryService } from '../registry/types.ts';
import { getView } from '../registry/query.ts';
import { CAUSE_KIND, SKEW_CAUSES, STALE_CAUSES } from './causes.ts';
import { NULL_LABEL, type DistributionFigures, type SkewBaseline } from './distribution.ts';
import type { OutputFigures } from './measure.ts';
import { count, fixed, noiseText } from './headline.ts';
import { wilsonInterval } from './stats.ts';
import { decide, driftReading, kindsOf, thresholdsFor, verdictOf } from './thresholds.ts';
import {
  CAUSES,
  type Cause,
  type CauseCount,
  type OutputReport,
  type Thresholds,
} from './types.ts';

/** Assembles one output's report. */
export function buildOutputReport(
  service: RegistryService,
  registry: Registry,
  f: OutputFigures,
  dist: DistributionFigures | null,
  baseline: SkewBaseline | null,
): OutputReport {
  const thresholds = thresholdsFor(service, f.output);
  const rate = (n: number) => (f.rows === 0 ? 0 : n / f.rows);
  const { skewRate, staleRate, compared, exactMatchRate, nullMismatchRate } = judgedRates(f);
  const distances = {
    psi: dist?.psi ?? null,
    ks: dist?.ks ?? null,
    psiNoise: dist?.psiNoise ?? null,
    ksNoise: dist?.ksNoise ?? null,
  };
  const decisions = decide(
    service.name,
    f.output,
    { rows: f.rows, compared, exactMatchRate, nullMismatchRate, staleRate, ...distances },
    thresholds,
  );
  const kinds = kindsOf(decisions);
  const feature = service.features.find((x) => x.output === f.output);
  const freshness =
    feature && f.status ? freshnessOf(getView(registry, feature.view).ttlMs, f.status, rate) : null;
  const causes = causesOf(f);
  return {
    output: f.output,
    dtype: f.dtype,
    source: sourceOf(service, registry, f.output),
    thresholds,
    rows: f.rows,
    compared,
    matches: f.matches,
    exactMatchRate,
    exactMatchInterval: wilsonInterval(exactMatchRate, compared),
    nullMismatches: f.skewNullMismatches,
    nullMismatchRate,
    nullMismatchInterval: wilsonInterval(nullMismatchRate, compared),
    typeMismatches: f.typeMismatches,
    versionMismatches: f.versionMismatches,
    versionMismatchRate: rate(f.versionMismatches),
    status: f.status
      ? {
          servedStale: f.status.servedStale,
          servedFresher: f.status.servedFresher,
          expectedStale: f.status.expectedStale,
        }
      : null,
    freshness,
    ...distances,
    distribution: dist?.distribution ?? null,
    examples: causes.flatMap((c) => c.examples),
    staleRate,
    staleInterval: wilsonInterval(staleRate, f.rows),
    skewRate,
    causes,
    decisions,
    kinds,
    verdict: verdictOf(kinds),
    notes: [...notesOf(f, kinds, baseline, dist), ...noiseNotes(dist, thresholds)],
  };
}

/**
 * The rates an output is judged by. Every mismatch has one cause: the rows judged for skew are
 * the matches and the skew-caused mismatches; a value that differs because it was stale is
 * judged by the stale rate alone. The report, the decisions, the CLI and the alert all show
 * these same rates.
 */
function judgedRates(f: OutputFigures): {
  skewRate: number;
  staleRate: number;
  compared: number;
  exactMatchRate: number;
  nullMismatchRate: number;
} {
  const sum = (causes: readonly Cause[]) => causes.reduce((n, c) => n + f.causeCounts[c], 0);
  const overRows = (n: number) => (f.rows === 0 ? 0 : n / f.rows);
  const skewRows = sum(SKEW_CAUSES);
  const compared = f.matches + skewRows;
  return {
    skewRate: overRows(skewRows),
    staleRate: overRows(sum(STALE_CAUSES)),
    compared,
    exactMatchRate: compared === 0 ? 1 : f.matches / compared,
    nullMismatchRate: compared === 0 ? 0 : f.skewNullMismatches / compared,
  };
}

/** The causes found, most frequent first, each with its examples. */
function causesOf(f: OutputFigures): CauseCount[] {
  return CAUSES.filter((c) => f.causeCounts[c] > 0)
    .map((c) => ({
      cause: c,
      kind: CAUSE_KIND[c],
      count: f.causeCounts[c],
      examples: f.examples.filter((e) => e.cause === c),
    }))
    .sort((a, b) => b.count - a.count);
}

/** Where an output comes from: a view's feature, or a request transform of the service. */
function sourceOf(
  service: RegistryService,
  registry: Registry,
  output: string,
): OutputReport['source'] {
  const feature = service.features.find((x) => x.output === output);
  if (feature) return { kind: 'feature', view: feature.view, version: feature.version };
  const transform = registry.requestTransforms.find(
    (t) => service.transforms.includes(t.name) && t.outputs.some((o) => o.name === output),
  );
  return { kind: 'transform', transform: transform?.name ?? '?', inputs: transform?.inputs ?? [] };
}

/** A feature's served ages (p50, p90, p99, max) and the share of each status. */
function freshnessOf(
  ttlMs: number,
  status: NonNullable<OutputFigures['status']>,
  rate: (n: number) => number,
): OutputReport['freshness'] {
  return {
    ttlMs,
    ageP50Ms: status.ages[0] ?? null,
    ageP90Ms: status.ages[1] ?? null,
    ageP99Ms: status.ages[2] ?? null,
    ageMaxMs: status.ages[3] ?? null,
    presentShare: rate(status.present),
    expiredShare: rate(status.expired),
    missingShare: rate(status.missing),
  };
}

function notesOf(
  f: OutputFigures,
  kinds: OutputReport['kinds'],
  baseline: SkewBaseline | null,
  dist: DistributionFigures | null,
): string[] {
  const notes: string[] = [];
  const pct = (n: number) => `${((100 * n) / Math.max(f.rows, 1)).toFixed(2)}%`;
  const n = f.causeCounts;
  if (n['late data'] > 0)
    notes.push(
      `late data: ${n['late data']} values (${pct(n['late data'])}) were served expired/missing, as the ` +
        `offline store agrees at served_at, but training sees a value now: it arrived after ` +
        `served_at (ingestion was late or stalled upstream).`,
    );
  if (n['ingest lag'] > 0)
    notes.push(
      `ingest lag: ${n['ingest lag']} values (${pct(n['ingest lag'])}) were served expired/missing ` +
        `although a fresher record was ingested before served_at: the online store should have ` +
        `held it (stalled or failed online writes).`,
    );
  for (const v of f.versionChanges)
    notes.push(
      `version: vectors served under registry ${v.hash.slice(0, 12)} computed this output from ${v.was}.`,
    );
  if (f.typeMismatches > 0)
    notes.push(`version: ${f.typeMismatches} served values are not of type ${f.dtype}.`);
  if (n['default/ttl edge'] > 0)
    notes.push(
      `default/ttl edge: ${n['default/ttl edge']} values differ only in which side of the ttl or ` +
        `default rule they fell (an edge the lookup and the export must draw alike).`,
    );
  if (n.unexplained > 0) {
    const other = f.nullMismatches - f.servedNullOnly;
    notes.push(
      `unexplained: ${n.unexplained} values (${pct(n.unexplained)}) differ from their rebuild with no ` +
        `late data, lag, version or edge to explain them: logic or data-path skew` +
        (other > f.servedNullOnly
          ? ' (served a value where the store has null: imputing nulls?).'
          : '.'),
    );
  }
  // Served and rebuilt absent alike, and nothing late either: what the ttl is for.
  const expected = (f.status?.expectedStale ?? 0) - n['late data'];
  if (expected > 0)
    notes.push(
      `${expected} values (${pct(expected)}) were served expired/missing ` +
        `and no fresher value exists even now: expected, neither stale nor skew.`,
    );
  if (kinds.includes('drift') && (kinds.includes('stale') || kinds.includes('skew')))
    notes.push(
      `drift: the served distribution moved, but ${kinds.includes('stale') ? 'stale' : 'skewed'} values ` +
        `explain at least part of it; fix those first.`,
    );
  if (dist === null)
    notes.push(
      baseline
        ? 'PSI/KS not computed: the baseline has no comparable entry for this output (missing, or another type).'
        : 'PSI/KS not computed: no training baseline given.',
    );
  return notes;
}

/**
 * A distance above its limit but within its sampling noise is not drift; say so, with the sizes
 * compared, so nobody reads the figure as a missed alert.
 */
function noiseNotes(dist: DistributionFigures | null, t: Thresholds): string[] {
  if (dist === null) return [];
  const notes: string[] = [];
  const check = (
    name: string,
    value: number | null,
    max: number,
    noise: number | null,
    withNulls: boolean,
  ) => {
    if (value === null || noise === null || driftReading(value, max, noise) !== 'noise') return;
    // PSI counts nulls as a bin; KS compares the ordered values only.
    const bins = dist.distribution.bins.filter((b) => withNulls || b.label !== NULL_LABEL);
    const served = bins.reduce((n, b) => n + b.served, 0);
    const base = bins.reduce((n, b) => n + b.baseline, 0);
    notes.push(
      `${name} ${fixed(value)} is above its max ${fixed(max)} but within its ${noiseText(noise)} ` +
        `(${count(served)} served vs ${count(base)} baseline values): not judged drift, as so ` +
        `few values show as much with nothing moved.`,
    );
  };
  check('PSI', dist.psi, t.psiMax, dist.psiNoise, true);
  check('KS', dist.ks, t.ksMax, dist.ksNoise, false);
  return notes;
}
