/**
 * The skew report as one self-contained HTML page: inline CSS, inline SVG histograms, no script
 * and no external asset, so it opens from S3, a mail attachment or a local folder alike. Every
 * string that comes from data (names, values, keys, notes) is escaped.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import { histogramSvg } from './histogram-svg.ts';
import { anchorId, escapeHtml as e } from './html.ts';
import {
  causesText,
  count,
  durationText,
  figureTexts,
  findingsHeadline,
  findingsOf,
  fixed,
  INTERVAL_LABEL,
  intervalRange,
  malformedText,
  percent as pct,
  sampleText,
} from './headline.ts';
import type { Interval } from './stats.ts';
import { describeDecision } from './thresholds.ts';
import { FINDING_KINDS, type OutputReport, type SkewReport } from './types.ts';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:0;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px} h3{font-size:16px;margin:0 0 6px}
.meta{color:#4b5563;margin:0 0 16px}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0 20px;font-weight:600}
.banner.alert{background:#fee2e2;color:#991b1b;border:1px solid #fca5a5}
.banner.clean{background:#dcfce7;color:#166534;border:1px solid #86efac}
table{border-collapse:collapse;width:100%;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}
td.num{text-align:right}
td.bad{background:#fee2e2;color:#991b1b;font-weight:600}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:700}
.verdict.skew{background:#dc2626;color:#fff}.verdict.stale{background:#d97706;color:#fff}.verdict.drift{background:#2563eb;color:#fff}.verdict.ok{background:#16a34a;color:#fff}
section.feature{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px;margin:16px 0}
section.feature.skew{border-left:5px solid #dc2626}section.feature.stale{border-left:5px solid #d97706}section.feature.drift{border-left:5px solid #2563eb}
.notes{margin:6px 0 10px;padding-left:18px;color:#374151}
.histogram{display:block;max-width:100%;height:auto;margin:8px 0}
.histogram .tick{font-size:10px;fill:#4b5563}.histogram .legend{font-size:12px;fill:#1f2937}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.muted{color:#6b7280}
.sub{display:block;font-size:11px;font-weight:400;color:#6b7280}
`;

/** Renders the report; `reportLocation` and the alert state are read from the report itself. */
export function renderReportHtml(report: SkewReport): string {
  const title = `Skew report: ${report.service}, ${report.date}`;
  const flagged = report.outputs.filter((o) => o.verdict !== 'ok');
  const banner = report.alert
    ? `<div class="banner alert">${e(findingsHeadline(report))}${flagged.length ? `: ${flagged.map((o) => `${e(o.output)} (${findingsOf(o)})`).join(', ')}` : ''}</div>`
    : `<div class="banner clean">ok: no skew, no stale values, no drift${report.sample.whole ? '' : ` in a ${pct(report.sample.rate)} sample`}${report.vectors === 0 ? ' (no served vectors)' : ''}.</div>`;
  const body = [
    `<h1>${e(title)}</h1>`,
    `<p class="meta">${count(report.vectors)} served vectors rebuilt at served_at (as_of = served_at) · registry <code>${e(report.registryHash.slice(0, 12))}</code> · baseline ${report.baseline ? `<code>${e(report.baseline.source)}</code>` : 'none'} · generated ${e(report.generatedAt)}</p>`,
    `<p class="meta sample">${e(sampleText(report.sample))}${report.sample.whole ? '' : '. Verdicts judge the sample: every vector of the entities it picked.'} Rates carry their ${INTERVAL_LABEL} (Wilson score, over the rows checked); PSI and KS count as drift only above their sampling noise at the sizes compared.</p>`,
    banner,
    `<h2>Summary</h2>`,
    summaryTable(report.outputs),
    hashesTable(report),
    malformedTable(report),
    ...report.outputs
      .slice()
      .sort((a, b) => rank(a) - rank(b))
      .map((o) => featureSection(o)),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body><main>
${body.join('\n')}
</main></body>
</html>
`;
}

/** A badge per kind found (the headline counts a feature under each), or `ok`. */
function badges(o: OutputReport): string {
  const kinds = o.kinds.length > 0 ? o.kinds : (['ok'] as const);
  return kinds.map((k) => `<span class="verdict ${k}">${k}</span>`).join(' ');
}

function rank(o: OutputReport): number {
  return o.verdict === 'ok' ? FINDING_KINDS.length : FINDING_KINDS.indexOf(o.verdict);
}

function summaryTable(outputs: readonly OutputReport[]): string {
  const rows = outputs.map((o) => {
    const crossed = new Set(o.decisions.map((d) => d.metric));
    // A figure, and under it its interval or its sampling noise.
    const cell = (text: string, sub: string, bad: boolean) =>
      `<td class="num${bad ? ' bad' : ''}">${e(text)}${sub ? `<span class="sub">${e(sub)}</span>` : ''}</td>`;
    const rate = (x: number, interval: Interval, bad: boolean) =>
      cell(pct(x), intervalRange(interval), bad);
    const distance = (x: number | null, noise: number | null, bad: boolean) =>
      cell(fixed(x), x === null || noise === null ? '' : `noise ${fixed(noise)}`, bad);
    return (
      `<tr class="summary-row" data-output="${e(o.output)}">` +
      `<td><a href="#${anchorId(o.output)}">${e(o.output)}</a></td>` +
      rate(o.exactMatchRate, o.exactMatchInterval, crossed.has('exactMatch')) +
      rate(o.nullMismatchRate, o.nullMismatchInterval, crossed.has('nullMismatch')) +
      rate(o.staleRate, o.staleInterval, crossed.has('stale')) +
      distance(o.psi, o.psiNoise, crossed.has('psi')) +
      distance(o.ks, o.ksNoise, crossed.has('ks')) +
      `<td>${e(freshnessText(o))}</td>` +
      `<td>${badges(o)}</td>` +
      `<td>${e(causesText(o))}</td></tr>`
    );
  });
  return (
    `<table class="summary"><thead><tr><th>Feature</th><th>Exact match<span class="sub">${INTERVAL_LABEL}</span></th><th>Null mismatch<span class="sub">${INTERVAL_LABEL}</span></th>` +
    `<th>Stale<span class="sub">${INTERVAL_LABEL}</span></th><th>PSI<span class="sub">sampling noise</span></th><th>KS<span class="sub">sampling noise</span></th><th>Freshness (p50 / p90 age, expired)</th><th>Verdict</th><th>Causes</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function hashesTable(report: SkewReport): string {
  if (report.registryHashes.length <= 1) return '';
  const rows = report.registryHashes.map(
    (h) =>
      `<tr><td><code>${e(h.hash.slice(0, 12))}</code>${h.hash === report.registryHash ? ' (current)' : h.known ? '' : ' <span class="muted">(unknown)</span>'}</td><td class="num">${h.vectors}</td></tr>`,
  );
  return `<h2>Registries served under</h2><table><thead><tr><th>Registry</th><th>Vectors</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function featureSection(o: OutputReport): string {
  const src =
    o.source.kind === 'feature'
      ? `${o.source.view} v${o.source.version}`
      : `transform ${o.source.transform} (reads ${o.source.inputs.join(', ') || 'request only'})`;
  const t = o.thresholds;
  const parts = [
    `<h3>${e(o.output)} ${badges(o)}</h3>`,
    `<p class="meta">${e(src)} · ${e(o.dtype)} · ${count(o.rows)} vectors checked${o.compared < o.rows ? ` (exact-match and null-mismatch over the ${count(o.compared)} not mismatched as stale)` : ''} · thresholds: skew if exact-match &lt; ${pct(t.exactMatchMin)} or null-mismatch &gt; ${pct(t.nullMismatchMax)}; stale if stale values &gt; ${pct(t.staleMax)}; drift if PSI &gt; ${t.psiMax} or KS &gt; ${t.ksMax}, and above its sampling noise; float tolerance ${t.floatTolerance}</p>`,
    `<p class="figures">${e(figureTexts(o).join('; '))}</p>`,
  ];
  if (o.decisions.length > 0)
    parts.push(
      `<p><strong>Crossed:</strong> ${o.decisions.map((d) => e(describeDecision(d))).join('; ')}</p>`,
    );
  if (o.notes.length > 0)
    parts.push(`<ul class="notes">${o.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  parts.push(
    o.distribution
      ? histogramSvg(o.distribution, `${o.output}: training baseline vs served`) +
          `<p class="muted">Null share: baseline ${pct(o.distribution.baselineNullShare)}, served ${pct(o.distribution.servedNullShare)}.</p>`
      : `<p class="muted">No histogram: no training baseline for this output.</p>`,
  );
  if (o.causes.length > 0) parts.push(causesTable(o));
  if (o.examples.length > 0) parts.push(examplesTable(o));
  return `<section class="feature ${o.verdict}" id="${anchorId(o.output)}">${parts.join('\n')}</section>`;
}

function causesTable(o: OutputReport): string {
  const rows = o.causes.map(
    (c) =>
      `<tr class="cause-row" data-cause="${e(c.cause)}"><td>${e(c.cause)}</td><td><span class="verdict ${c.kind}">${c.kind}</span></td>` +
      `<td class="num">${c.count}</td><td class="num">${pct(c.count / Math.max(o.rows, 1))}</td></tr>`,
  );
  return (
    `<table class="causes"><thead><tr><th>Cause</th><th>Finding</th><th>Values</th><th>Share</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function malformedTable(report: SkewReport): string {
  const m = report.malformed;
  if (m.count === 0) return '';
  const rows = m.examples.map(
    (x) =>
      `<tr><td><code>${e(x.file)}</code></td><td class="num">${x.line ?? '—'}</td><td>${e(x.reason)}</td><td><code>${e(x.excerpt)}</code></td></tr>`,
  );
  return (
    `<h2>Malformed log lines</h2><p>${e(malformedText(m.count))}: not checked, named here (first ${m.examples.length}).</p>` +
    `<table class="malformed"><thead><tr><th>File</th><th>Line</th><th>Why</th><th>Start of the line</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function examplesTable(o: OutputReport): string {
  const rows = o.examples.map(
    (x) =>
      `<tr><td>${e(x.cause)}</td><td><code>${e(x.requestId)}#${x.row}</code></td><td>${e(x.servedAt)}</td><td><code>${e(x.entityKey)}</code></td>` +
      `<td>${x.servedRaw !== undefined ? `<code>${e(x.servedRaw ?? 'null')}</code> (not ${e(o.dtype)})` : e(show(x.served))}${x.servedStatus ? ` <span class="muted">${e(x.servedStatus)}</span>` : ''}</td>` +
      `<td>${e(show(x.rebuilt))}${x.rebuiltStatus ? ` <span class="muted">${e(x.rebuiltStatus)}</span>` : ''}${x.latest !== undefined ? ` <span class="muted">(now ${e(show(x.latest))})</span>` : ''}</td>` +
      `<td><code>${e(x.registryHash.slice(0, 12))}</code></td></tr>`,
  );
  return (
    `<table class="examples"><thead><tr><th>Cause</th><th>Request</th><th>Served at</th><th>Entity key</th>` +
    `<th>Served</th><th>Rebuilt</th><th>Registry</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function freshnessText(o: OutputReport): string {
  const f = o.freshness;
  if (!f) return '—';
  const age = (ms: number | null) => (ms === null ? '—' : durationText(ms));
  return `${age(f.ageP50Ms)} / ${age(f.ageP90Ms)} of ttl ${durationText(f.ttlMs)}, ${pct(f.expiredShare)} expired`;
}

function show(v: FeatureValue): string {
  return JSON.stringify(v);
}
