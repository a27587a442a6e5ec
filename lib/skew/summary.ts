/** A plain-text summary of a report, for the CLI and the Lambda's log. */
import type { SkewReport } from './types.ts';

export function formatSummary(report: SkewReport): string {
  const head = [
    `skew-check ${report.service} ${report.date}: ${report.vectors} vectors, ` +
      `${report.alert ? `ALERT (${new Set(report.decisions.map((d) => d.output)).size} feature(s))` : 'clean'}`,
  ];
  const rows = report.outputs.map((o) => [
    o.output,
    pct(o.exactMatchRate),
    pct(o.nullMismatchRate),
    o.psi === null ? 'n/a' : o.psi.toFixed(3),
    o.ks === null ? 'n/a' : o.ks.toFixed(3),
    o.freshness ? `${pct(o.freshness.expiredShare)} expired` : '',
    o.verdict,
  ]);
  const header = ['feature', 'match', 'null-mm', 'PSI', 'KS', 'freshness', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    ...head,
    line(header),
    ...rows.map(line),
    ...(report.reportLocation ? [`report: ${report.reportLocation}`] : []),
  ].join('\n');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
