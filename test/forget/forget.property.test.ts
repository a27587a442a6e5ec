/**
 * Forgetting on the local stack, as a property: random customers, records on every stream, a
 * bad record per customer (a dead letter carrying its payload), lookups (the inference log) and
 * a training export; then a random set of customers is forgotten. Afterwards no row of any
 * store, log, export, dead letter or audit record holds a forgotten key in any spelling; every
 * other row is byte-for-byte what it was; and replaying every stream from its start brings
 * nothing back (forgotten records are refused as `forgotten`, with no payload), while the other
 * entities' rows stay as they were (offline duplicates of a replay aside, which reads drop).
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { runLocalExport } from '../../lib/export/run.ts';
import { forgetKeyOf } from '../../lib/forget/keys.ts';
import { localForgetDeps } from '../../lib/forget/local-deps.ts';
import { runForget } from '../../lib/forget/run.ts';
import { readLocalDeadLetters } from '../../lib/local/dead-letter.ts';
import { KinesisPoller, localLambdaContext } from '../../lib/local/kinesis-poller.ts';
import { startLocalFeatureStore, type LocalFeatureStore } from '../../lib/local/store.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { streamsOf } from '../../lib/registry/query.ts';
import * as defs from './defs.ts';
import { mentions, storeRows, type StoreRows } from './scan.ts';

const runtime = registryFromModule(defs);
const T0 = Date.UTC(2026, 0, 10);
const MIN = 60_000;

const scenario = fc.record({
  ids: fc.uniqueArray(fc.stringMatching(/^[a-z|'"\\]{5}$/), { minLength: 3, maxLength: 5 }),
  records: fc.array(
    fc.record({
      view: fc.constantFrom(
        'customer_profile',
        'customer_device',
        'customer_spend',
        'device_stats',
      ),
      who: fc.nat(4),
      device: fc.nat(3),
      minute: fc.integer({ min: 0, max: 600 }),
      n: fc.integer({ min: 0, max: 99 }),
    }),
    { minLength: 10, maxLength: 40 },
  ),
  lookups: fc.array(fc.record({ who: fc.nat(4), device: fc.nat(3) }), { maxLength: 6 }),
  forget: fc.uniqueArray(fc.nat(4), { minLength: 1, maxLength: 3 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function recordOf(r: Scenario['records'][number], id: string): Record<string, unknown> {
  const base = { event_time: new Date(T0 + r.minute * MIN).toISOString() };
  switch (r.view) {
    case 'customer_profile':
      return { ...base, customer_id: id, city: `city-${r.n}`, age: r.n };
    case 'customer_device':
      return { ...base, customer_id: id, device_id: r.device, sessions: r.n };
    case 'customer_spend':
      return { ...base, customer_id: id, amount: r.n / 4 };
    default:
      return { ...base, device_id: r.device, battery: r.n / 100 };
  }
}

async function populate(store: LocalFeatureStore, s: Scenario, ids: string[], dataDir: string) {
  for (const r of s.records) await store.push(r.view, [recordOf(r, ids[r.who % ids.length]!)]);
  // A record the stream refuses: its dead letter carries the payload, key included.
  const bad = ids.map((id) => ({
    customer_id: id,
    event_time: new Date(T0).toISOString(),
    age: 'x',
  }));
  await store.stack.kinesis.send(
    new (await import('@aws-sdk/client-kinesis')).PutRecordsCommand({
      StreamName: sourceStreamName(store.stack.names, 'customer_profile'),
      Records: bad.map((b) => ({ PartitionKey: 'p', Data: Buffer.from(JSON.stringify(b)) })),
    }),
  );
  for (const l of s.lookups)
    await fetch(`${store.lookup.url}/features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        service: 'churn_model',
        entities: [{ customer_id: ids[l.who % ids.length], device_id: l.device }],
      }),
    });
  await store.sync();
  const spine = path.join(dataDir, 'spine.csv');
  await writeFile(
    spine,
    `customer_id,device_id,event_time\n${ids.map((id, i) => `${csvField(id)},${i % 4},${new Date(T0 + 700 * MIN).toISOString()}`).join('\n')}\n`,
  );
  return spine;
}

/** A CSV field as RFC 4180 quotes it (a backslash is no escape in CSV: JSON's would be kept). */
function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/**
 * Rows not mentioning any of `ids`, per place that holds rows: tombstones, the audit trail and
 * the exports' manifests and baselines (rewritten by design, to record the forget) aside.
 */
function othersOf(rows: StoreRows, ids: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [place, list] of rows) {
    if (place.startsWith('forget') || place === 'exports:docs') continue;
    const kept = list.filter((t) => !mentions(t, ids) && !t.includes('_sk#forgotten#'));
    if (kept.length > 0) out[place] = kept;
  }
  return out;
}

/**
 * The rows as a replay can leave them: offline, a replayed record is appended again with the
 * same record id and a later `ingested_at` (reads keep one copy per id), so each place is
 * compared as a set, offline rows without their `ingested_at`.
 */
function distinct(rows: Record<string, string[]>): Record<string, string[]> {
  const strip = (place: string, t: string) =>
    place.startsWith('offline/') ? t.replace(/"ingested_at":"[^"]*",?/, '') : t;
  return Object.fromEntries(
    Object.entries(rows).map(([p, l]) => [p, [...new Set(l.map((t) => strip(p, t)))].sort()]),
  );
}

async function replayStreams(store: LocalFeatureStore): Promise<void> {
  const context = localLambdaContext('replay');
  const poller = new KinesisPoller({
    kinesis: store.stack.kinesis,
    streams: streamsOf(runtime.registry).map((s) => sourceStreamName(store.stack.names, s)),
    batchSize: 7,
    handler: (event) => store.ingest.handler(event, context),
  });
  await poller.drain();
  await store.sync();
}

describe('forget on the local stack', () => {
  it('leaves no trace of the forgotten keys and every other row as it was, replays included', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // The index anchors each id: no id's text form can then lie inside another's (the
        // drawn characters hold no digit), so the scan's substring match flags only its own.
        const ids = s.ids.map((x, i) => `cust${i}_${x}`);
        const gone = [...new Set(s.forget.map((i) => ids[i % ids.length]!))];
        const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-forget-'));
        let now = T0 + 700 * MIN;
        const store = await startLocalFeatureStore({
          runtime,
          dataDir,
          clock: () => now,
          writeEndpoints: false,
        });
        const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
        const duckdb = await instance.connect();
        await duckdb.run(`SET TimeZone = 'UTC'`);
        try {
          const spine = await populate(store, s, ids, dataDir);
          await mkdir(path.join(dataDir, 'exports'), { recursive: true });
          await runLocalExport(
            { duckdb, runtime, dataDir, clock: () => now },
            {
              spineFile: spine,
              service: 'churn_model',
              out: path.join(dataDir, 'exports', 'train.parquet'),
              exportId: 'train',
            },
          );
          const scan = () =>
            storeRows(dataDir, duckdb, store.stack.dynamodb, store.stack.onlineTable);
          const before = othersOf(await scan(), gone);
          expect([...(await scan()).values()].flat().some((t) => mentions(t, gone))).toBe(true);

          now += 10 * MIN;
          const deps = localForgetDeps({
            registry: runtime.registry,
            dataDir,
            duckdb,
            dynamodb: store.stack.dynamodb,
            onlineTable: store.stack.onlineTable,
            settle: () => store.sync(),
            clock: () => now,
          });
          const keys = gone.map((id) => forgetKeyOf(runtime.registry, { customer_id: id }));
          const { record } = await runForget(deps, {
            keys,
            requestedBy: 'property-test',
            rewriteExports: true,
          });
          expect(record.keys.map((k) => k.keySha256).sort()).toEqual(
            keys.map((k) => k.hash).sort(),
          );

          const after = await scan();
          const leaks = [...after].flatMap(([p, l]) =>
            l.filter((t) => mentions(t, gone)).map((t) => `${p}: ${t}`),
          );
          expect(leaks).toEqual([]);
          expect(othersOf(after, gone)).toEqual(before);

          // A rerun finds nothing left: it removes nothing and keeps the others as they are.
          const again = await runForget(deps, { keys, requestedBy: 'rerun', rewriteExports: true });
          const removedAgain = Object.values(again.record.removed).flatMap((c) => Object.values(c));
          expect(removedAgain.every((n) => n === 0)).toBe(true);

          now += 10 * MIN;
          await replayStreams(store);
          const replayed = await scan();
          expect([...replayed.values()].flat().filter((t) => mentions(t, gone))).toEqual([]);
          const othersReplayed = othersOf(replayed, gone);
          expect(othersReplayed.online).toEqual(before.online);
          const { ['dead-letter']: _l, ...kept } = distinct(othersReplayed);
          const { ['dead-letter']: _b, ...keptBefore } = distinct(before);
          expect(kept).toEqual(keptBefore);
          const letters = await readLocalDeadLetters(dataDir);
          const forgottenLetters = letters.filter((l) => l.reason === 'forgotten');
          const expected = s.records.filter(
            (r) => r.view !== 'device_stats' && gone.includes(ids[r.who % ids.length]!),
          ).length;
          // Each forgotten record is refused on replay (and the bad ones before parsing fail).
          expect(forgottenLetters.length).toBeGreaterThanOrEqual(expected);
          for (const l of forgottenLetters) expect(l.data_base64 + l.partition_key).toBe('');
        } finally {
          duckdb.closeSync();
          instance.closeSync();
          await store.stop();
          await rm(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 600_000);
});
