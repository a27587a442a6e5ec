/** The Lambda as it ships: one minified CJS file with everything bundled, under the size goal. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it, vi } from 'vitest';

let dir: string | undefined;

afterAll(async () => {
  vi.unstubAllEnvs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the lookup Lambda bundle', () => {
  it('bundles under 400 KB and answers a bad request with a 400 from the bundle', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bundle-'));
    const outfile = path.join(dir, 'lookup.cjs');
    await build({
      entryPoints: ['lambdas/lookup.ts'],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile,
      logLevel: 'silent',
    });
    const { size } = await import('node:fs').then((fs) => fs.statSync(outfile));
    expect(size).toBeLessThan(400 * 1024);
    vi.stubEnv('SKEWLESS_PREFIX', 'p');
    vi.stubEnv('SKEWLESS_ONLINE_TABLE', 'p-online');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { handler } = createRequire(import.meta.url)(outfile) as {
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
