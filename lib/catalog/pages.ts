/**
 * One page per definition: what it is (description, owner, tags), where it is used, its part of
 * the lineage graph, its definition as data, and what the nightly outputs say of it (a view's
 * freshness and per-feature statistics, a service's history of verdicts).
 */
import { featureOutputName } from '../registry/compile-service.ts';
import { escapeHtml as e } from '../skew/html.ts';
import type {
  Registry,
  RegistryAggregateFeature,
  RegistryFeature,
  RegistryView,
} from '../registry/types.ts';
import { candidateViews } from '../registry/candidates.ts';
import {
  entityDefinition,
  serviceDefinition,
  streamDefinition,
  transformDefinition,
  viewDefinition,
} from './definition-html.ts';
import { entryPath, nodePath, tagsText, type Entry } from './entries.ts';
import { lineageSvg } from './lineage-svg.ts';
import {
  neighbourhood,
  nodeId,
  usersOf,
  type GraphNode,
  type LineageGraph,
  type NodeKind,
} from './graph.ts';
import { latestOutputsOfView, type CatalogReport } from './nightly.ts';
import { freshnessHtml, historyHtml, statisticsHtml, type AgeLimit } from './nightly-html.ts';
import { fromRoot, renderPage } from './page.ts';

/** Where the skew reports are, seen from the catalog root (the bucket's layout, mirrored locally). */
export const REPORTS_FROM_CATALOG = '../skew-reports/';

export interface PageContext {
  readonly registry: Registry;
  readonly graph: LineageGraph;
  readonly reports: readonly CatalogReport[];
}

const DEPTH = 1;
const link = (target: string | null, text: string) =>
  target === null ? e(text) : `<a href="${e(fromRoot(DEPTH, target))}">${e(text)}</a>`;
const nodeLink = (n: GraphNode) =>
  `<span class="kind">${e(n.kind)}</span>${link(nodePath(n.kind, n.name), n.name)}`;

export function entryPage(entry: Entry, ctx: PageContext): string {
  const head = [
    `<h1><span class="kind">${e(entry.kind)}</span>${e(entry.name)}</h1>`,
    entry.description ? `<p class="description">${e(entry.description)}</p>` : '',
    `<p class="meta">owner: ${entry.owner ? e(entry.owner) : '<span class="muted">none declared</span>'}${
      Object.keys(entry.tags).length
        ? ` · tags: ${Object.entries(entry.tags)
            .map(([k, v]) => `<span class="tag">${e(`${k}=${v}`)}</span>`)
            .join('')}`
        : ''
    }</p>`,
  ];
  return renderPage({
    title: `${entry.kind} ${entry.name}`,
    depth: DEPTH,
    body: [...head, usedHtml(entry, ctx), lineageHtml(entry, ctx), ...kindSections(entry, ctx)]
      .filter(Boolean)
      .join('\n'),
  });
}

function usedHtml(entry: Entry, ctx: PageContext): string {
  const items = usesOf(entry, ctx).map((n) => `<li>${nodeLink(n)}</li>`);
  return `<h2>Used by</h2>${items.length ? `<ul class="used-by">${items.join('')}</ul>` : '<p class="muted">nothing yet</p>'}`;
}

/** Who uses it: the views and streams keyed by an entity, else the next nodes of the lineage. */
function usesOf(entry: Entry, ctx: PageContext): GraphNode[] {
  const { registry, graph } = ctx;
  if (entry.kind === 'entity') {
    const byKind = (kind: NodeKind, names: string[]) =>
      names.map((name) => ({ id: nodeId(kind, name), kind, name }));
    return [
      ...byKind(
        'stream',
        (registry.eventStreams ?? [])
          .filter((s) => s.entities.includes(entry.name))
          .map((s) => s.name),
      ),
      ...byKind(
        'view',
        registry.featureViews.filter((v) => v.entities.includes(entry.name)).map((v) => v.name),
      ),
    ];
  }
  return usersOf(graph, nodeId(entry.kind, entry.name));
}

function lineageHtml(entry: Entry, ctx: PageContext): string {
  if (entry.kind === 'entity') return '';
  const id = nodeId(entry.kind, entry.name);
  const part = neighbourhood(ctx.graph, id);
  const svg = lineageSvg(
    part,
    (n) => {
      const p = nodePath(n.kind, n.name);
      return p === null ? null : fromRoot(DEPTH, p);
    },
    id,
  );
  return `<h2>Lineage</h2><div class="graph" id="lineage">${svg}</div>`;
}

function kindSections(entry: Entry, ctx: PageContext): string[] {
  const { registry, reports } = ctx;
  const reportsRoot = fromRoot(DEPTH, REPORTS_FROM_CATALOG);
  switch (entry.kind) {
    case 'entity':
      return [entityDefinition(registry.entities.find((x) => x.name === entry.name)!)];
    case 'stream':
      return [streamDefinition((registry.eventStreams ?? []).find((x) => x.name === entry.name)!)];
    case 'transform':
      return [transformDefinition(registry.requestTransforms.find((x) => x.name === entry.name)!)];
    case 'service':
      return [
        `<h2>History of verdicts</h2><p class="meta">The last nightly skew reports of this service, newest first.</p>${historyHtml(reports, entry.name, reportsRoot)}`,
        serviceDefinition(registry.featureServices.find((x) => x.name === entry.name)!),
      ];
    case 'view': {
      const view = registry.featureViews.find((x) => x.name === entry.name)!;
      // An aggregate never expires: its age is judged against its window, not the item ttl.
      const limitOf = (output: string): AgeLimit => {
        const features: readonly (RegistryFeature | RegistryAggregateFeature)[] = view.features;
        const feature = features.find((f) => featureOutputName(view.name, f.name) === output);
        const window = feature && 'aggregate' in feature ? feature.aggregate : undefined;
        return window ? { ms: window.windowMs, label: 'window' } : { ms: view.ttlMs, label: 'ttl' };
      };
      const stats = view.features.map(
        (f) =>
          `<section class="feature" id="stats-${e(f.name)}"><h3>${e(f.name)} <span class="muted">${e(f.dtype)}</span></h3>${statisticsHtml(latestOutputsOfView(reports, view.name, f.name), reportsRoot)}</section>`,
      );
      return [
        `<h2>Freshness</h2><div id="freshness">${freshnessHtml(latestOutputsOfView(reports, view.name), reportsRoot, limitOf)}</div>`,
        viewDefinition(view),
        candidateSection(registry, view),
        `<h2>Feature statistics</h2><p class="meta">Training baseline vs served, from each service's newest nightly report.</p>${stats.join('')}`,
      ];
    }
  }
}

/** A candidate version of the view (`registry/candidates.ts`): who reads it, and its definition. */
function candidateSection(registry: Registry, view: RegistryView): string {
  const candidate = candidateViews(registry).find((c) => c.name === view.name);
  if (!candidate) return '';
  const readers = registry.featureServices
    .filter((s) => s.features.some((f) => f.view === view.name && f.version === candidate.version))
    .map((s) => `<a href="../service/${e(encodeURIComponent(s.name))}.html">${e(s.name)}</a>`);
  // Its anchors are its own: the served version's features keep theirs.
  const body = viewDefinition(candidate)
    .replace('<h2>Definition</h2>', '')
    .replaceAll('id="feature-', 'id="candidate-feature-');
  return (
    `<h2 id="candidate">Candidate version ${candidate.version}</h2>` +
    `<p class="meta">Stored beside the served version ${view.version}, every record written to both; read only by the shadow ${readers.join(', ')}.</p>${body}`
  );
}

/** The index: search box, every definition by kind, and the latest verdict of each service. */
export function indexBody(entries: readonly Entry[], summary: string): string {
  const lists = (['entity', 'stream', 'view', 'transform', 'service'] as const).map((kind) => {
    const items = entries
      .filter((x) => x.kind === kind)
      .map(
        (x) =>
          `<li><a href="${e(entryPath(x.kind, x.name))}">${e(x.name)}</a>${x.owner || Object.keys(x.tags).length ? ` <span class="muted">${e([x.owner, tagsText(x.tags)].filter(Boolean).join(' · '))}</span>` : ''}</li>`,
      );
    return items.length ? `<section><h3>${kind}</h3><ul>${items.join('')}</ul></section>` : '';
  });
  return (
    `<h1>Feature catalog</h1>${summary}` +
    `<input id="q" type="search" placeholder="Search names, descriptions, owners and tags" autocomplete="off" autofocus aria-label="search">` +
    `<p class="muted" id="count"></p><ul id="results"></ul>` +
    `<div class="lists">${lists.join('')}</div>`
  );
}
