/**
 * The nightly outputs on catalog pages: a view's freshness (served ages against its ttl, status
 * shares, ingest lag), a feature's statistics (the report's histogram of training baseline vs
 * served, null and default rates) and a service's history of verdicts, each linking the HTML
 * report it comes from.
 */
import { histogramSvg } from '../skew/histogram-svg.ts';
import { escapeHtml as e } from '../skew/html.ts';
import { count, durationText, fixed, percent } from '../skew/headline.ts';
import type { Freshness } from '../skew/types.ts';
import { spanText } from './definition-html.ts';
import { causeCount, historyOf, type CatalogReport, type ReportedOutput } from './nightly.ts';

/** Link to a report's HTML page from a page whose path to the reports root is `reportsRoot`. */
function reportLink(reportsRoot: string, r: CatalogReport, text: string): string {
  return `<a class="report-link" href="${e(reportsRoot + r.htmlPath)}">${e(text)}</a>`;
}

const NO_REPORT =
  '<p class="muted">No nightly skew report has served this yet (run <code>skewless skew-check</code>, or wait for the nightly run).</p>';

/** What a served age is judged against: a plain view's ttl, an aggregate's window. */
export interface AgeLimit {
  readonly ms: number;
  readonly label: 'ttl' | 'window';
}

/** Per view: each served feature's ages and statuses, from each service's newest report. */
export function freshnessHtml(
  rows: readonly ReportedOutput[],
  reportsRoot: string,
  limitOf: (output: string) => AgeLimit,
): string {
  const withAges = rows.filter((r) => r.output.freshness !== null);
  if (withAges.length === 0) return NO_REPORT;
  const lagged = withAges.reduce((n, r) => n + causeCount(r.output, 'ingest lag'), 0);
  const checked = withAges.reduce((n, r) => n + r.output.rows, 0);
  const body = withAges.map(({ from, output }) => {
    const f = output.freshness!;
    const age = (ms: number | null) => (ms === null ? '—' : durationText(ms));
    return (
      `<tr class="freshness-row" data-output="${e(output.output)}"><td>${e(output.output)}</td>` +
      `<td>${reportLink(reportsRoot, from, `${from.report.service} ${from.report.date}`)}</td>` +
      `<td class="num">${spanText(limitOf(output.output).ms)} ${limitOf(output.output).label}</td><td class="num">${age(f.ageP50Ms)}</td><td class="num">${age(f.ageP90Ms)}</td>` +
      `<td class="num">${age(f.ageP99Ms)}</td><td class="num">${age(f.ageMaxMs)}</td>` +
      `<td class="num">${percent(f.presentShare)}</td><td class="num">${percent(f.expiredShare)}</td><td class="num">${percent(f.missingShare)}</td>` +
      `<td class="num">${count(causeCount(output, 'ingest lag'))}</td><td class="num">${count(causeCount(output, 'late data'))}</td></tr>`
    );
  });
  return (
    `<p class="meta ingest-lag">Ingest lag: ${count(lagged)} of ${count(checked)} served values (${percent(checked === 0 ? 0 : lagged / checked)}) were served expired or missing while a fresher record had been ingested before they were served.</p>` +
    agesSvg(withAges, limitOf) +
    `<table class="freshness"><thead><tr><th>Feature</th><th>Report</th><th>ttl / window</th><th>age p50</th><th>p90</th><th>p99</th><th>max</th><th>present</th><th>expired</th><th>missing</th><th>ingest lag</th><th>late data</th></tr></thead>` +
    `<tbody>${body.join('')}</tbody></table>`
  );
}

/**
 * The served-age distribution per feature (p50, p90, p99, max) on one scale, with its ttl or
 * window drawn when it falls on the scale (a 7-day window would squash ages of minutes).
 */
function agesSvg(rows: readonly ReportedOutput[], limitOf: (output: string) => AgeLimit): string {
  const width = 760;
  const left = 250;
  const rowH = 22;
  const height = 34 + rows.length * rowH;
  const fr = (r: ReportedOutput) => r.output.freshness as Freshness;
  const oldest = Math.max(1, ...rows.map((r) => fr(r).ageMaxMs ?? 0));
  const limits = rows.map((r) => limitOf(r.output.output).ms);
  const scale = Math.max(oldest, ...limits.filter((ms) => ms <= oldest * 1.5));
  const x = (ms: number) => left + (Math.min(ms, scale) / scale) * (width - left - 60);
  const lines = rows.map((r, i) => {
    const f = fr(r);
    const limit = limitOf(r.output.output);
    const y = 28 + i * rowH;
    const tick = (ms: number | null, h: number) =>
      ms === null
        ? ''
        : `<line x1="${x(ms).toFixed(1)}" y1="${y - h}" x2="${x(ms).toFixed(1)}" y2="${y + h}" stroke="#0f172a" stroke-width="2"/>`;
    const bar = (from: number | null, to: number | null, color: string) =>
      from === null || to === null
        ? ''
        : `<line x1="${x(from).toFixed(1)}" y1="${y}" x2="${x(to).toFixed(1)}" y2="${y}" stroke="${color}" stroke-width="6"/>`;
    const mark =
      limit.ms <= scale
        ? `<line x1="${x(limit.ms).toFixed(1)}" y1="${y - 9}" x2="${x(limit.ms).toFixed(1)}" y2="${y + 9}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="3 2"/>`
        : `<text class="tick" x="${width - 56}" y="${y + 4}">${e(`${limit.label} ${spanText(limit.ms)} ▸`)}</text>`;
    return (
      `<text class="tick" x="${left - 8}" y="${y + 4}" text-anchor="end">${e(r.output.output)}</text>` +
      bar(0, f.ageMaxMs, '#94a3b8') +
      bar(f.ageP50Ms, f.ageP90Ms, '#2563eb') +
      tick(f.ageP50Ms, 7) +
      tick(f.ageP99Ms, 5) +
      mark
    );
  });
  const legend = `<text class="legend" x="4" y="14">served age, 0 to ${e(durationText(scale))}: grey to max, blue p50–p90, ticks p50 and p99; red dashes: ttl or window</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="ages" role="img" aria-label="served ages" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${legend}${lines.join('')}</svg>`;
}

/** Per feature: the newest reported distribution vs the training baseline, nulls and defaults. */
export function statisticsHtml(rows: readonly ReportedOutput[], reportsRoot: string): string {
  if (rows.length === 0) return NO_REPORT;
  return rows
    .map(({ from, output }) => {
      const d = output.distribution;
      const f = output.freshness;
      // A value absent (expired or missing) is served as the feature's default.
      const defaulted = f ? f.expiredShare + f.missingShare : null;
      const figures = [
        `${count(output.rows)} values checked`,
        `null: served ${d ? percent(d.servedNullShare) : '—'}, baseline ${d ? percent(d.baselineNullShare) : '—'}`,
        `default served (expired or missing): ${defaulted === null ? '—' : percent(defaulted)}`,
        `PSI ${fixed(output.psi)}`,
        `KS ${fixed(output.ks)}`,
      ];
      return (
        `<div class="stats" data-output="${e(output.output)}"><p>${reportLink(reportsRoot, from, `${from.report.service}, ${from.report.date}`)} <span class="verdict ${e(output.verdict)}">${e(output.verdict)}</span> ${e(figures.join(' · '))}</p>` +
        (d
          ? histogramSvg(d, `${output.output}: training baseline vs served`)
          : '<p class="muted">No histogram: no training baseline for this output.</p>') +
        '</div>'
      );
    })
    .join('');
}

/** A service's verdicts, newest first, each linking its report. */
export function historyHtml(
  reports: readonly CatalogReport[],
  service: string,
  reportsRoot: string,
): string {
  const history = historyOf(reports, service);
  if (history.length === 0) return NO_REPORT;
  const rows = history.map((r) => {
    const kinds = r.report.kinds.join(', ') || '—';
    return (
      `<tr class="history-row"><td>${reportLink(reportsRoot, r, r.report.date)}</td>` +
      `<td><span class="verdict ${e(r.report.verdict)}">${e(r.report.verdict)}</span></td><td>${e(kinds)}</td>` +
      `<td class="num">${count(r.report.vectors)}</td><td class="num">${count(r.report.sample.logged)}</td>` +
      `<td>${r.report.alert ? 'alert' : ''}</td><td><code>${e(r.report.registryHash.slice(0, 12))}</code></td></tr>`
    );
  });
  return (
    `<table class="history"><thead><tr><th>Day</th><th>Verdict</th><th>Findings</th><th>Vectors checked</th><th>Logged</th><th>Alert</th><th>Registry</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}
