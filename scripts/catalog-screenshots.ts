/**
 * `npx tsx scripts/catalog-screenshots.ts [--data DIR]`: the README's pictures of the catalog,
 * taken in headless Chromium (puppeteer-core) from the flights definitions and the nightly
 * outputs under DIR (default: a fresh run of the demo to its clean day in a temporary folder):
 * the search, the `airport_delays` page and the lineage graph, as PNGs in docs/images/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as defs from '../feature_defs/index.ts';
import { readApplied } from '../lib/cli/commands/plan.ts';
import { startCatalogServer } from '../lib/catalog/server.ts';
import { localCatalogSource } from '../lib/local/catalog.ts';
import { DEMO_STEPS, runDemo } from '../examples/flights/demo.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { ensureChromium, launchChromium } from '../test/browser/chromium.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'docs', 'images');

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const scratch = await mkdtemp(path.join(os.tmpdir(), 'skewless-shots-'));
const runtime = registryFromModule(defs);
let dataDir = values.data;
if (!dataDir) {
  dataDir = path.join(scratch, 'data');
  console.log('running the demo up to its clean day for nightly outputs…');
  // Replay, export, a served day and its check: what the catalog's pages show.
  const demo = await runDemo({ runtime, dataDir, lookups: 60 }, DEMO_STEPS.slice(0, 3));
  await demo.stop();
}
const applied = await readApplied(path.join(REPO, 'feature_defs', 'applied-registry.json'));
const server = await startCatalogServer(
  localCatalogSource({ registry: runtime.registry, applied, dataDir }),
);
ensureChromium();
const browser = await launchChromium(path.join(scratch, 'profile'));
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 760, deviceScaleFactor: 1 });
  await page.goto(server.url, { waitUntil: 'load' });
  await page.type('#q', 'delay');
  await page.waitForSelector('#results li');
  await page.screenshot({ path: path.join(OUT, 'catalog-search.png') });

  await page.goto(new URL('view/airport_delays.html', server.url).href, { waitUntil: 'load' });
  await page.setViewport({ width: 1200, height: 1500, deviceScaleFactor: 1 });
  await page.screenshot({ path: path.join(OUT, 'catalog-view.png') });

  await page.goto(new URL('lineage.html', server.url).href, { waitUntil: 'load' });
  await page.setViewport({ width: 1200, height: 560, deviceScaleFactor: 1 });
  await page.screenshot({ path: path.join(OUT, 'catalog-lineage.png') });
  console.log(`wrote catalog-search.png, catalog-view.png, catalog-lineage.png in ${OUT}`);
} finally {
  await browser.close();
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}
