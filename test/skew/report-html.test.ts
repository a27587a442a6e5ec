/**
 * The HTML report: escaping and self-containment as unit checks, then the real thing in headless
 * Chromium: a report from a planted day, opened from disk, must show its title, one summary row
 * per feature, a drawn histogram for each flagged feature, and no console error or network fetch.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { ensureChromium, launchChromium } from '../browser/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../lib/skew/report-html.ts';
import { startLocalStack } from '../../lib/local/stack.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';
import { localAlertSink } from '../../lib/local/skew-alerts.ts';
import { parseBaseline } from '../../lib/skew/baseline.ts';
import type { SkewReport } from '../../lib/skew/types.ts';
import { flightsRuntime, SERVICE } from './fixtures/defs.ts';
import { buildWorld, DAY, writeTrainingBaseline } from './fixtures/world.ts';
import { sampleReport } from './fixtures/report.ts';

describe('the HTML report', () => {
  it('escapes every string that comes from data', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).not.toContain('<script>');
    expect(html).toContain('req-&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('s:ATL|s:&quot;ORD&quot;');
    expect(html).toContain('&lt;b&gt;imputed&lt;/b&gt; &amp; more');
  });

  it('says what was sampled, and shows each rate with its interval and each distance with its noise', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).toContain('<p class="meta sample">sample: whole day, 1,000 vectors');
    expect(html).toMatch(
      /<td class="num bad">80\.00%<span class="sub">77\.41–82\.36%<\/span><\/td>/,
    );
    expect(html).toMatch(/<td class="num bad">0\.900<span class="sub">noise 0\.030<\/span><\/td>/);
    expect(html).toContain(
      'exact-match 80.00% (95% CI 77.41–82.36%); stale 0.00% (95% CI 0.00–0.38%)',
    );
    const sampled = renderReportHtml(sampleReport({ sampled: true }));
    expect(sampled).toContain(
      'sample: 1,000 of 100,000 vectors checked (1.00%, by entity; cap 1,000/day). Verdicts judge the sample',
    );
    expect(sampled).toMatch(
      /<div class="banner alert">skew in 1 feature, drift in 1 feature \(in a 1\.00% sample\)/,
    );
    expect(renderReportHtml(sampleReport({ sampled: true, clean: true }))).toContain(
      'ok: no skew, no stale values, no drift in a 1.00% sample.',
    );
  });

  it('is self-contained: no script, no external asset', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let report: SkewReport;
  let file: string;

  beforeAll(async () => {
    ensureChromium();
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-report-'));
    // A real report: a day with a null-imputing producer and an online stall planted.
    const runtime = flightsRuntime();
    const dataDir = path.join(dir, 'data');
    const stack = await startLocalStack({ registry: runtime.registry, dataDir });
    try {
      await buildWorld(stack.duckdb, dataDir, runtime, {
        plants: { imputeNulls: true, onlineStall: { view: 'airport_departures', fromHour: 6 } },
      });
      const baselineFile = await writeTrainingBaseline(stack.duckdb, dataDir, runtime);
      const { baseline } = parseBaseline(
        JSON.parse(await readFile(baselineFile, 'utf8')),
        baselineFile,
      );
      const result = await runLocalSkewCheck({
        dataDir,
        runtime,
        date: DAY,
        duckdb: stack.duckdb,
        baselines: new Map([[SERVICE, baseline]]),
        alerts: localAlertSink(dataDir, () => {}),
      });
      report = result.reports[0]!;
      file = report.reportLocation!;
    } finally {
      await stack.stop();
    }
    browser = await launchChromium(path.join(dir, 'profile'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the title, the summary rows and a drawn histogram per flagged feature', async () => {
    expect(report.alert).toBe(true);
    const page = await browser.newPage();
    const errors: string[] = [];
    const fetched: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => fetched.push(r.url()));
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(await page.title()).toBe(`Skew report: ${SERVICE}, ${DAY}`);
    expect(await page.$eval('p.sample', (p) => p.textContent)).toMatch(
      new RegExp(`^sample: whole day, ${report.vectors.toLocaleString('en-US')} vectors`),
    );
    const rows = await page.$$eval('table.summary tbody tr', (trs) =>
      trs.map((tr) => ({
        output: tr.getAttribute('data-output'),
        verdict: tr.querySelector('.verdict')?.textContent,
      })),
    );
    expect(rows.map((r) => r.output)).toEqual(report.outputs.map((o) => o.output));
    expect(rows.map((r) => r.verdict)).toEqual(report.outputs.map((o) => o.verdict));
    // Each rate shows its interval under it, each distance its noise.
    const firstRow = await page.$$eval('table.summary tbody tr:first-child td.num .sub', (subs) =>
      subs.map((s) => s.textContent),
    );
    expect(firstRow.slice(0, 3)).toEqual(
      [
        report.outputs[0]!.exactMatchInterval,
        report.outputs[0]!.nullMismatchInterval,
        report.outputs[0]!.staleInterval,
      ].map(([lo, hi]) => `${(lo * 100).toFixed(2)}–${(hi * 100).toFixed(2)}%`),
    );
    const flagged = report.outputs.filter((o) => o.verdict !== 'ok').map((o) => o.output);
    const verdictOf = (name: string) => rows.find((r) => r.output === name)?.verdict;
    expect(verdictOf('airport_hourly__late_share_1h')).toBe('skew');
    expect(verdictOf('airport_departures__last_delay')).toBe('stale');
    expect(await page.$eval('.banner', (b) => b.textContent)).toMatch(
      /^skew in \d+ features?, stale in \d+ features?/,
    );
    const causes = await page.$$eval(
      '#f-airport_departures__last_delay table.causes tr.cause-row',
      (trs) => trs.map((tr) => tr.getAttribute('data-cause')),
    );
    expect(causes).toContain('ingest lag');

    for (const output of flagged) {
      const svg = await page.$(`#f-${output} svg.histogram`);
      expect(svg, output).not.toBeNull();
      const box = await svg!.boundingBox();
      expect(box!.width, output).toBeGreaterThan(0);
      expect(box!.height, output).toBeGreaterThan(0);
      const bars = await page.$$eval(`#f-${output} svg.histogram rect.bar`, (rs) =>
        rs.map((r) => Number(r.getAttribute('height'))),
      );
      expect(
        bars.some((h) => h > 0),
        output,
      ).toBe(true);
      const examples = await page.$$(`#f-${output} table.examples tbody tr`);
      expect(examples.length, output).toBeGreaterThanOrEqual(3);
    }
    expect(errors).toEqual([]);
    expect(fetched.filter((u) => !u.startsWith('file:'))).toEqual([]);

    const shot = path.join(os.tmpdir(), 'skewless-skew-report.png');
    await page.screenshot({ path: shot, fullPage: false });
    const section = await page.$('#f-airport_hourly__late_share_1h');
    await section!.screenshot({ path: shot.replace('.png', '-section.png') });
    await writeFile(`${shot}.txt`, file);
    await page.close();
  });
});
