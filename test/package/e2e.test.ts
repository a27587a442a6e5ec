/**
 * skewless as a team uses it: the packed package installed into a new project made by
 * `skewless init`, the project's own definitions (two entities, one with a composite key, a
 * service over both), and every step through its CLI only: plan, dev (in the background), push,
 * get, export (against the brute-force point-in-time oracle), backfill of older history,
 * materialize, skew-check; then dev stops and nothing is left running. Also the project's own
 * `npm test` and `npx cdk synth`. Installs from the npm cache when it can (`--prefer-offline`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import type { LocalEndpoints } from '../../lib/local/endpoints.ts';
import { loadRegistryFromDir } from '../../lib/registry/load.ts';
import type { LookupResponse } from '../../lib/serve/types.ts';
import type { OfflineRecord } from '../export/offline-fixture.ts';
import {
  CUSTOMER_RECORDS,
  DEFS,
  HISTORY,
  iso,
  NOW,
  oracleRecords,
  PRODUCT_RECORDS,
  readParquet,
  SPINE,
} from './shop-fixture.ts';
import { oraclePointInTime, type OracleSpineRow } from '../export/oracle.ts';
import type { SkewReport } from '../../lib/skew/types.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

let work: string;
let project: string;
let dev: ChildProcess | undefined;
let endpoints: LocalEndpoints;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd = project): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The installed `skewless` bin of the project, as a user's shell runs it. */
const skewless = (...args: string[]) =>
  run(path.join(project, 'node_modules', '.bin', 'skewless'), args);

async function ok(pending: Promise<Run>): Promise<string> {
  const result = await pending;
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const jsonLines = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function portIsClosed(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skewless-e2e-'));
  // `prepack` builds dist/ (JavaScript and type declarations) first.
  await ok(run('npm', ['pack', '--pack-destination', work, '--silent'], REPO));
  project = path.join(work, 'shop-features');
  const tarball = path.join(
    work,
    (await readdir(work)).find((f) => f.endsWith('.tgz'))!,
  );
  await ok(
    run(
      process.execPath,
      [path.join(REPO, 'bin', 'skewless.js'), 'init', project, '--skewless', `file:${tarball}`],
      REPO,
    ),
  );
  await ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project));
  // The project as `init` made it: typechecks against the package's declarations, and its
  // example test pushes and looks up through the real handlers.
  await ok(run('npm', ['test'], project));
  await rm(path.join(project, 'feature_defs', 'customers.ts'));
  await writeFile(path.join(project, 'feature_defs', 'shop.ts'), DEFS);
  await writeFile(path.join(project, 'feature_defs', 'index.ts'), "export * from './shop.ts';\n");
}, 600_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) dev.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a team project on the packed skewless package, through its CLI only', () => {
  it('plans its own definitions', async () => {
    const plan = JSON.parse(await ok(skewless('plan', '--json'))) as { breaking: unknown[] };
    expect(plan.breaking).toEqual([]);
  });

  it('starts dev in the background and writes its endpoints', async () => {
    dev = spawn(path.join(project, 'node_modules', '.bin', 'skewless'), ['dev', '--json'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: dev!.stdout! }).once('line', resolve);
      dev!.once('exit', (code) => reject(new Error(`dev exited with ${code}`)));
    });
    endpoints = JSON.parse(first) as LocalEndpoints;
    expect(endpoints.lookup).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.pid).toBe(dev.pid);
    const written = JSON.parse(
      await readFile(path.join(project, '.skewless', 'data', 'endpoints.json'), 'utf8'),
    ) as LocalEndpoints;
    expect(written).toEqual(endpoints);
  });

  it('pushes records and serves the newest per entity (ties to the later arrival)', async () => {
    await writeFile(path.join(work, 'customers.jsonl'), jsonLines(CUSTOMER_RECORDS));
    const csv = [
      'store_id,product,event_time,units_sold,in_stock',
      ...PRODUCT_RECORDS.map(
        (r) => `${r.store_id},${r.product},${r.event_time},${r.units_sold},${r.in_stock ?? ''}`,
      ),
    ];
    await writeFile(path.join(work, 'products.csv'), csv.join('\n') + '\n');
    await ok(
      skewless('push', '--view', 'customer_stats', '--file', path.join(work, 'customers.jsonl')),
    );
    await ok(
      skewless('push', '--view', 'product_sales', '--file', path.join(work, 'products.csv')),
    );

    const c2 = await lookup('c2', 2, 'apple');
    expect(c2.values).toMatchObject({
      customer_stats__visits: 9,
      customer_stats__last_basket: null,
      product_sales__units_sold: 1,
      product_sales__in_stock: true, // stored null → its default
    });
    const c1 = await lookup('c1', 1, 'apple');
    expect(c1.values).toMatchObject({ customer_stats__visits: 2, product_sales__units_sold: 8 });
  });

  it('exports a training set equal to the brute-force point-in-time oracle', async () => {
    await writeFile(
      path.join(work, 'spine.csv'),
      [
        'customer_id,store_id,product,event_time,label',
        ...SPINE.map((r, i) => `${r.customer_id},${r.store_id},${r.product},${iso(r.t)},${i % 2}`),
      ].join('\n') + '\n',
    );
    const out = path.join(work, 'train.parquet');
    await ok(
      skewless(
        'export',
        '--service',
        'recommender',
        '--spine',
        path.join(work, 'spine.csv'),
        '--out',
        out,
      ),
    );

    const runtime = await loadRegistryFromDir(path.join(project, 'feature_defs'));
    const history = new Map<string, OfflineRecord[]>([
      [
        'customer_stats',
        oracleRecords(CUSTOMER_RECORDS, ['customer_id'], ['visits', 'last_basket']),
      ],
      [
        'product_sales',
        oracleRecords(PRODUCT_RECORDS, ['store_id', 'product'], ['units_sold', 'in_stock']),
      ],
    ]);
    const spine: OracleSpineRow[] = SPINE.map((r) => ({
      keys: { customer_id: r.customer_id, store_id: r.store_id, product: r.product },
      t: r.t,
    }));
    const expected = oraclePointInTime(runtime, 'recommender', history, spine, {
      kind: 'instant',
      at: Number.MAX_SAFE_INTEGER,
    });
    const actual = await readParquet(out);
    expect(actual).toHaveLength(SPINE.length);
    actual.forEach((row, i) => {
      for (const [output, value] of Object.entries(expected[i]!.values))
        expect(row[output], `spine row ${i}, ${output}`).toEqual(value);
      expect(row['label']).toBe(i % 2);
    });
    // The edges the spine was built for.
    expect(actual[0]!['customer_stats__visits']).toBe(1); // an event at exactly t is visible
    expect(actual[3]!['product_sales__units_sold']).toBe(0); // age == ttl: expired, default
    expect(actual[4]!['product_sales__units_sold']).toBe(3);
  });

  it('backfills older history: bad rows named by line, a rerun adds nothing, fresher online values kept', async () => {
    const file = path.join(work, 'history.jsonl');
    await writeFile(file, jsonLines(HISTORY));
    const first = await skewless('backfill', '--view', 'customer_stats', '--file', file, '--json');
    expect(first.code, first.stderr).toBe(3); // some rows refused; every other row stored
    expect(JSON.parse(first.stdout)).toMatchObject({
      read: 4,
      valid: 2,
      duplicatesInFile: 1,
      added: 2,
      alreadyStored: 0,
      materialized: { entities: 3, written: 1, kept: 2, failed: 0 },
      bad: [{ line: 4 }],
    });
    expect(first.stderr).toMatch(/1 invalid row/);

    const again = await skewless('backfill', '--view', 'customer_stats', '--file', file, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({
      added: 0,
      alreadyStored: 2,
      materialized: { written: 0, kept: 3 },
    });

    expect((await lookup('c1', 1, 'apple')).values['customer_stats__visits']).toBe(2);
    expect((await lookup('c3', 1, 'apple')).values).toMatchObject({
      customer_stats__visits: 4,
      customer_stats__last_basket: 9.5,
    });
  });

  it('materializes again and writes nothing', async () => {
    const result = JSON.parse(
      await ok(skewless('materialize', '--view', 'customer_stats', '--json')),
    ) as Record<string, number>;
    expect(result).toMatchObject({ entities: 3, written: 0, kept: 3, failed: 0 });
  });

  it('finds no skew in what it served', async () => {
    const served = await lookup('c2', 2, 'apple');
    const date = served.servedAt.slice(0, 10);
    const reports = JSON.parse(
      await ok(skewless('skew-check', '--date', date, '--json')),
    ) as SkewReport[];
    expect(reports.map((r) => r.service)).toEqual(['recommender']);
    const [report] = reports as [SkewReport];
    // No skew: every served vector (this one among them) equals its rebuild, output by output.
    expect(report.vectors).toBeGreaterThanOrEqual(1);
    expect(report.sample.whole).toBe(true);
    expect(report.verdict).toBe('ok');
    expect(report.kinds).toEqual([]);
    expect(report.alert).toBe(false);
    expect(report.outputs.map((o) => o.output)).toEqual(
      expect.arrayContaining(['customer_stats__visits']),
    );
    for (const o of report.outputs) {
      expect({ output: o.output, verdict: o.verdict, rows: o.rows }).toEqual({
        output: o.output,
        verdict: 'ok',
        rows: report.vectors,
      });
      expect({ output: o.output, matches: o.matches, rate: o.exactMatchRate }).toEqual({
        output: o.output,
        matches: report.vectors,
        rate: 1,
      });
      expect(o.nullMismatches, o.output).toBe(0);
      expect(o.skewRate, o.output).toBe(0);
    }
  });

  it('stops dev on SIGINT with nothing left running', async () => {
    const children = await run('ps', ['-o', 'pid=', '--ppid', String(dev!.pid)]);
    expect(children.stdout.trim()).toBe('');
    // Pushed just before the stop: handled and written to Parquet on the way out.
    const last = { customer_id: 'c9', event_time: iso(NOW), visits: 42 };
    await writeFile(path.join(work, 'last.jsonl'), jsonLines([last]));
    await ok(skewless('push', '--view', 'customer_stats', '--file', path.join(work, 'last.jsonl')));
    const exited = new Promise<number | null>((resolve) => dev!.once('exit', resolve));
    dev!.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(() => process.kill(dev!.pid!, 0)).toThrow();
    for (const url of [
      endpoints.lookup!,
      endpoints.dynamodb,
      endpoints.kinesis,
      endpoints.control!,
    ])
      expect(await portIsClosed(url), url).toBe(true);
    await expect(
      readFile(path.join(project, '.skewless', 'data', 'endpoints.json')),
    ).rejects.toThrow();
    const stored = await readParquet(
      path.join(project, '.skewless', 'data', 'offline', 'customer_stats_v1', '**', '*.parquet'),
    );
    expect(stored.filter((r) => r['customer_id'] === 'c9').map((r) => r['visits'])).toEqual([42]);
  });

  it('synthesizes its CDK app with its own definitions in every handler', async () => {
    await ok(run('npx', ['--no-install', 'cdk', 'synth', '--quiet'], project));
    const out = path.join(project, 'cdk.out');
    const assets = (await readdir(out)).filter((d) => d.startsWith('asset.'));
    expect(assets.length).toBeGreaterThanOrEqual(4);
    const bundles = await Promise.all(
      assets.map((a) => readFile(path.join(out, a, 'index.mjs'), 'utf8').catch(() => '')),
    );
    const handlers = bundles.filter((b) => b.length > 0);
    expect(handlers.length).toBe(4);
    for (const bundle of handlers) {
      expect(bundle).toContain('customer_stats');
      expect(bundle).not.toContain('airport_departures');
    }
  });
});

async function lookup(
  customer: string,
  store: number,
  product: string,
): Promise<{ values: Record<string, FeatureValue>; servedAt: string }> {
  const response = JSON.parse(
    await ok(
      skewless(
        'get',
        '--service',
        'recommender',
        '--entity',
        `customer_id=${customer}`,
        '--entity',
        `store_id=${store}`,
        '--entity',
        `product=${product}`,
        '--json',
      ),
    ),
  ) as LookupResponse;
  return { values: { ...response.rows[0]!.values }, servedAt: response.served_at };
}
