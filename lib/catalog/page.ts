/**
 * The frame of every catalog page: one inline stylesheet and (on the search page) one inline
 * script, both allowed by their sha256 in a strict Content-Security-Policy, computed here at
 * render. The policy goes in a meta tag (pages opened from S3 or disk) and, from the local
 * server, as a header. Nothing is fetched from elsewhere: no font, no script, no image.
 */
import { createHash } from 'node:crypto';
import { escapeHtml as e } from '../skew/html.ts';
import { SEARCH_SCRIPT } from './search-script.ts';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:0;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:10px 24px}
header a{color:#f8fafc;text-decoration:none;margin-right:18px}
header a.home{font-weight:700}
main{max-width:1200px;margin:0 auto;padding:20px 24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:26px 0 8px} h3{font-size:15px;margin:14px 0 6px}
.meta{color:#4b5563;margin:0 0 14px}
.muted{color:#6b7280}
.kind{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:8px;background:#e2e8f0;color:#334155;margin-right:6px}
.tag{display:inline-block;font-size:12px;padding:0 6px;border-radius:8px;background:#e0e7ff;color:#3730a3;margin-right:4px}
table{border-collapse:collapse;width:100%;background:#fff;font-variant-numeric:tabular-nums;margin:6px 0}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}
td.num{text-align:right}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#fff;border:1px solid #e5e7eb;padding:10px;overflow:auto;white-space:pre-wrap}
.description{white-space:pre-wrap}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:700;color:#fff;background:#64748b}
.verdict.skew{background:#dc2626}.verdict.stale{background:#d97706}.verdict.drift{background:#2563eb}.verdict.ok{background:#16a34a}
.breaking{color:#991b1b;font-weight:700}
#q{width:100%;font-size:18px;padding:8px 10px;border:1px solid #94a3b8;border-radius:6px;box-sizing:border-box}
#results{list-style:none;padding:0;margin:10px 0}
#results li{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px;margin:6px 0}
#results .hit-meta{color:#6b7280;font-size:12px;margin-left:6px}
#results p{margin:2px 0 0;color:#374151}
.lists{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.lists section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 14px}
.lists ul{padding-left:18px;margin:4px 0}
.graph{overflow:auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px}
.lineage .node-label{font-size:12px;fill:#0f172a}
.lineage .column{font-size:12px;font-weight:700;fill:#475569;text-transform:uppercase}
.histogram,.ages{display:block;max-width:100%;height:auto;margin:8px 0}
.histogram .tick,.ages .tick{font-size:10px;fill:#4b5563}.histogram .legend,.ages .legend{font-size:12px;fill:#1f2937}
section.feature{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;margin:12px 0}
`;

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Every directive closed but the two inline blocks this module renders. */
const POLICY = [
  "default-src 'none'",
  `script-src ${cspHash(SEARCH_SCRIPT)}`,
  `style-src ${cspHash(CSS)}`,
  "base-uri 'none'",
  "form-action 'none'",
];

/** The policy in a page's meta tag (`frame-ancestors` is honoured only as a header). */
export const CATALOG_CSP_META = POLICY.join('; ');
/** The policy the local server sends with each catalog page. */
export const CATALOG_CSP_HEADER = [...POLICY, "frame-ancestors 'none'"].join('; ');
/** The skew reports it serves beside the catalog: their own inline CSS, and no script at all. */
export const REPORT_CSP_HEADER =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A JSON document embedded in HTML as a data block: `<` escaped so no tag can close it. */
export function jsonDataBlock(id: string, value: unknown): string {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${e(id)}">${json}</script>`;
}

export interface PageSpec {
  readonly title: string;
  /** Folders between the page and the catalog root (`view/x.html`: 1). */
  readonly depth: number;
  readonly body: string;
  /** Adds the search script (the index page only). */
  readonly search?: boolean;
}

/** Relative link from a page at `depth` to a catalog path. */
export function fromRoot(depth: number, target: string): string {
  return `${'../'.repeat(depth)}${target}`;
}

export function renderPage(spec: PageSpec): string {
  const link = (target: string) => e(fromRoot(spec.depth, target));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(CATALOG_CSP_META)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(spec.title)} · skewless catalog</title>
<style>${CSS}</style>
</head>
<body>
<header><a class="home" href="${link('index.html')}">skewless catalog</a><a href="${link('lineage.html')}">lineage</a><a href="${link('plan.html')}">plan</a></header>
<main>
${spec.body}
</main>
${spec.search ? `<script>${SEARCH_SCRIPT}</script>` : ''}
</body>
</html>
`;
}
