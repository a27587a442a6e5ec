/**
 * The words every output of the check uses (CLI summary, alert, HTML report, JSON): the kinds
 * found with their feature counts, and an output's causes as counts. One wording, written once.
 */
import { FINDING_KINDS, type OutputReport, type SkewReport } from './types.ts';

/** `skew in 1 feature, stale in 4 features` (kinds in severity order), or `ok`. */
export function findingsHeadline(report: Pick<SkewReport, 'outputs' | 'malformed'>): string {
  const parts = FINDING_KINDS.flatMap((kind) => {
    const n = report.outputs.filter((o) => o.kinds.includes(kind)).length;
    return n === 0 ? [] : [`${kind} in ${n} feature${n === 1 ? '' : 's'}`];
  });
  if (report.malformed.count > 0) parts.push(malformedText(report.malformed.count));
  return parts.length === 0 ? 'ok' : parts.join(', ');
}

export function malformedText(count: number): string {
  return `${count} malformed log line${count === 1 ? '' : 's'} skipped`;
}

/** `ingest lag 612, unexplained 3` (most frequent first), or `` when none. */
export function causesText(o: Pick<OutputReport, 'causes'>): string {
  return o.causes.map((c) => `${c.cause} ${c.count}`).join(', ');
}
