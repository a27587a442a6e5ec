import { describe, expect, it } from 'vitest';
import { explainVerdicts, formatSummary } from '../../lib/skew/summary.ts';
import { sampleReport } from './fixtures/report.ts';

describe('the CLI summary', () => {
  it('says what was sampled under the headline, and shows intervals and noise levels', () => {
    const lines = formatSummary(sampleReport()).split('\n');
    expect(lines[0]).toBe(
      'skew-check departure_delay_model 2001-03-02: 1000 vectors: ALERT: skew in 1 feature, drift in 1 feature',
    );
    expect(lines[1]).toBe('sample: whole day, 1,000 vectors');
    expect(lines[2]!.split(/\s{2,}/)).toEqual([
      'feature',
      'exact-match',
      '95% CI',
      'stale',
      '95% CI',
      'PSI',
      'noise',
      'KS',
      'noise',
      'exp/miss',
      'findings',
      'causes',
    ]);
    const skewed = lines.find((l) => l.startsWith('airport_hourly__late_share_1h'))!;
    expect(skewed.split(/\s{2,}/)).toEqual([
      'airport_hourly__late_share_1h',
      '80.00%',
      '77.41–82.36%',
      '0.00%',
      // Wilson's upper bound at 0 of 1,000: 1.96² / (1,000 + 1.96²).
      '0.00–0.38%',
      '0.900',
      '0.030',
      '0.050',
      '0.060',
      '0.00%',
      'skew, drift',
      'unexplained 200',
    ]);
    // The headline's count of each kind is the number of rows that list it.
    const head = lines[0]!;
    for (const kind of ['skew', 'stale', 'drift']) {
      const rows = lines
        .slice(3)
        .filter((l) => l.split(/\s{2,}/).some((c) => c.split(', ').includes(kind)));
      const counted = new RegExp(`${kind} in (\\d+) feature`).exec(head)?.[1] ?? '0';
      expect(rows.length, kind).toBe(Number(counted));
    }
  });

  it('names a sample of the day, and says the verdicts judge it', () => {
    const report = sampleReport({ sampled: true });
    const lines = formatSummary(report).split('\n');
    expect(lines[0]).toMatch(
      /ALERT: skew in 1 feature, drift in 1 feature \(in a 1\.00% sample\)$/,
    );
    expect(lines[1]).toBe(
      'sample: 1,000 of 100,000 vectors checked (1.00%, by entity; cap 1,000/day)',
    );
    expect(explainVerdicts(report)).toMatch(/^Verdicts judge the sample, .* not the whole day/m);
    expect(explainVerdicts(sampleReport())).not.toMatch(/Verdicts judge the sample/);
  });
});
