/**
 * The lookup Lambda's cold start, as far as this machine can measure it: the handler bundled as
 * NodejsFunction bundles it (`HANDLER_BUNDLING`: minified ESM, source maps, everything bundled),
 * then, in fresh Node processes (`bench/children/lookup-cold.mjs`, run with the Lambda's
 * `--enable-source-maps`), the module's import (its init work) and its first and second
 * requests against dynalite and a Firehose stand-in. Lambda's own part of a cold start
 * (placing the environment, fetching the code, starting the runtime) is not measured here:
 * README "Latency budget" gives AWS's figures for it.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { HANDLER_BUNDLING } from '../../lib/cdk/handler-function.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ColdStartTarget {
  readonly dynamodbEndpoint: string;
  readonly prefix: string;
  readonly onlineTable: string;
  /** A request body that reads stored items. */
  readonly body: string;
}

interface ColdRun {
  node_boot_ms: number;
  import_ms: number;
  first_request_ms: number;
  second_request_ms: number;
  statuses: number[];
}

/** Accepts every PutRecordBatch (the handler flushes its log before answering). */
async function firehoseStandIn(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const n = (JSON.parse(body) as { Records: unknown[] }).Records.length;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ FailedPutCount: 0, RequestResponses: Array(n).fill({ RecordId: 'r' }) }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;

export async function measureColdStart(
  target: ColdStartTarget,
  runs = 10,
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-cold-'));
  const firehose = await firehoseStandIn();
  try {
    const outfile = path.join(dir, 'lookup.mjs');
    await build({
      entryPoints: [path.join(root, 'lambdas/lookup.ts')],
      bundle: true,
      platform: 'node',
      minify: HANDLER_BUNDLING.minify,
      sourcemap: HANDLER_BUNDLING.sourceMap,
      target: HANDLER_BUNDLING.target,
      format: HANDLER_BUNDLING.format,
      mainFields: HANDLER_BUNDLING.mainFields,
      banner: { js: HANDLER_BUNDLING.banner },
      external: HANDLER_BUNDLING.externalModules,
      outfile,
      logLevel: 'silent',
    });
    const bodyFile = path.join(dir, 'body.json');
    await writeFile(bodyFile, target.body);
    const env = {
      PATH: process.env.PATH,
      SKEWLESS_PREFIX: target.prefix,
      SKEWLESS_ONLINE_TABLE: target.onlineTable,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: target.dynamodbEndpoint,
      AWS_ENDPOINT_URL_FIREHOSE: `http://127.0.0.1:${(firehose.address() as AddressInfo).port}`,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const samples: ColdRun[] = [];
    for (let i = 0; i < runs; i++) {
      const { stderr } = await promisify(execFile)(
        process.execPath,
        [
          '--enable-source-maps',
          path.join(root, 'bench/children/lookup-cold.mjs'),
          outfile,
          bodyFile,
        ],
        { env },
      );
      const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`cold-start child printed no result: ${stderr}`);
      const run = JSON.parse(line.slice('RESULT '.length)) as ColdRun;
      if (run.statuses.some((s) => s !== 200))
        throw new Error(`cold-start lookup failed: ${run.statuses}`);
      samples.push(run);
    }
    const of = (k: keyof Omit<ColdRun, 'statuses'>) => round(median(samples.map((s) => s[k])));
    const importMs = of('import_ms');
    const firstMs = of('first_request_ms');
    return {
      cold_runs: runs,
      cold_bundle_kb: round((await stat(outfile)).size / 1024),
      cold_node_boot_ms: of('node_boot_ms'),
      cold_import_ms: importMs,
      cold_first_request_ms: firstMs,
      cold_import_plus_first_ms: round(importMs + firstMs),
      cold_second_request_ms: of('second_request_ms'),
    };
  } finally {
    await new Promise<void>((r) => firehose.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
}
