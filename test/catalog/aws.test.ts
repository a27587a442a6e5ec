/**
 * The catalog in the bucket: the nightly run's pages under `catalog/` served back by
 * `skewless ui --aws`'s source, links to `skew-reports/` answered from the same bucket, and
 * each service's last 30 reports read back (an unreadable document skipped). S3 is the usual
 * in-memory stand-in behind a mocked client.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { publishAwsCatalog } from '../../lib/skew/run-aws.ts';
import { readS3Reports, s3CatalogSource } from '../../lib/catalog/s3-aws.ts';
import { startCatalogServer, type CatalogServer } from '../../lib/catalog/server.ts';
import { sampleReport } from '../skew/fixtures/report.ts';
import { CATALOG_CSP_HEADER } from '../../lib/catalog/page.ts';

const BUCKET = 'store';
const s3 = mockClient(S3Client);
const objects = new Map<string, { body: string; type?: string }>();
const runtime = registryFromModule(defs);
let server: CatalogServer;

beforeAll(async () => {
  s3.on(PutObjectCommand).callsFake(
    async (input: { Key: string; Body: string; ContentType?: string }) => {
      objects.set(input.Key, { body: input.Body, type: input.ContentType });
      return {};
    },
  );
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const o = objects.get(input.Key);
    if (!o) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return {
      ContentType: o.type,
      Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(o.body)) },
    };
  });
  s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })),
  }));
  const report = sampleReport();
  for (let day = 0; day < 32; day++) {
    const date = new Date(Date.UTC(2026, 0, 1 + day)).toISOString().slice(0, 10);
    objects.set(`skew-reports/${date}/${report.service}.json`, {
      body: JSON.stringify({ ...report, date }),
    });
    objects.set(`skew-reports/${date}/${report.service}.html`, {
      body: '<h1>report</h1>',
      type: 'text/html',
    });
  }
  objects.set('skew-reports/2026-01-05/broken_model.json', { body: '{not json' });
  const pages = await publishAwsCatalog({
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: BUCKET,
    runtime,
    clock: () => Date.parse('2026-02-02T03:00:00Z'),
  });
  expect(pages).toBe([...objects.keys()].filter((k) => k.startsWith('catalog/')).length);
  server = await startCatalogServer(
    s3CatalogSource({ s3: new S3Client({ region: 'us-east-1' }), bucket: BUCKET }),
  );
});
afterAll(async () => {
  await server?.close();
  s3.restore();
});

describe('the catalog in the bucket', () => {
  it("reads each service's last 30 reports and skips what it cannot read", async () => {
    const reports = await readS3Reports({
      s3: new S3Client({ region: 'us-east-1' }),
      bucket: BUCKET,
    });
    expect(reports).toHaveLength(30);
    expect(reports[0]!.report.date).toBe('2026-02-01');
    expect(reports.at(-1)!.report.date).toBe('2026-01-03');
    expect(reports[0]!.htmlPath).toBe(`2026-02-01/${reports[0]!.report.service}.html`);
  });

  it('serves the published pages and the reports they link, from the bucket', async () => {
    const origin = new URL(server.url).origin;
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('airport_delays');
    const view = await fetch(`${origin}/catalog/view/airport_delays.html`);
    expect(view.status).toBe(200);
    const report = await fetch(`${origin}/skew-reports/2026-02-01/${sampleReport().service}.html`);
    expect(report.status).toBe(200);
    expect((await fetch(`${origin}/catalog/view/nope.html`)).status).toBe(404);
  });

  it('sends the policy a page of another version states, never a laxer one', async () => {
    const origin = new URL(server.url).origin;
    const page = (policy: string) =>
      `<!doctype html><meta http-equiv="Content-Security-Policy" content="${policy.replace(/'/g, '&#39;')}"><p>x</p>`;
    const other = "default-src 'none'; script-src 'sha256-b3RoZXI='; style-src 'sha256-c3R5bGU='";
    objects.set('catalog/other.html', { body: page(other), type: 'text/html' });
    objects.set('catalog/lax.html', {
      body: page("default-src *; script-src 'unsafe-inline'"),
      type: 'text/html',
    });
    const served = await fetch(`${origin}/catalog/other.html`);
    expect(served.headers.get('content-security-policy')).toBe(`${other}; frame-ancestors 'none'`);
    const lax = await fetch(`${origin}/catalog/lax.html`);
    expect(lax.headers.get('content-security-policy')).toBe(CATALOG_CSP_HEADER);
  });
});
