/**
 * `skewless plan --replay DATE` end to end through the CLI: a definitions folder holding a
 * candidate of the flights example and the applied registry, a data folder holding a day served
 * under the applied one. The table is printed; a change past the thresholds exits 3, none exits 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/context.ts';
import { flightsRuntime, type FlightsChanges } from './fixtures/flights-defs.ts';
import { runPlan, writeDefsFolder } from './fixtures/cli.ts';
import { buildReplayWorld, DAY } from './fixtures/world.ts';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'skewless-replay-cli-'));
  dataDir = path.join(root, 'data');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  try {
    await buildReplayWorld(duckdb, dataDir, flightsRuntime(), { vectors: 200 });
  } finally {
    duckdb.closeSync();
    instance.closeSync();
  }
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function defsFolder(name: string, changes: FlightsChanges): Promise<string> {
  return writeDefsFolder(path.join(root, name), changes);
}

const plan = (args: string[]) => runPlan(['--data', dataDir, ...args]);

describe('skewless plan --replay', () => {
  it('prints the table and exits 3 when a change crosses the thresholds', async () => {
    const defs = await defsFolder('ttl', { departuresTtl: '1h' });
    const r = await plan(['--defs', defs, '--replay', DAY]);
    expect(r.err).toMatch(/cross the thresholds of departure_delay_model/);
    expect(r.exit).toBe(EXIT.refused);
    expect(r.out).toMatch(/ttl 2h .*→|ttl changed/);
    expect(r.out).toMatch(/Replay of 2026-03-15, departure_delay_model: 200 logged vectors/);
    expect(r.out).toMatch(/^output\s+change\s+match\s+mean \|Δ\|/m);
    expect(r.out).toMatch(/^airport_departures__last_delay\s+ttl 2h \(now 1h\)\s+\d+\.\d\d%/m);
    expect(r.out).toMatch(/e\.g\. airport_departures__last_delay of s:\w+\|s:\w+ at /);
    expect(r.out).toMatch(/Report: .*replay\/2026-03-15\/departure_delay_model\.html/);
  }, 60_000);

  it('exits 0 when nothing changes, and refuses a bad day or no applied registry', async () => {
    const defs = await defsFolder('same', {});
    const same = await plan(['--defs', defs, '--replay', DAY]);
    expect(same.exit).toBe(EXIT.ok);
    expect(same.out).toMatch(/no service's outputs change; nothing to replay/);
    const named = await plan([
      '--defs',
      defs,
      '--replay',
      DAY,
      '--service',
      'departure_delay_model',
    ]);
    expect(named.exit).toBe(EXIT.ok);
    expect(named.out).toMatch(/Within the service's thresholds/);
    const bad = await plan(['--defs', defs, '--replay', '2026-13-01']);
    expect(bad.exit).toBe(EXIT.usage);
    const none = await plan(['--defs', defs, '--replay', '2026-03-16']);
    expect([none.exit, none.err]).toEqual([EXIT.usage, expect.stringMatching(/no inference logs/)]);
  }, 60_000);
});
