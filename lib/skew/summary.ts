/** A plain-text summary of a report, for the CLI, the Lambda's log and the demo. */
import { causesText, findingsHeadline } from './headline.ts';
import type { SkewReport } from './types.ts';

export function formatSummary(report: SkewReport): string {
  const head =
    `skew-check ${report.service} ${report.date}: ${report.vectors} vectors: ` +
    `${report.alert ? 'ALERT: ' : ''}${findingsHeadline(report)}`;
  const rows = report.outputs.map((o) => [
    o.output,
    pct(o.exactMatchRate),
    pct(o.staleRate),
    o.psi === null ? 'n/a' : o.psi.toFixed(3),
    o.ks === null ? 'n/a' : o.ks.toFixed(3),
    o.freshness ? pct(o.freshness.expiredShare + o.freshness.missingShare) : '',
    o.verdict,
    causesText(o),
  ]);
  const header = ['feature', 'match', 'stale', 'PSI', 'KS', 'defaults', 'verdict', 'causes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [
    head,
    line(header),
    ...rows.map(line),
    ...report.malformed.examples.map(
      (m) =>
        `malformed: ${m.file}${m.line === null ? '' : ` line ${m.line}`}: ${m.reason}: ${m.excerpt}`,
    ),
    ...(report.reportLocation ? [`report: ${report.reportLocation}`] : []),
  ].join('\n');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
