/**
 * The nightly run: every service served that day (or the ones asked for) is checked, its report
 * written as HTML and JSON, and an alert sent when a threshold was crossed. Storage and alerting
 * are injected: files and `alerts.jsonl` locally, S3 and SNS in AWS.
 */
import { getService } from '../registry/query.ts';
import { buildAlert, type AlertSink, type SkewAlert } from './alert.ts';
import { checkServiceSkew, type SkewCheckDeps } from './check.ts';
import type { SkewBaseline } from './distribution.ts';
import { servicesInLogs } from './logs.ts';
import { renderReportHtml } from './report-html.ts';
import type { SkewReport } from './types.ts';

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
  readonly logFiles: readonly string[];
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
  let services: string[];
  const skipped: { service: string; vectors: number }[] = [];
  if (request.services && request.services.length > 0) {
    for (const s of request.services) getService(registry, s); // unknown names fail here, clearly
    services = [...request.services];
  } else {
    const inLogs = await servicesInLogs(deps.duckdb, request.logFiles);
    services = inLogs.filter((s) => known.has(s.service)).map((s) => s.service);
    skipped.push(...inLogs.filter((s) => !known.has(s.service)));
  }

  const reports: SkewReport[] = [];
  const alerts: SkewAlert[] = [];
  for (const service of services) {
    const checked = await checkServiceSkew(deps, {
      service,
      date: request.date,
      logFiles: request.logFiles,
      baseline: request.baselines?.get(service) ?? null,
    });
    const paths = reportPaths(request.date, service);
    const report: SkewReport = { ...checked, reportLocation: deps.reports.locate(paths.html) };
    await deps.reports.write(paths.html, renderReportHtml(report), 'text/html; charset=utf-8');
    await deps.reports.write(
      paths.json,
      `${JSON.stringify(report, null, 2)}\n`,
      'application/json',
    );
    reports.push(report);
    const alert = buildAlert(report);
    if (alert) {
      await deps.alerts.send(alert);
      alerts.push(alert);
    }
  }
  return { reports, alerts, skipped };
}
