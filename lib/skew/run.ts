/**
 * The nightly run: the day's log is counted where it lives (a record that is not a served vector
 * is counted and named, never fatal), every service served that day (or the ones asked for) is
 * checked on its sample (`./sample.ts`), its report written as HTML and JSON, and an alert sent
 * when a finding alerts. The log, storage and alerting are injected: Parquet files, report files
 * and `alerts.jsonl` locally; Athena over the Iceberg table, S3 and SNS in AWS.
 */
import { getService } from '../registry/query.ts';
import { buildAlert, type AlertSink, type SkewAlert } from './alert.ts';
import { checkServiceSkew, type SkewCheckDeps } from './check.ts';
import type { SkewBaseline } from './distribution.ts';
import { SAMPLE_TABLE, type DayLogSource } from './logs.ts';
import { sampleOf } from './sample.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { renderReportHtml } from './report-html.ts';
import type { MalformedLines, SkewReport } from './types.ts';

/** Where reports go. */
export interface ReportStore {
  /** The location people open for a relative path (a file path or an s3:// URI). */
  locate(relativePath: string): string;
  write(relativePath: string, body: string, contentType: string): Promise<void>;
}

export interface DailySkewCheckDeps extends SkewCheckDeps {
  readonly reports: ReportStore;
  readonly alerts: AlertSink;
}

export interface DailySkewCheckRequest {
  /** UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  readonly log: DayLogSource;
  /** Services to check; default: every service of the registry found in the day's logs. */
  readonly services?: readonly string[];
  /** Training baselines by service. */
  readonly baselines?: ReadonlyMap<string, SkewBaseline>;
}

export interface DailySkewCheckResult {
  readonly reports: readonly SkewReport[];
  readonly alerts: readonly SkewAlert[];
  /** Services in the logs that the current registry does not define (not checked). */
  readonly skipped: readonly { readonly service: string; readonly vectors: number }[];
}

/** Relative paths of a report: `<date>/<service>.html` and `.json`. */
export function reportPaths(date: string, service: string): { html: string; json: string } {
  return { html: `${date}/${service}.html`, json: `${date}/${service}.json` };
}

export async function runDailySkewCheck(
  deps: DailySkewCheckDeps,
  request: DailySkewCheckRequest,
): Promise<DailySkewCheckResult> {
  const registry = deps.runtime.registry;
  const known = new Set(registry.featureServices.map((s) => s.name));
  if (request.services) for (const s of request.services) getService(registry, s); // unknown names fail here, clearly
  const counts = await request.log.counts();
  const malformed = await request.log.rejected();
  const unreadable = { ...malformed, count: malformed.count + counts.unreadable };
  const logged = new Map(counts.services.map((s) => [s.service, s.vectors]));
  const services =
    request.services && request.services.length > 0
      ? [...request.services]
      : counts.services.filter((s) => known.has(s.service)).map((s) => s.service);
  const skipped = request.services?.length
    ? []
    : counts.services.filter((s) => !known.has(s.service));
  const reports: SkewReport[] = [];
  const alerts: SkewAlert[] = [];
  for (const name of services) {
    const report = await checkOneService(deps, request, name, logged.get(name) ?? 0, unreadable);
    reports.push(report);
    const alert = buildAlert(report);
    if (alert) {
      await deps.alerts.send(alert);
      alerts.push(alert);
    }
  }
  return { reports, alerts, skipped };
}

/** Loads the service's sample, checks it, and writes the report (HTML and JSON). */
async function checkOneService(
  deps: DailySkewCheckDeps,
  request: DailySkewCheckRequest,
  name: string,
  logged: number,
  malformed: MalformedLines,
): Promise<SkewReport> {
  const service = getService(deps.runtime.registry, name);
  try {
    const checked = await request.log.loadSample(service, logged);
    const declared = sampleOf(service);
    const result = await checkServiceSkew(deps, {
      service: name,
      date: request.date,
      baseline: request.baselines?.get(name) ?? null,
      malformed,
      sample: {
        logged,
        checked,
        rate: logged === 0 ? 1 : checked / logged,
        declared,
        whole: checked === logged,
      },
    });
    const paths = reportPaths(request.date, name);
    const report: SkewReport = { ...result, reportLocation: deps.reports.locate(paths.html) };
    await deps.reports.write(paths.html, renderReportHtml(report), 'text/html; charset=utf-8');
    await deps.reports.write(
      paths.json,
      `${JSON.stringify(report, null, 2)}\n`,
      'application/json',
    );
    return report;
  } finally {
    await deps.duckdb.run(`DROP TABLE IF EXISTS ${q(SAMPLE_TABLE)}`);
  }
}
