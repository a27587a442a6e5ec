/**
 * The nightly run: the day's log is read once (a line that is not a served vector is counted and
 * named, never fatal), every service served that day (or the ones asked for) is checked, its
 * report written as HTML and JSON, and an alert sent when a finding alerts. Storage and alerting
 * are injected: files and `alerts.jsonl` locally, S3 and SNS in AWS.
 */
import { getService } from '../registry/query.ts';
import { buildAlert, type AlertSink, type SkewAlert } from './alert.ts';
import { checkServiceSkew, type SkewCheckDeps } from './check.ts';
import type { SkewBaseline } from './distribution.ts';
import { DAY_LOG_TABLE, loadDayLog } from './logs.ts';
import { findMalformedLines } from './malformed-lines.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
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
  if (request.services) for (const s of request.services) getService(registry, s); // unknown names fail here, clearly
  const day = await loadDayLog(deps.duckdb, request.logFiles, registry);
  try {
    const malformed = {
      count: day.malformed,
      examples:
        day.malformed > 0
          ? await findMalformedLines(await expandGlobs(deps.duckdb, request.logFiles))
          : [],
    };
    const services =
      request.services && request.services.length > 0
        ? [...request.services]
        : day.services.filter((s) => known.has(s.service)).map((s) => s.service);
    const skipped = request.services?.length
      ? []
      : day.services.filter((s) => !known.has(s.service));

    const reports: SkewReport[] = [];
    const alerts: SkewAlert[] = [];
    for (const service of services) {
      const checked = await checkServiceSkew(deps, {
        service,
        date: request.date,
        baseline: request.baselines?.get(service) ?? null,
        malformed,
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
  } finally {
    await deps.duckdb.run(`DROP TABLE IF EXISTS ${q(DAY_LOG_TABLE)}`);
  }
}

/** The files a list of paths or globs names (DuckDB's own glob, as its readers use). */
async function expandGlobs(
  duckdb: DailySkewCheckDeps['duckdb'],
  patterns: readonly string[],
): Promise<string[]> {
  const files: string[] = [];
  for (const p of patterns) {
    const reader = await duckdb.runAndReadAll(
      `SELECT file FROM glob(${stringLiteral(p)}) ORDER BY file`,
    );
    files.push(...reader.getRowObjectsJson().map((r) => String(r.file)));
  }
  return files;
}
