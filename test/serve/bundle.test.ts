/**
 * The Lambda as it ships: one minified ESM file built with the construct's own bundling settings
 * (`HANDLER_BUNDLING`), everything bundled, under the size goal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HANDLER_BUNDLING } from '../../lib/cdk/handler-function.ts';

let dir: string | undefined;

afterAll(async () => {
  vi.unstubAllEnvs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the lookup Lambda bundle', () => {
  it('bundles under 400 KB and answers a bad request with a 400 from the bundle', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bundle-'));
    const outfile = path.join(dir, 'lookup.mjs');
    await build({
      entryPoints: ['lambdas/lookup.ts'],
      bundle: true,
      platform: 'node',
      minify: HANDLER_BUNDLING.minify,
      target: HANDLER_BUNDLING.target,
      format: HANDLER_BUNDLING.format,
      mainFields: HANDLER_BUNDLING.mainFields,
      banner: { js: HANDLER_BUNDLING.banner },
      external: HANDLER_BUNDLING.externalModules,
      outfile,
      logLevel: 'silent',
    });
    // What NodejsFunction ships: an ES module (the Lambda runtime loads `.mjs` as ESM).
    expect(HANDLER_BUNDLING.format).toBe('esm');
    const { size } = await import('node:fs').then((fs) => fs.statSync(outfile));
    expect(size).toBeLessThan(400 * 1024);
    vi.stubEnv('SKEWLESS_PREFIX', 'p');
    vi.stubEnv('SKEWLESS_ONLINE_TABLE', 'p-online');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { handler } = (await import(pathToFileURL(outfile).href)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const result = await handler(
      {
        version: '2.0',
        requestContext: { requestId: 'r', http: { method: 'POST' } },
        body: '{"service":"departure_delay_model","entities":[{"origin":"SFO"}]}',
        isBase64Encoded: false,
      },
      { awsRequestId: 'a', functionName: 'f', getRemainingTimeInMillis: () => 1000 },
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.field).toBe('entities[0].destination');
  });
});
