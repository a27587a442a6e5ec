/** A plain-text summary of a report, for the CLI, the Lambda's log and the demo. */
import {
  causesText,
  findingsHeadline,
  findingsOf,
  fixed,
  INTERVAL_LABEL,
  intervalRange,
  malformedText,
  percent,
  sampleText,
} from './headline.ts';
import { FINDING_KINDS, type SkewReport, type Verdict } from './types.ts';

export function formatSummary(report: SkewReport): string {
  const head =
    `skew-check ${report.service} ${report.date}: ${report.vectors} vectors: ` +
    `${report.alert ? 'ALERT: ' : ''}${findingsHeadline(report)}`;
  const rows = report.outputs.map((o) => [
    o.output,
    percent(o.exactMatchRate),
    intervalRange(o.exactMatchInterval),
    percent(o.staleRate),
    intervalRange(o.staleInterval),
    fixed(o.psi),
    o.psi === null ? '' : fixed(o.psiNoise),
    fixed(o.ks),
    o.ks === null ? '' : fixed(o.ksNoise),
    o.freshness ? percent(o.freshness.expiredShare + o.freshness.missingShare) : '',
    findingsOf(o),
    causesText(o),
  ]);
  // Each figure is followed by its interval or its sampling noise.
  const header = [
    'feature',
    'exact-match',
    INTERVAL_LABEL,
    'stale',
    INTERVAL_LABEL,
    'PSI',
    'noise',
    'KS',
    'noise',
    'exp/miss',
    'findings',
    'causes',
  ];
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
    sampleText(report.sample),
    line(header),
    ...rows.map(line),
    ...report.malformed.examples.map(
      (m) =>
        `malformed: ${m.file}${m.line === null ? '' : ` line ${m.line}`}: ${m.reason}: ${m.excerpt}`,
    ),
    ...(report.reportLocation ? [`report: ${report.reportLocation}`] : []),
  ].join('\n');
}

const MEANING: Record<Verdict, string> = {
  skew: 'served values differ from their point-in-time rebuild (a bug: see the causes)',
  stale: 'served expired/missing while a fresher value existed (ingestion: see the causes)',
  drift:
    'every value equals its rebuild, but the served distribution moved away from the training ' +
    'baseline (PSI/KS past their thresholds and their sampling noise): the world changed, not the code',
  ok: 'every served value equals its rebuild, none stale, distribution within thresholds or sampling noise',
};

/**
 * One line per kind found, saying what it means: `drift (3): every value equals ...`; a feature
 * found with two kinds counts under both, as in the headline.
 */
export function explainVerdicts(report: SkewReport): string {
  const verdicts: Verdict[] = [...FINDING_KINDS, 'ok'];
  const lines = verdicts.flatMap((v) => {
    const outputs = report.outputs.filter((o) =>
      v === 'ok' ? o.kinds.length === 0 : o.kinds.includes(v),
    );
    if (outputs.length === 0) return [];
    const causes = new Map<string, number>();
    for (const o of outputs)
      for (const c of o.causes) causes.set(c.cause, (causes.get(c.cause) ?? 0) + c.count);
    const byCause =
      (v === 'skew' || v === 'stale') && causes.size > 0
        ? `; causes: ${[...causes].map(([c, n]) => `${c} ${n}`).join(', ')}`
        : '';
    return [
      `${v} (${outputs.length} feature${outputs.length === 1 ? '' : 's'}): ${MEANING[v]}${byCause}.`,
    ];
  });
  if (!report.sample.whole)
    lines.push(
      `Verdicts judge the sample, every vector of the entities it picked, not the whole day: ` +
        `rates carry their ${INTERVAL_LABEL}, PSI/KS count as drift only above their sampling noise.`,
    );
  if (report.malformed.count > 0)
    lines.push(`${malformedText(report.malformed.count)}: named in the report, never fatal.`);
  return lines.join('\n');
}
