/**
 * The alert a crossed threshold raises: one SNS message per service and day, whose text names
 * each flagged feature, its figures, the threshold crossed, three example mismatches, and where
 * the report is. A clean day raises nothing.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import { describeDecision } from './thresholds.ts';
import type { MismatchExample, OutputReport, SkewReport } from './types.ts';

/** SNS limits a subject to 100 characters (and to one line of printable ASCII). */
export const SUBJECT_MAX = 100;
/** Examples per flagged feature in the alert text. */
export const ALERT_EXAMPLES = 3;

export interface SkewAlert {
  readonly service: string;
  readonly date: string;
  readonly subject: string;
  readonly message: string;
  /** The flagged outputs, for sinks that index alerts. */
  readonly outputs: readonly string[];
  readonly reportLocation: string | null;
}

/** Where alerts go: SNS in AWS, the console and `<dataDir>/skew/alerts.jsonl` locally. */
export interface AlertSink {
  send(alert: SkewAlert): Promise<void>;
}

/** The alert of a report, or null on a clean day. */
export function buildAlert(report: SkewReport): SkewAlert | null {
  const flagged = report.outputs.filter((o) => o.decisions.length > 0);
  if (!report.alert || flagged.length === 0) return null;
  const first = flagged[0]!;
  const more = flagged.length > 1 ? ` +${flagged.length - 1} more` : '';
  const subject = toSubject(
    `skewless skew: ${report.service} ${report.date}: ${first.output}${more}`,
  );
  const lines = [
    `Training/serving skew in feature service '${report.service}' on ${report.date}`,
    `(${report.vectors} served vectors rebuilt from the offline store at served_at, registry ${report.registryHash.slice(0, 12)}).`,
    '',
    ...flagged.flatMap((o) => featureSection(o)),
    `Report: ${report.reportLocation ?? '(not written)'}`,
  ];
  return {
    service: report.service,
    date: report.date,
    subject,
    message: lines.join('\n'),
    outputs: flagged.map((o) => o.output),
    reportLocation: report.reportLocation ?? null,
  };
}

function featureSection(o: OutputReport): string[] {
  const figures = [
    `exact-match ${pct(o.exactMatchRate)}`,
    `null-mismatch ${pct(o.nullMismatchRate)}`,
    `PSI ${o.psi === null ? 'n/a' : o.psi.toFixed(3)}`,
    `KS ${o.ks === null ? 'n/a' : o.ks.toFixed(3)}`,
  ];
  return [
    `Feature ${o.output} (${o.source.kind === 'feature' ? `${o.source.view} v${o.source.version}` : `transform ${o.source.transform}`}):`,
    `  figures: ${figures.join(', ')} over ${o.rows} vectors`,
    ...o.decisions.map((d) => `  crossed: ${describeDecision(d)}`),
    ...o.notes.slice(0, 2).map((n) => `  note: ${n}`),
    `  examples (served → rebuilt):`,
    ...o.examples.slice(0, ALERT_EXAMPLES).map((e) => `    ${exampleLine(e)}`),
    '',
  ];
}

/** One example as a line: request, time, key, values and statuses. */
export function exampleLine(e: MismatchExample): string {
  const status = (s: string | null) => (s ? ` [${s}]` : '');
  const served = e.servedRaw !== undefined ? `raw ${JSON.stringify(e.servedRaw)}` : show(e.served);
  return (
    `${e.requestId}#${e.row} at ${e.servedAt} key ${e.entityKey}: ` +
    `${served}${status(e.servedStatus)} → ${show(e.rebuilt)}${status(e.rebuiltStatus)}`
  );
}

function show(v: FeatureValue): string {
  return JSON.stringify(v);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** One line of printable ASCII, at most `SUBJECT_MAX` characters (SNS rejects anything else). */
export function toSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}
