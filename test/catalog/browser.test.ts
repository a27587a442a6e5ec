/**
 * The catalog in a real browser (Debian's Chromium driven by puppeteer-core, installed here when
 * absent). The flights demo up to its clean day leaves real nightly outputs under a data folder; the demo
 * then stops, and `skewless ui --port N --data DIR` serves the flights catalog with no store
 * running. In it: search "delay", open `airport_delays`, see its lineage and freshness, follow a
 * link to the skew report; no console error on any page, and every href answers. A definition
 * whose description holds `<script>` and `</textarea>` renders as text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ensureChromium, launchChromium } from '../browser/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { defineEntity, defineFeatureView, field } from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { DEMO_STEPS, runDemo } from '../../examples/flights/demo.ts';
import { localCatalogSource } from '../../lib/local/catalog.ts';
import { startCatalogServer, type CatalogServer } from '../../lib/catalog/server.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `skewless ui --port N --data DIR` in this repository; resolves with the URL it prints. */
async function startUiCli(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/skewless.ts', 'ui', '--port', String(port), '--data', dataDir],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /catalog (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`skewless ui exited ${code}: ${out}`)));
  });
  return { child, url };
}

/** Opens a page and records console errors, page errors and failed requests on it. */
async function open(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${url}: ${String(e)}`));
  page.on('requestfailed', (r) => errors.push(`${url}: failed ${r.url()}`));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

const hrefsOf = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

describe('the feature catalog in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let ui: { child: ChildProcess; url: string };
  let hostile: CatalogServer;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureChromium();
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-catalog-'));
    const dataDir = path.join(dir, 'data');
    // Real nightly outputs: the demo up to its clean day (its skew check writes the reports),
    // then no store.
    const demo = await runDemo(
      {
        runtime: registryFromModule(defs),
        dataDir,
        lookups: 60,
        // Two airports' real flights: the demo's steps in a minute rather than ten.
        origins: ['BOS', 'DEN'],
      },
      DEMO_STEPS.slice(0, 3),
    );
    await demo.stop();
    ui = await startUiCli(dataDir);
    browser = await launchChromium(path.join(dir, 'profile'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    ui?.child.kill('SIGTERM');
    await hostile?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('searches "delay", opens airport_delays, shows lineage and freshness, links to the skew report', async () => {
    const page = await open(browser, ui.url, errors);
    await page.waitForSelector('body[data-search-ready]');
    await page.type('#q', 'delay');
    await page.waitForSelector('#results li');
    const hits = await page.$$eval('#results li a', (as) => as.map((a) => a.textContent));
    expect(hits).toEqual(expect.arrayContaining(['airport_delays', 'route_delays']));
    expect(hits.length).toBeGreaterThan(5); // features match too
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#results li a[href="view/airport_delays.html"]'),
    ]);
    expect(page.url()).toMatch(/\/catalog\/view\/airport_delays\.html$/);
    const nodes = await page.$$eval('#lineage [data-node]', (gs) =>
      gs.map((g) => g.getAttribute('data-node')),
    );
    expect(nodes).toEqual(
      expect.arrayContaining([
        'stream:flights',
        'view:airport_delays',
        'transform:departure_context',
        'service:departure_delay_model',
      ]),
    );
    const drawn = await page.$eval('#lineage svg', (svg) => svg.getBoundingClientRect().height);
    expect(drawn).toBeGreaterThan(50);
    const freshness = await page.$$eval('#freshness tr.freshness-row', (rows) =>
      rows.map((r) => r.getAttribute('data-output')),
    );
    expect(freshness).toContain('airport_delays__dep_delay_mean_1h');
    expect(
      await page.$eval('#freshness svg.ages', (s) => s.querySelectorAll('line').length),
    ).toBeGreaterThan(3);
    expect(await page.$$eval('.stats svg.histogram', (s) => s.length)).toBeGreaterThan(0);
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#freshness a.report-link'),
    ]);
    expect(page.url()).toMatch(/\/skew-reports\/\d{4}-\d{2}-\d{2}\/departure_delay_model\.html$/);
    expect(await page.$eval('h1', (h) => h.textContent)).toMatch(
      /^Skew report: departure_delay_model/,
    );
    await page.close();
  });

  it('has no broken link and no console error on any catalog page', async () => {
    const origin = new URL(ui.url).origin;
    const seen = new Set<string>();
    const queue = [ui.url];
    while (queue.length > 0) {
      const url = queue.shift()!;
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      if (!url.includes('/catalog/')) continue; // the reports are the skew check's own pages
      const html = await res.text();
      for (const href of hrefsOf(html)) {
        const target = new URL(href, url);
        expect(target.origin, `${href} on ${url}`).toBe(origin);
        if (target.hash) {
          const id = decodeURIComponent(target.hash.slice(1));
          const doc =
            target.pathname === new URL(url).pathname ? html : await (await fetch(target)).text();
          expect(doc, `${href} on ${url}`).toMatch(new RegExp(`id="${id}"`));
        }
        target.hash = '';
        if (!seen.has(target.href)) {
          seen.add(target.href);
          queue.push(target.href);
        }
      }
    }
    const pages = [...seen].filter((u) => u.includes('/catalog/'));
    // index, lineage, plan; 2 entities, 1 stream, 4 views, 1 transform, 1 service.
    expect(pages.length).toBe(12);
    expect([...seen].some((u) => u.includes('/skew-reports/'))).toBe(true);
    for (const url of pages) await (await open(browser, url, errors)).close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('renders a description holding <script> and </textarea> as text', async () => {
    const evil = '<script>window.pwned = 1</script></textarea><b>bold</b>';
    const thing = defineEntity({ name: 'thing', keys: { id: 'string' }, description: evil });
    const view = defineFeatureView({
      name: 'things',
      entities: [thing],
      ttl: '1h',
      owner: 'team',
      description: evil,
      features: { x: field.int64({ description: evil }) },
    });
    const { registry } = compileRegistry([thing, view]);
    hostile = await startCatalogServer(
      localCatalogSource({ registry, applied: undefined, dataDir: path.join(dir, 'none') }),
    );
    const page = await open(browser, hostile.url, errors);
    await page.waitForSelector('body[data-search-ready]');
    await page.type('#q', 'textarea');
    await page.waitForSelector('#results li p');
    expect(await page.$eval('#results li p', (p) => p.textContent)).toBe(evil);
    await page.goto(new URL('view/things.html', hostile.url).href, { waitUntil: 'load' });
    expect(await page.$eval('p.description', (p) => p.textContent)).toBe(evil);
    expect(await page.$$eval('main b, main textarea', (x) => x.length)).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    await page.close();
    expect(errors).toEqual([]);
  });
});
