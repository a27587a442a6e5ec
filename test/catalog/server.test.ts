/**
 * `skewless ui`'s server with no store running: the flights definitions alone and an empty data
 * folder. Read-only, on 127.0.0.1, a CSP header on every answer, and no path out of its two
 * prefixes.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { localCatalogSource } from '../../lib/local/catalog.ts';
import { localReportsDir } from '../../lib/local/skew-check.ts';
import { safeSubPath, startCatalogServer, type CatalogServer } from '../../lib/catalog/server.ts';
import { CATALOG_CSP_HEADER } from '../../lib/catalog/page.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { CliError, EXIT } from '../../lib/cli/context.ts';

const registry = registryFromModule(defs).registry;
let dir: string;
let server: CatalogServer;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-ui-'));
  const reports = localReportsDir(dir);
  await mkdir(path.join(reports, '2001-03-02'), { recursive: true });
  await writeFile(path.join(reports, '2001-03-02', 'departure_delay_model.html'), '<p>report</p>');
  await writeFile(path.join(dir, 'secret.txt'), 'not served');
  server = await startCatalogServer(
    localCatalogSource({ registry, applied: registry, dataDir: dir }),
  );
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the catalog server', () => {
  it('serves the catalog on 127.0.0.1 with its CSP, and the reports beside it', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CATALOG_CSP_HEADER);
    expect(CATALOG_CSP_HEADER).toContain("frame-ancestors 'none'");
    expect(await index.text()).toContain('airport_delays');
    const report = await fetch(`${origin}/skew-reports/2001-03-02/departure_delay_model.html`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src/);
    const home = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/catalog/index.html');
  });

  it('is read-only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(server.url, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('serves nothing outside its two prefixes', async () => {
    for (const p of [
      '/catalog/../secret.txt',
      '/skew-reports/..%2fsecret.txt',
      '/skew-reports/%2e%2e/secret.txt',
      '/skew-reports/2001-03-02/..%2f..%2fsecret.txt',
      '/secret.txt',
      '/catalog/view/nope.html',
    ]) {
      const res = await fetch(`${origin}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('not served');
    }
    expect(safeSubPath('/skew-reports/a/../b', '/skew-reports/')).toBeUndefined();
    expect(safeSubPath('/skew-reports/2001-03-02/x.html', '/skew-reports/')).toBe(
      '2001-03-02/x.html',
    );
  });
});

describe('skewless ui, refusing bad arguments', () => {
  const cli = (...args: string[]) =>
    buildProgram()
      .parseAsync(['node', 'skewless', 'ui', ...args])
      .then(
        () => undefined,
        (e: unknown) => e,
      );

  it('names the bad port, and the bucket --aws needs', async () => {
    const port = await cli('--port', 'http');
    expect(port).toBeInstanceOf(CliError);
    expect((port as CliError).message).toBe("--port must be a positive integer, got 'http'");
    const saved = process.env.SKEWLESS_BUCKET;
    delete process.env.SKEWLESS_BUCKET;
    try {
      const aws = await cli('--aws');
      expect((aws as CliError).exitCode).toBe(EXIT.usage);
      expect((aws as CliError).message).toMatch(/--aws needs --bucket \(or SKEWLESS_BUCKET\)/);
    } finally {
      if (saved !== undefined) process.env.SKEWLESS_BUCKET = saved;
    }
  });
});
