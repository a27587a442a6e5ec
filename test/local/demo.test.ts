import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type RunningDemo } from '../../lib/local/demo.ts';
import { flightsRecords } from '../../lib/local/flights-demo.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { decodeOnlineItem, type Item } from '../../lib/core/online-item.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import * as defs from '../../feature_defs/index.ts';

const runtime = registryFromModule(defs);
const DAY_MS = 86_400_000;
let demo: RunningDemo;

describe('npm start (the demo), on one day of flights', () => {
  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-demo-'));
    demo = await runDemo({ runtime, dataDir, startDay: '2001-02-01', days: 1, lookups: 60 });
  }, 300_000);
  afterAll(() => demo?.stop());

  it('leaves the online store holding the newest record per route, by the ordering rule', async () => {
    const view = getView(runtime.registry, 'route_flights');
    // Everything replayed: the history day, then the served day, each pushed in file order.
    const pushed = await flightsRecords(demo.stack.duckdb, view.name, {
      from: demo.slice.from,
      to: demo.slice.to + DAY_MS,
    });
    const newest = new Map<string, (typeof pushed)[number]>();
    for (const r of pushed) {
      const key = encodeEntityKey(view.joinKeys, r);
      const current = newest.get(key);
      // Equal event times: the later arrival (a greater sequence number) wins.
      if (!current || Number(r.event_time) >= Number(current.event_time)) newest.set(key, r);
    }
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await demo.stack.dynamodb.send(
        new ScanCommand({ TableName: demo.stack.onlineTable, ExclusiveStartKey: start as never }),
      );
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey;
    } while (start);
    const stored = items
      .filter((i) => (i.sk as { S: string }).S === 'route_flights#v1')
      .map((i) => decodeOnlineItem(view, i));
    expect(stored.length).toBe(newest.size);
    for (const item of stored) {
      const want = newest.get(item.entityKey)!;
      expect({ eventTime: item.eventTime, ...item.values }).toEqual({
        eventTime: Number(want.event_time),
        distance: want.distance,
        last_delay: want.last_delay,
      });
    }
  });

  it('exports one training row per spine row, in spine order, with a manifest and a baseline', async () => {
    const summary = demo.exportSummary;
    const reader = await demo.stack.duckdb.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, bool_and(_sk_row = rn - 1) AS ordered
       FROM (SELECT _sk_row, row_number() OVER () AS rn FROM read_parquet($out))`,
      { out: summary.out },
    );
    expect(reader.getRowObjectsJson()).toEqual([{ n: summary.rows, ordered: true }]);
    const manifest = JSON.parse(await readFile(summary.manifest, 'utf8'));
    expect(manifest).toMatchObject({
      service: 'departure_delay_model',
      registryHash: runtime.registry.hash,
      rows: summary.rows,
    });
    expect((await stat(summary.baseline)).size).toBeGreaterThan(0);
  });

  it('logs every served vector, and the skew check finds every one equal to its rebuild', async () => {
    expect(demo.served).toBe(60);
    const [report] = demo.skew.reports;
    expect(report?.vectors).toBe(60);
    expect(
      report?.decisions.filter((d) => d.metric === 'exactMatch' || d.metric === 'nullMismatch'),
    ).toEqual([]);
    for (const output of report!.outputs) expect(output.exactMatchRate).toBe(1);
    expect(report?.reportLocation).toBeDefined();
    expect((await stat(report!.reportLocation!)).size).toBeGreaterThan(1000);
  });
});
