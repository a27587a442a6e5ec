/**
 * The alert a finding raises: one SNS message per service and day. Its subject and first line
 * name the kinds found (skew, stale, drift); its text names each flagged feature, its figures,
 * the thresholds crossed, its causes with an example each, the malformed log lines, and where
 * the report is. A day with nothing that alerts raises nothing.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import {
  causesText,
  count,
  figureTexts,
  findingsHeadline,
  findingsOf,
  malformedText,
  sampleText,
} from './headline.ts';
import { describeDecision } from './thresholds.ts';
import type { MismatchExample, OutputReport, SkewReport } from './types.ts';

/** SNS limits a subject to 100 characters (and to one line of printable ASCII). */
export const SUBJECT_MAX = 100;
/** Examples per flagged feature, and malformed lines named, in the alert text. */
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

/** The alert of a report, or null when nothing alerts. */
export function buildAlert(report: SkewReport): SkewAlert | null {
  if (!report.alert) return null;
  const flagged = report.outputs.filter((o) => o.kinds.length > 0);
  const kinds = report.kinds.length > 0 ? report.kinds.join(', ') : 'malformed logs';
  const subject = toSubject(
    `skewless ${kinds}: ${report.service} ${report.date}` +
      (flagged.length > 0 ? ` (${flagged.length} feature${flagged.length === 1 ? '' : 's'})` : ''),
  );
  const lines = [
    `${capitalize(findingsHeadline(report))}: feature service '${report.service}' on ${report.date}`,
    `(${report.vectors} served vectors rebuilt from the offline store at served_at, registry ${report.registryHash.slice(0, 12)}).`,
    `${capitalize(sampleText(report.sample))}.`,
    '',
    ...flagged.flatMap((o) => featureSection(o)),
    ...malformedSection(report),
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
  return [
    `${findingsOf(o)} ${o.output} (${o.source.kind === 'feature' ? `${o.source.view} v${o.source.version}` : `transform ${o.source.transform}`}):`,
    `  figures over ${count(o.rows)} vectors checked${staleLeftOut(o)}: ${figureTexts(o).join(', ')}`,
    ...o.decisions.map((d) => `  crossed: ${describeDecision(d)}`),
    ...(o.causes.length > 0 ? [`  causes: ${causesText(o)}`] : []),
    ...o.notes.slice(0, 2).map((n) => `  note: ${n}`),
    ...examplesOf(o),
    '',
  ];
}

/** Which vectors exact-match and null-mismatch leave to the stale rate, when any. */
function staleLeftOut(o: OutputReport): string {
  const stale = o.rows - o.compared;
  return stale === 0
    ? ''
    : ` (exact-match and null-mismatch over the ${count(o.compared)} not mismatched as stale)`;
}

/** One example of each cause, then more up to `ALERT_EXAMPLES`. */
function examplesOf(o: OutputReport): string[] {
  if (o.causes.length === 0) return [];
  const first = o.causes.flatMap((c) => c.examples.slice(0, 1));
  const more = o.causes.flatMap((c) => c.examples.slice(1));
  const shown = [...first, ...more].slice(0, Math.max(ALERT_EXAMPLES, first.length));
  return [
    `  examples (served → rebuilt):`,
    ...shown.map((e) => `    ${e.cause}: ${exampleLine(e)}`),
  ];
}

function malformedSection(report: SkewReport): string[] {
  if (report.malformed.count === 0) return [];
  return [
    `${capitalize(malformedText(report.malformed.count))} (not checked):`,
    ...report.malformed.examples
      .slice(0, ALERT_EXAMPLES)
      .map(
        (m) => `  ${m.file}${m.line === null ? '' : ` line ${m.line}`}: ${m.reason}: ${m.excerpt}`,
      ),
    '',
  ];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One example as a line: request, time, key, values and statuses. */
export function exampleLine(e: MismatchExample): string {
  const status = (s: string | null) => (s ? ` [${s}]` : '');
  const served = e.servedRaw !== undefined ? `raw ${JSON.stringify(e.servedRaw)}` : show(e.served);
  const latest = e.latest !== undefined ? `, now ${show(e.latest)}` : '';
  return (
    `${e.requestId}#${e.row} at ${e.servedAt} key ${e.entityKey}: ` +
    `${served}${status(e.servedStatus)} → ${show(e.rebuilt)}${status(e.rebuiltStatus)}${latest}`
  );
}

function show(v: FeatureValue): string {
  return JSON.stringify(v);
}

/** One line of printable ASCII, at most `SUBJECT_MAX` characters (SNS rejects anything else). */
export function toSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}
