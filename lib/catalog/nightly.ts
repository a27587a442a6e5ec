/**
 * What the catalog reads from the nightly outputs: the skew reports (`SkewReport` JSON, written
 * beside each HTML report). Picks each service's last 30 reports, and per view and feature the
 * figures of each service's newest report that served it. Nothing here is computed anew: the
 * ages, statuses, causes and histograms are the report's own.
 */
import { featureOutputName } from '../registry/compile-service.ts';
import type { OutputReport, SkewReport } from '../skew/types.ts';

/** Reports kept per service: the history a service page shows. */
export const HISTORY_DAYS = 30;

/** One nightly report and where its HTML page is, relative to the reports root. */
export interface CatalogReport {
  readonly report: SkewReport;
  /** `<date>/<service>.html` (the layout of `reportPaths`). */
  readonly htmlPath: string;
}

const REPORT_JSON = /^(\d{4}-\d{2}-\d{2})\/([a-z][a-z0-9_]*)\.json$/;

/**
 * Of the report files under the reports root (`<date>/<service>.json`), the last
 * `HISTORY_DAYS` per service, newest first. Other files are ignored.
 */
export function reportFilesToRead(paths: readonly string[]): string[] {
  const byService = new Map<string, { date: string; path: string }[]>();
  for (const p of paths) {
    const m = REPORT_JSON.exec(p);
    if (!m) continue;
    const list = byService.get(m[2]!) ?? [];
    list.push({ date: m[1]!, path: p });
    byService.set(m[2]!, list);
  }
  return [...byService.values()].flatMap((list) =>
    list
      .sort((a, b) => b.date.localeCompare(a.date))
      .slice(0, HISTORY_DAYS)
      .map((x) => x.path),
  );
}

/** A report document as read, or null when it is not one this catalog reads (named by caller). */
export function parseReport(text: string, jsonPath: string): CatalogReport | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const report = doc as Partial<SkewReport>;
  if (report.formatVersion !== 3 || typeof report.service !== 'string' || !report.outputs)
    return null;
  return { report: report as SkewReport, htmlPath: jsonPath.replace(/\.json$/, '.html') };
}

/** A service's reports, newest first, at most `HISTORY_DAYS`. */
export function historyOf(reports: readonly CatalogReport[], service: string): CatalogReport[] {
  return reports
    .filter((r) => r.report.service === service)
    .sort((a, b) => b.report.date.localeCompare(a.report.date))
    .slice(0, HISTORY_DAYS);
}

/** One output of a report, with the report it is from. */
export interface ReportedOutput {
  readonly from: CatalogReport;
  readonly output: OutputReport;
}

/**
 * The outputs that served a view's features, from each service's newest report that has them
 * (`feature` narrows to one feature).
 */
export function latestOutputsOfView(
  reports: readonly CatalogReport[],
  view: string,
  feature?: string,
): ReportedOutput[] {
  const newest = new Map<string, CatalogReport>();
  for (const r of reports) {
    const current = newest.get(r.report.service);
    if (!current || r.report.date > current.report.date) newest.set(r.report.service, r);
  }
  const found: ReportedOutput[] = [];
  for (const from of [...newest.values()].sort((a, b) =>
    a.report.service.localeCompare(b.report.service),
  )) {
    for (const output of from.report.outputs) {
      if (output.source.kind !== 'feature' || output.source.view !== view) continue;
      if (feature !== undefined && output.output !== featureOutputName(view, feature)) continue;
      found.push({ from, output });
    }
  }
  return found;
}

/** Served values of an output attributed to one cause (0 when none). */
export function causeCount(output: OutputReport, cause: string): number {
  return output.causes.find((c) => c.cause === cause)?.count ?? 0;
}
