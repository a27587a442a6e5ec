/**
 * `npm start` (the flights example, `examples/flights/`), on the local store `skewless dev`
 * runs: while it serves, its endpoints and control URL are written and the CLI reaches it (a
 * record pushed by `skewless push` is in the next `skewless export`, which asks the store to
 * write what it holds first); its clean day passes the check; its incident day is named, with
 * the planted feature and cause, and counts that agree between headline, table and alert.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DAY_MS, runDemo, type RunningDemo, type ServedDay } from '../../examples/flights/demo.ts';
import { flightsRecords } from '../../examples/flights/data.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { readLocalEndpoints, syncLocalStore } from '../../lib/local/endpoints.ts';
import { localAlertsPath } from '../../lib/local/skew-alerts.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { decodeOnlineItem, type Item } from '../../lib/core/online-item.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { findingsHeadline, findingsOf } from '../../lib/skew/headline.ts';
import { FINDING_KINDS } from '../../lib/skew/types.ts';
import { formatReplay } from '../../lib/skew/replay-table.ts';
import * as defs from '../../feature_defs/index.ts';

const runtime = registryFromModule(defs);
const cli = (...args: string[]) => buildProgram().parseAsync(['node', 'skewless', ...args]);
let demo: RunningDemo;
let dataDir: string;
const day = (kind: ServedDay['kind']) => demo.results.days.find((d) => d.kind === kind)!;

describe('npm start (the flights example) on the local store', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-demo-'));
    // What a fresh `npm start` runs: its clean day is clean of the weather on every airport's
    // flights, not on a subset (a few airports' windows move together, and drift).
    demo = await runDemo({ runtime, dataDir });
  }, 900_000);
  afterAll(async () => {
    await demo?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs as `skewless dev` does: endpoints and control URL written, and the CLI reaches it', async () => {
    const endpoints = await readLocalEndpoints(dataDir);
    expect(endpoints).toMatchObject({ pid: process.pid, lookup: demo.store.lookup.url });
    expect(endpoints.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await syncLocalStore(dataDir)).toBe(true);

    // A record pushed from "another shell", then an export: the export first asks the store to
    // write what it holds, so it sees the record.
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const lastDay = day('incident').date;
    const records = path.join(dataDir, 'late-departure.jsonl');
    await writeFile(
      records,
      `${JSON.stringify({ origin: 'ZZZ', event_time: `${lastDay}T23:30:00.000Z`, last_delay: 42, last_destination: 'YYY', last_departed_late: true })}\n`,
    );
    await cli('push', '--view', 'airport_departures', '--file', records, '--data', dataDir);
    const spine = path.join(dataDir, 'zzz-spine.csv');
    await writeFile(
      spine,
      `origin,destination,event_time,scheduled_hour\nZZZ,YYY,${lastDay}T23:45:00.000Z,23\n`,
    );
    const out = path.join(dataDir, 'zzz.parquet');
    await cli(
      'export',
      '--service',
      'departure_delay_model',
      '--spine',
      spine,
      '--out',
      out,
      '--data',
      dataDir,
    );
    vi.restoreAllMocks();
    const reader = await demo.store.stack.duckdb.runAndReadAll(
      `SELECT airport_departures__last_delay::INTEGER AS d, airport_departures__last_destination AS dest FROM read_parquet($out)`,
      { out },
    );
    expect(reader.getRowObjectsJson()).toEqual([{ d: 42, dest: 'YYY' }]);
  });

  it('passes its clean day: no alert, every value equal to its rebuild, none stale', async () => {
    const clean = day('clean');
    expect(clean.served).toBe(500);
    const [report] = clean.skew.reports;
    expect(report!.vectors).toBe(500);
    expect(report!.alert).toBe(false);
    expect(findingsHeadline(report!)).toMatch(/^ok/);
    for (const o of report!.outputs) {
      expect(o.exactMatchRate, o.output).toBe(1);
      expect(o.staleRate, o.output).toBe(0);
      expect(findingsOf(o), o.output).toBe('ok');
    }
    expect(clean.skew.alerts).toEqual([]);
    expect((await stat(report!.reportLocation!)).size).toBeGreaterThan(1000);
  });

  it('names its incident: the rewritten feature, skew, cause unexplained, and nothing else skewed', async () => {
    const incident = day('incident');
    expect(incident.planted?.outputs).toEqual(['route_flights__distance']);
    expect(incident.planted!.items).toBeGreaterThan(10);
    const [report] = incident.skew.reports;
    expect(report!.alert).toBe(true);
    const skewed = report!.outputs.filter((o) => o.kinds.includes('skew'));
    expect(skewed.map((o) => o.output)).toEqual(['route_flights__distance']);
    const distance = skewed[0]!;
    expect(distance.causes.map((c) => c.cause)).toEqual(['unexplained']);
    expect(distance.causes[0]!.count).toBe(distance.rows - distance.matches);
    expect(distance.causes[0]!.count).toBeGreaterThan(0);
    for (const e of distance.examples) {
      expect(e.entityKey).toMatch(/^s:DEN\|/);
      // Served in kilometres, rebuilt in miles.
      expect(Number(e.served)).toBe(Math.round(Number(e.rebuilt) * 1.609344));
      expect(Date.parse(e.servedAt)).toBeGreaterThanOrEqual(
        Date.parse(`${incident.date}T06:00:00Z`),
      );
    }
    expect(report!.outputs.filter((o) => o.kinds.includes('stale'))).toEqual([]);
  });

  it('counts alike in the headline, the table and the alert (findingsOf)', async () => {
    const report = day('incident').skew.reports[0]!;
    const headline = findingsHeadline(report);
    for (const kind of FINDING_KINDS) {
      const inTable = report.outputs.filter((o) => findingsOf(o).split(', ').includes(kind)).length;
      const said = new RegExp(`${kind} in (\\d+) features?`).exec(headline);
      expect(said ? Number(said[1]) : 0, `${kind} in "${headline}"`).toBe(inTable);
    }
    const alerts = (await readFile(localAlertsPath(dataDir), 'utf8')).trim().split('\n');
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]!) as { message: string; outputs: string[] };
    expect(alert.message.split('\n')[0]!.toLowerCase()).toContain(headline.split(' (')[0]);
    expect(alert.outputs).toContain('route_flights__distance');
  });

  it('leaves the online store holding the newest record per route, except what the incident rewrote', async () => {
    const view = getView(runtime.registry, 'route_flights');
    const served = { from: demo.slice.to - 2 * DAY_MS, to: demo.slice.to + 2 * DAY_MS };
    const pushed = await flightsRecords(demo.store.stack.duckdb, view.name, served);
    const newest = new Map<string, (typeof pushed)[number]>();
    for (const r of pushed) {
      const key = encodeEntityKey(view.joinKeys, r);
      const current = newest.get(key);
      // Equal event times: the later arrival (a greater sequence number) wins.
      if (!current || Number(r.event_time) >= Number(current.event_time)) newest.set(key, r);
    }
    const stored = (await scan(demo)).filter(
      (i) => (i.sk as { S: string }).S === 'route_flights#v1',
    );
    expect(stored.length).toBe(newest.size);
    const sixAm = Date.parse(`${day('incident').date}T06:00:00Z`);
    for (const item of stored.map((i) => decodeOnlineItem(view, i))) {
      const want = newest.get(item.entityKey)!;
      // Not flown since the script ran: still in kilometres (on the demo's day, every DEN route
      // flies again after 06:00, and its flight writes miles back).
      const km = item.entityKey.startsWith('s:DEN|') && Number(want.event_time) <= sixAm;
      expect({ eventTime: item.eventTime, ...item.values }, item.entityKey).toEqual({
        eventTime: Number(want.event_time),
        distance: km ? Math.round(Number(want.distance) * 1.609344) : want.distance,
        last_delay: want.last_delay,
      });
    }
  });

  it('ends by replaying its clean day under the candidate shipped with the example (plan --replay)', () => {
    const replay = demo.results.replay!;
    expect(replay.date).toBe(day('clean').date);
    expect(replay.result.replays).toHaveLength(1);
    const r = replay.result.replays[0]!;
    expect([r.service, r.sample.checked]).toEqual(['departure_delay_model', 500]);
    const late = r.outputs.find((o) => o.output === 'airport_delays__late_7d')!;
    expect(late.change).toBe('window 7d (now 14d)');
    expect(late.matchRate).toBeLessThan(1);
    // The changed window moves its own output and the share that reads it, nothing else.
    const moved = r.outputs.filter((o) => o.matches < o.rows).map((o) => o.output);
    expect(moved.sort()).toEqual(['airport_delays__late_7d', 'late_share_7d']);
    expect(formatReplay(replay.result, replay.date)).toMatch(
      /^airport_delays__late_7d\s+window 7d \(now 14d\)\s+\d+\.\d\d%/m,
    );
  });

  it('exports one training row per spine row, in spine order, with a manifest and a baseline', async () => {
    const summary = demo.results.training!.exportSummary;
    const reader = await demo.store.stack.duckdb.runAndReadAll(
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
});

async function scan(running: RunningDemo): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await running.store.stack.dynamodb.send(
      new ScanCommand({
        TableName: running.store.stack.onlineTable,
        ExclusiveStartKey: start as never,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
