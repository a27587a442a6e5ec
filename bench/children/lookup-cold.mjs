/**
 * One cold start of the bundled lookup Lambda, in a fresh Node process as Lambda starts one:
 * `node --enable-source-maps bench/children/lookup-cold.mjs <bundle.mjs> <body.json>` times the
 * module's import (its init: registry, plans, clients, Powertools) and the first and second
 * requests, and prints one JSON line. The environment (table, endpoints) comes from the parent.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [bundle, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile, 'utf8');
const context = {
  functionName: 'skewless-lookup',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:skewless-lookup',
  memoryLimitInMB: '1024',
  awsRequestId: 'cold',
  getRemainingTimeInMillis: () => 10_000,
};
const event = (id) => ({
  version: '2.0',
  routeKey: 'POST /features',
  rawPath: '/features',
  headers: { 'content-type': 'application/json' },
  requestContext: { requestId: id, http: { method: 'POST' } },
  body,
  isBase64Encoded: false,
});

const t0 = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const t1 = performance.now();
const first = await handler(event('first'), context);
const t2 = performance.now();
const second = await handler(event('second'), context);
const t3 = performance.now();
process.stderr.write(
  `RESULT ${JSON.stringify({
    // performance.now() counts from the process's start: Node's own boot, before the import.
    node_boot_ms: t0,
    import_ms: t1 - t0,
    first_request_ms: t2 - t1,
    second_request_ms: t3 - t2,
    statuses: [first.statusCode, second.statusCode],
  })}\n`,
);
