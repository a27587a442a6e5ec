/**
 * `npm run bench -- catalog`: a generated catalog of 500 views and 5,000 features (half plain
 * views, half aggregations over 25 event streams; 25 services, 10 request transforms) rendered
 * by the catalog core, served by `skewless ui`'s server, and opened in headless Chromium.
 * `load_ms`: navigation start to the load event of the search page (its index parsed, the
 * search ready); `search_ms`: the slowest of several searches, from the keystroke's input event
 * to the results laid out. Goal: both under a second.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureService,
  defineFeatureView,
  defineRequestTransform,
  field,
  pick,
  type Definition,
  type FeatureView,
} from '../lib/define/index.ts';
import { compileRegistry } from '../lib/registry/compile.ts';
import { renderCatalog } from '../lib/catalog/site.ts';
import { startCatalogServer } from '../lib/catalog/server.ts';
import { ensureChromium, launchChromium } from '../test/browser/chromium.ts';
import type { BenchResult } from './run.ts';

const VIEWS = 500;
const FEATURES_PER_VIEW = 10;
const STREAMS = 25;
const SERVICES = 25;
const TRANSFORMS = 10;
const WORDS = ['delay', 'revenue', 'clicks', 'sessions', 'returns', 'basket', 'latency', 'fraud'];
const QUERIES = ['delay', 'view_0042', 'team_7 mean', 'fraud 24h', 'zzz no match', 'a'];

/** The generated definitions (deterministic). */
export function generatedDefinitions(): Definition[] {
  const entities = Array.from({ length: 10 }, (_, i) =>
    defineEntity({ name: `entity_${i}`, keys: { [`key_${i}`]: 'string' }, owner: `team_${i}` }),
  );
  const streams = Array.from({ length: STREAMS }, (_, i) =>
    defineEventStream({
      name: `events_${i}`,
      entities: [entities[i % 10]!],
      partitionKey: [`key_${i % 10}`],
      columns: { amount: 'float64', count: 'int64' },
      description: `Raw ${WORDS[i % WORDS.length]} events.`,
    }),
  );
  const views: FeatureView[] = Array.from({ length: VIEWS }, (_, v) => {
    const word = WORDS[v % WORDS.length]!;
    const common = {
      name: `view_${String(v).padStart(4, '0')}_${word}`,
      entities: [entities[v % 10]!],
      owner: `team_${v % 12}@example.com`,
      description: `${word} figures of entity ${v % 10}, generated for the catalog benchmark.`,
      tags: { domain: word, tier: v % 3 === 0 ? 'gold' : 'silver' },
    };
    if (v % 2 === 0)
      return defineFeatureView({
        ...common,
        ttl: '1d',
        features: Object.fromEntries(
          Array.from({ length: FEATURES_PER_VIEW }, (_, f) => [
            `${word}_${f}`,
            field.float64({ default: 0, description: `The ${f}th ${word} figure.` }),
          ]),
        ),
      });
    return defineAggregationView({
      ...common,
      entities: [entities[(v % STREAMS) % 10]!],
      stream: streams[v % STREAMS]!,
      features: (a) =>
        Object.fromEntries(
          Array.from({ length: FEATURES_PER_VIEW }, (_, f) => [
            `${word}_mean_${f + 1}h`,
            a.mean('amount', { window: `${f + 1}h`, description: `Mean ${word} amount.` }),
          ]),
        ),
    });
  });
  const transforms = Array.from({ length: TRANSFORMS }, (_, t) =>
    defineRequestTransform({
      name: `transform_${t}`,
      description: `Ratio of two ${WORDS[t % WORDS.length]} figures.`,
      request: { hour: 'int64' },
      // Transform t reads view t, which service t serves (views go to services by v % SERVICES).
      inputs: [pick(views[t]!, [Object.keys(views[t]!.features)[0]!])],
      outputs: { [`ratio_${t}`]: 'float64' },
      fn: () => ({ [`ratio_${t}`]: null }),
    }),
  );
  const services = Array.from({ length: SERVICES }, (_, s) =>
    defineFeatureService({
      name: `model_${s}`,
      owner: `team_${s % 12}@example.com`,
      description: `Model ${s}.`,
      features: views.filter((_, v) => v % SERVICES === s),
      transforms: transforms.filter((_, t) => t === s),
    }),
  );
  return [...entities, ...streams, ...views, ...transforms, ...services];
}

export async function run(): Promise<BenchResult> {
  const { registry } = compileRegistry(generatedDefinitions());
  const renderStart = performance.now();
  const files = renderCatalog({
    registry,
    reports: [],
    plan: null,
    generatedAt: new Date().toISOString(),
  });
  const renderMs = performance.now() - renderStart;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const server = await startCatalogServer({
    catalogFile: async (p) => byPath.get(p),
    reportFile: async () => undefined,
  });
  ensureChromium();
  const profile = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-catalog-'));
  const browser = await launchChromium(profile);
  try {
    const loads: number[] = [];
    const searches: number[] = [];
    for (let round = 0; round < 3; round++) {
      const page = await browser.newPage();
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForSelector('body[data-search-ready]');
      // Page code as text: this project's types have no DOM library.
      loads.push(
        (await page.evaluate(
          `(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()`,
        )) as number,
      );
      for (const q of QUERIES) {
        searches.push(
          (await page.evaluate(`(() => {
            const input = document.getElementById('q');
            const started = performance.now();
            input.value = ${JSON.stringify(q)};
            input.dispatchEvent(new Event('input'));
            // Forces layout of the results: what the user sees, not only the matching.
            void document.getElementById('results').getBoundingClientRect().height;
            return performance.now() - started;
          })()`)) as number,
        );
      }
      await page.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    return {
      views: registry.featureViews.length,
      features: registry.featureViews.reduce((n, v) => n + v.features.length, 0),
      services: registry.featureServices.length,
      pages: files.length,
      index_kb: round1(Buffer.byteLength(byPath.get('index.html')!.body) / 1024),
      render_ms: round1(renderMs),
      load_ms: round1(median(loads)),
      load_ms_runs: loads.map(round1),
      search_ms: round1(Math.max(...searches)),
      search_ms_median: round1(median(searches)),
      queries: QUERIES,
      goal: { load_ms: '< 1000', search_ms: '< 1000' },
    };
  } finally {
    await browser.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
