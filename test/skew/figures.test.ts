/**
 * One name, one number: an output's exact-match and null-mismatch rates are the figures its
 * thresholds judge, so the report, the alert's figures and its "crossed" line give the same
 * percentage (docs/semantics.md, the skew check). The case a user met: 6 vectors, 4 matching,
 * one stale (ingest lag) and one skewed (unexplained) mismatch.
 */
import { describe, expect, it } from 'vitest';
import { getService } from '../../lib/registry/query.ts';
import { buildAlert } from '../../lib/skew/alert.ts';
import { figureTexts, percent } from '../../lib/skew/headline.ts';
import type { OutputFigures } from '../../lib/skew/measure.ts';
import { buildOutputReport } from '../../lib/skew/output-report.ts';
import { formatSummary } from '../../lib/skew/summary.ts';
import { describeDecision } from '../../lib/skew/thresholds.ts';
import { CAUSES } from '../../lib/skew/types.ts';
import { sampleReport } from './fixtures/report.ts';
import { flightsRuntime, SERVICE } from './fixtures/defs.ts';

const OUTPUT = 'route_flights__last_delay';

function figures(counts: Partial<Record<(typeof CAUSES)[number], number>>): OutputFigures {
  const causeCounts = Object.fromEntries(CAUSES.map((c) => [c, counts[c] ?? 0]));
  return {
    output: OUTPUT,
    dtype: 'int64',
    rows: 6,
    matches: 4,
    nullMismatches: 1,
    servedNullOnly: 0,
    // The stale row's null mismatch is judged as stale, not as skew.
    skewNullMismatches: 0,
    typeMismatches: 0,
    versionMismatches: 0,
    versionChanges: [],
    causeCounts: causeCounts as OutputFigures['causeCounts'],
    status: null,
    examples: [],
  };
}

describe('an output figure has one name and one number', () => {
  const runtime = flightsRuntime();
  const service = getService(runtime.registry, SERVICE);
  const report = buildOutputReport(
    service,
    runtime.registry,
    figures({ 'ingest lag': 1, unexplained: 1 }),
    null,
    null,
  );

  it('judges exact-match over the vectors not served stale: 4 of 5', () => {
    expect(report.compared).toBe(5);
    expect(report.exactMatchRate).toBeCloseTo(0.8, 12);
    expect(report.nullMismatchRate).toBe(0);
    expect(report.staleRate).toBeCloseTo(1 / 6, 12);
    const crossed = report.decisions.find((d) => d.metric === 'exactMatch');
    expect(crossed?.value).toBe(report.exactMatchRate);
  });

  it('prints the same percentage in the figures, the crossed line, the alert and the CLI table', () => {
    const shown = percent(report.exactMatchRate);
    expect(shown).toBe('80.00%');
    const crossed = report.decisions.find((d) => d.metric === 'exactMatch')!;
    expect(figureTexts(report)[0]).toContain(`exact-match ${shown}`);
    expect(describeDecision(crossed)).toContain(`exact-match ${shown}`);
    const whole = { ...sampleReport(), outputs: [report], decisions: report.decisions };
    const alert = buildAlert({ ...whole, kinds: ['skew'], verdict: 'skew', alert: true })!;
    const mentions = alert.message.match(/exact-match \d+\.\d+%/g) ?? [];
    expect(mentions.length).toBeGreaterThanOrEqual(2);
    for (const m of mentions) expect(m).toBe(`exact-match ${shown}`);
    expect(formatSummary(whole)).toContain(shown);
    expect(formatSummary(whole)).not.toContain('66.67%');
  });
});
