/**
 * The nightly run: the day's log is counted where it lives (a record that is not a served vector
 * is counted and named, never fatal), every service served that day (or the ones asked for) is
 * checked on its sample (`./sample.ts`), its report written as HTML and JSON, and an alert sent
 * when a finding alerts; given an online store, it ends with the heal of the sampled entities'
 * tiles (`lib/heal`). The log, storage and alerting are injected: Parquet files, report files
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
import { healAggregationViews, type HealDeps, type HealReport } from '../heal/heal.ts';
import { ServedEntitySet } from '../heal/served.ts';
import type { ServiceReplay } from './replay.ts';
import { replayShadows } from './shadow.ts';

/** Where reports go. */
export interface ReportStore {
  /** The location people open for a relative path (a file path or an s3:// URI). */
  locate(relativePath: string): string;
  write(relativePath: string, body: string, contentType: string): Promise<void>;
}

export interface DailySkewCheckDeps extends SkewCheckDeps {
  readonly reports: ReportStore;
  readonly alerts: AlertSink;
  /**
   * With these, the run ends with the heal: each aggregation view's tiles of the sampled
   * entities rebuilt from the offline events and rewritten where they differ (`lib/heal`).
   */
  readonly heal?: Omit<HealDeps, 'registry'>;
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
  /** What the heal did (with `deps.heal`). */
  readonly heal?: HealReport;
  /** Each shadow of a service checked, replayed on that service's sample (`shadow.ts`). */
  readonly shadows: readonly ServiceReplay[];
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
  const served = deps.heal ? new ServedEntitySet() : undefined;
  for (const name of services) {
    const report = await checkOneService(deps, request, name, logged.get(name) ?? 0, {
      malformed: unreadable,
      served,
    });
    reports.push(report);
    const alert = buildAlert(report);
    if (alert) {
      await deps.alerts.send(alert);
      alerts.push(alert);
    }
  }
  const checked = new Map(services.map((s) => [s, logged.get(s) ?? 0]));
  const shadows = await replayShadows(deps, {
    date: request.date,
    log: request.log,
    logged: checked,
  });
  if (!deps.heal || !served) return { reports, alerts, skipped, shadows };
  const heal = await healAggregationViews(
    { ...deps.heal, registry },
    { now: deps.clock(), served: served.entities() },
  );
  return { reports, alerts, skipped, heal, shadows };
}

/** Loads the service's sample, checks it, and writes the report (HTML and JSON). */
async function checkOneService(
  deps: DailySkewCheckDeps,
  request: DailySkewCheckRequest,
  name: string,
  logged: number,
  { malformed, served }: { malformed: MalformedLines; served: ServedEntitySet | undefined },
): Promise<SkewReport> {
  const service = getService(deps.runtime.registry, name);
  try {
    const checked = await request.log.loadSample(service, logged);
    await served?.addSample(deps.duckdb, deps.runtime.registry, service);
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
