/**
 * The catalog as a set of static pages, from the compiled registry and the nightly outputs:
 * a pure function of its input. `skewless ui` serves these pages from memory; the nightly run
 * on AWS writes the same pages to the bucket under `catalog/`, beside `skew-reports/`, so every
 * relative link is the same in both places.
 */
import { escapeHtml as e } from '../skew/html.ts';
import type { RegistryPlan } from '../registry/plan.ts';
import type { Registry } from '../registry/types.ts';
import { table } from './definition-html.ts';
import { entriesOf, entryPath, nodePath, searchIndex, type Entry } from './entries.ts';
import { lineageOf } from './graph.ts';
import { lineageSvg } from './lineage-svg.ts';
import type { CatalogReport } from './nightly.ts';
import { jsonDataBlock, renderPage } from './page.ts';
import { entryPage, indexBody, REPORTS_FROM_CATALOG, type PageContext } from './pages.ts';

export { REPORTS_FROM_CATALOG };

export interface CatalogInput {
  readonly registry: Registry;
  /** The nightly skew reports found (each service's last 30 at most). */
  readonly reports: readonly CatalogReport[];
  /**
   * What the working definitions would change against the applied registry; null where no
   * working definitions exist (the deployed registry is the applied one).
   */
  readonly plan: RegistryPlan | null;
  readonly generatedAt: string;
}

/** One page: its path under the catalog root, its body and type. */
export interface CatalogFile {
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
}

const HTML = 'text/html; charset=utf-8';

export function renderCatalog(input: CatalogInput): CatalogFile[] {
  const graph = lineageOf(input.registry);
  const ctx: PageContext = { registry: input.registry, graph, reports: input.reports };
  const entries = entriesOf(input.registry);
  const files: CatalogFile[] = [
    { path: 'index.html', body: indexPage(input, entries), contentType: HTML },
    {
      path: 'lineage.html',
      contentType: HTML,
      body: renderPage({
        title: 'Lineage',
        depth: 0,
        body:
          `<h1>Lineage</h1><p class="meta">Streams feed views; views feed request transforms and services; transforms feed services. Each box links to its page.</p>` +
          `<div class="graph" id="lineage">${lineageSvg(graph, (n) => nodePath(n.kind, n.name))}</div>`,
      }),
    },
    { path: 'plan.html', body: planPage(input.plan), contentType: HTML },
  ];
  for (const entry of entries)
    files.push({
      path: entryPath(entry.kind, entry.name),
      body: entryPage(entry, ctx),
      contentType: HTML,
    });
  return files;
}

function indexPage(input: CatalogInput, entries: readonly Entry[]): string {
  const r = input.registry;
  const plan = input.plan;
  const planText = !plan
    ? ''
    : plan.changes.length === 0
      ? ' · <a href="plan.html">plan</a>: no pending change'
      : ` · <a href="plan.html">plan</a>: ${plan.changes.length} pending change(s)${plan.breaking.length ? `, <span class="breaking">${plan.breaking.length} breaking</span>` : ''}`;
  const summary =
    `<p class="meta">${r.featureViews.length} views, ${r.featureViews.reduce((n, v) => n + v.features.length, 0)} features, ${r.featureServices.length} services · registry <code>${e(r.hash.slice(0, 12))}</code> · ${input.reports.length} nightly report(s) · generated ${e(input.generatedAt)}${planText}</p>` +
    latestVerdicts(input.reports);
  return renderPage({
    title: 'Search',
    depth: 0,
    search: true,
    body: `${indexBody(entries, summary)}\n${jsonDataBlock('catalog-index', searchIndex(r))}`,
  });
}

/** Each service's newest verdict, linking its report. */
function latestVerdicts(reports: readonly CatalogReport[]): string {
  const newest = new Map<string, CatalogReport>();
  for (const x of reports) {
    const at = newest.get(x.report.service);
    if (!at || x.report.date > at.report.date) newest.set(x.report.service, x);
  }
  if (newest.size === 0) return '';
  const items = [...newest.values()].map(
    (x) =>
      `<li><a href="${e(entryPath('service', x.report.service))}">${e(x.report.service)}</a> <span class="verdict ${e(x.report.verdict)}">${e(x.report.verdict)}</span> on <a href="${e(REPORTS_FROM_CATALOG + x.htmlPath)}">${e(x.report.date)}</a></li>`,
  );
  return `<ul class="latest-verdicts">${items.join('')}</ul>`;
}

function planPage(plan: RegistryPlan | null): string {
  const body = !plan
    ? '<p>No working definitions here: this catalog shows the deployed registry, which is the applied one.</p>'
    : `<p class="meta">From ${plan.fromHash ? `<code>${e(plan.fromHash.slice(0, 12))}</code> (applied)` : 'no applied registry'} to <code>${e(plan.toHash.slice(0, 12))}</code> (working definitions). <code>skewless plan --apply</code> records them.</p>` +
      (plan.changes.length === 0
        ? '<p>No pending change.</p>'
        : table(
            'plan',
            ['change', 'what', 'message', 'breaking'],
            plan.changes.map((c) => [
              e(c.kind),
              `<code>${e(c.path)}</code>`,
              e(c.message),
              c.breaking ? '<span class="breaking">breaking</span>' : '',
            ]),
          ));
  return renderPage({ title: 'Plan', depth: 0, body: `<h1>Pending plan</h1>${body}` });
}
