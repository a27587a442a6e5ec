/**
 * The catalog's pages as data: one page per definition, the lineage of the flights example,
 * every text from definitions escaped, the CSP hashes matching the inline blocks they allow, a
 * layout with no overlapping boxes and edges running the way data flows, and the pick of each
 * service's last 30 reports.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  field,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { lineageOf, neighbourhood } from '../../lib/catalog/graph.ts';
import { layoutLineage } from '../../lib/catalog/lineage-svg.ts';
import { reportFilesToRead, HISTORY_DAYS } from '../../lib/catalog/nightly.ts';
import { renderCatalog, type CatalogFile } from '../../lib/catalog/site.ts';
import { CATALOG_CSP_META } from '../../lib/catalog/page.ts';
import { flightsRuntime } from '../replay/fixtures/flights-defs.ts';

const flights = registryFromModule(defs).registry;
const render = (registry = flights) =>
  new Map(
    renderCatalog({ registry, reports: [], plan: null, generatedAt: '2026-12-07T00:00:00Z' }).map(
      (f): [string, CatalogFile] => [f.path, f],
    ),
  );

/** A registry whose texts try every way out of HTML. */
function hostileRegistry() {
  const evil = '<script>window.pwned=1</script></textarea><img src=x onerror=alert(1)>"\'&';
  const thing = defineEntity({ name: 'thing', keys: { id: 'string' }, description: evil });
  const view = defineFeatureView({
    name: 'things',
    entities: [thing],
    ttl: '1h',
    owner: `owner ${evil}`,
    description: evil,
    tags: { team: evil },
    features: { x: field.string({ default: evil, description: evil }) },
  });
  const service = defineFeatureService({
    name: 'thing_model',
    features: [view],
    description: evil,
    owner: evil,
  });
  return { evil, registry: compileRegistry([thing, view, service]).registry };
}

describe('the catalog pages', () => {
  it('renders one page per entity, stream, view, transform and service, plus search, lineage and plan', () => {
    const pages = [...render().keys()].sort();
    expect(pages).toEqual(
      [
        'index.html',
        'lineage.html',
        'plan.html',
        ...flights.entities.map((x) => `entity/${x.name}.html`),
        ...(flights.eventStreams ?? []).map((x) => `stream/${x.name}.html`),
        ...flights.featureViews.map((x) => `view/${x.name}.html`),
        ...flights.requestTransforms.map((x) => `transform/${x.name}.html`),
        ...flights.featureServices.map((x) => `service/${x.name}.html`),
      ].sort(),
    );
  });

  it('draws the flights lineage: stream → aggregation views → transform → service', () => {
    const graph = lineageOf(flights);
    const edges = graph.edges.map((e) => `${e.from} → ${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'stream:flights → view:airport_delays',
        'stream:flights → view:route_delays',
        'source:airport_departures → view:airport_departures',
        'view:airport_delays → transform:departure_context',
        'view:airport_delays → service:departure_delay_model',
        'transform:departure_context → service:departure_delay_model',
      ]),
    );
    const part = neighbourhood(graph, 'view:route_delays');
    expect(part.nodes.map((n) => n.id).sort()).toEqual([
      'service:departure_delay_model',
      'stream:flights',
      'view:route_delays',
    ]);
    const page = render().get('view/airport_delays.html')!.body;
    expect(page).toContain('data-node="stream:flights"');
    expect(page).toContain('href="../service/departure_delay_model.html"');
    expect(page).toContain('late_7d');
    expect(page).toContain('count(*) over 7d in 1h tiles where delay &gt; 15');
  });

  it('lays boxes out without overlap, each edge running left to right', () => {
    const graph = lineageOf(flights);
    const { nodes, width, height } = layoutLineage(graph);
    const at = new Map(nodes.map((n) => [n.id, n]));
    for (const e of graph.edges) expect(at.get(e.from)!.x).toBeLessThan(at.get(e.to)!.x);
    for (const a of nodes) {
      expect(a.x + 190).toBeLessThanOrEqual(width);
      expect(a.y + 30).toBeLessThanOrEqual(height);
      for (const b of nodes) {
        if (a === b) continue;
        const apart = a.x + 190 <= b.x || b.x + 190 <= a.x || a.y + 30 <= b.y || b.y + 30 <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
  });

  it('escapes every text of a definition, in pages and in the search index', () => {
    const { evil, registry } = hostileRegistry();
    for (const [name, page] of render(registry)) {
      expect(page.body, name).not.toContain('<script>window');
      expect(page.body, name).not.toContain('</textarea>');
      expect(page.body, name).not.toContain('<img');
      // Only the catalog's own scripts: the search page's index and its code.
      expect(page.body.match(/<script/g)?.length ?? 0, name).toBe(name === 'index.html' ? 2 : 0);
    }
    const view = render(registry).get('view/things.html')!.body;
    expect(view).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;/textarea&gt;');
    const index = render(registry).get('index.html')!.body;
    const data = /<script type="application\/json" id="catalog-index">(.*?)<\/script>/s.exec(
      index,
    )!;
    const docs = JSON.parse(data[1]!) as { n: string; d: string }[];
    expect(docs.find((d) => d.n === 'things')!.d).toBe(evil);
  });

  it('allows exactly its inline style and script by their sha256, and nothing from elsewhere', () => {
    const page = render().get('index.html')!.body;
    const hash = (text: string) =>
      `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    const style = /<style>(.*?)<\/style>/s.exec(page)![1]!;
    const script = /<script>(.*?)<\/script>/s.exec(page)![1]!;
    expect(CATALOG_CSP_META).toContain(`style-src ${hash(style)}`);
    expect(CATALOG_CSP_META).toContain(`script-src ${hash(script)}`);
    expect(CATALOG_CSP_META).toMatch(/^default-src 'none'/);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${CATALOG_CSP_META.replace(/'/g, '&#39;')}">`,
    );
    for (const f of render().values()) {
      expect(f.body).not.toMatch(/(src|href)="(https?:)?\/\//i);
      expect(f.body).not.toMatch(/ style="|@import|url\((?!#)/i);
    }
  });

  it("keeps each service's last 30 reports, newest first", () => {
    const days = Array.from({ length: 40 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const files = [
      ...days.flatMap((d) => [`${d}/a_model.json`, `${d}/a_model.html`]),
      `${days[3]}/b_model.json`,
      'notes.txt',
      `${days[0]}/../x.json`,
    ];
    const picked = reportFilesToRead(files);
    expect(picked.filter((p) => p.endsWith('a_model.json'))).toEqual(
      days
        .slice(-HISTORY_DAYS)
        .reverse()
        .map((d) => `${d}/a_model.json`),
    );
    expect(picked).toContain(`${days[3]}/b_model.json`);
    expect(picked).toHaveLength(HISTORY_DAYS + 1);
  });
});

describe('owner and tags on every kind of definition', () => {
  it('carries them into the registry when given, and leaves the registry unchanged when not', () => {
    const keys = { id: 'string' } as const;
    const bare = defineEntity({ name: 'thing', keys });
    const owned = defineEntity({ name: 'thing', keys, owner: 'team-a', tags: { pii: 'no' } });
    const view = (e: typeof bare) =>
      defineFeatureView({
        name: 'things',
        entities: [e],
        ttl: '1h',
        owner: 'o',
        features: { x: field.int64() },
      });
    const a = compileRegistry([bare, view(bare)]).registry;
    const b = compileRegistry([owned, view(owned)]).registry;
    expect(a.entities[0]).not.toHaveProperty('owner');
    expect(a.entities[0]).not.toHaveProperty('tags');
    expect(b.entities[0]).toMatchObject({ owner: 'team-a', tags: { pii: 'no' } });
    expect(a.hash).not.toBe(b.hash);
    const empty = defineEntity({ name: 'thing', keys, tags: {} });
    expect(compileRegistry([empty, view(empty)]).registry.hash).toBe(a.hash);
  });
});

describe('a candidate view version in the catalog', () => {
  it("shows on its view's page, with the shadow that reads it, and the shadow names its service", () => {
    const pages = render(flightsRuntime({ shadowRouteWindow: '14d' }).registry);
    const view = pages.get('view/route_delays.html')!.body;
    expect(view).toContain('<h2 id="candidate">Candidate version 2</h2>');
    expect(view).toContain('href="../service/departure_delay_model_next.html"');
    expect(view).toContain('count(*) over 14d');
    expect(view).toContain('id="candidate-feature-flights_7d"');
    expect(view.match(/id="feature-flights_7d"/g)).toHaveLength(1);
    const shadow = pages.get('service/departure_delay_model_next.html')!.body;
    expect(shadow).toContain('A shadow of <a href="departure_delay_model.html">');
    expect(render().get('view/route_delays.html')!.body).not.toContain('Candidate version');
  });
});
