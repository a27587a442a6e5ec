import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../lib/cli/program.ts';
import { EXIT } from '../../lib/cli/context.ts';
import * as definitions from './fixtures/flights-v1/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { skewCheckTarget } from '../../lib/skew/event.ts';
import { buildWorld, DAY, writeTrainingBaseline, type Plants } from './fixtures/world.ts';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A data folder holding a (planted) day served under the fixture's flights definitions. */
async function dataFolder(plants: Plants): Promise<{ dataDir: string; baseline: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-cli-skew-'));
  dirs.push(dataDir);
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  const runtime = registryFromModule(definitions as Record<string, unknown>);
  await buildWorld(duckdb, dataDir, runtime, { plants });
  const baseline = await writeTrainingBaseline(duckdb, dataDir, runtime);
  duckdb.closeSync();
  instance.closeSync();
  return { dataDir, baseline };
}

async function skewCheck(args: string[]): Promise<{ exit: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((t: string) => void out.push(String(t)));
  vi.spyOn(console, 'error').mockImplementation((t: string) => void err.push(String(t)));
  let exit: number = EXIT.ok;
  try {
    await buildProgram().parseAsync([
      'node',
      'skewless',
      'skew-check',
      '--defs',
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'flights-v1'),
      ...args,
    ]);
  } catch (error) {
    exit = (error as { exitCode?: number }).exitCode ?? EXIT.failure;
    err.push((error as Error).message);
  }
  return { exit, out: out.join('\n'), err: err.join('\n') };
}

describe('skewless skew-check', () => {
  it('exits 0 on a clean day and prints the summary with the report path', async () => {
    const { dataDir, baseline } = await dataFolder({});
    const r = await skewCheck(['--date', DAY, '--data', dataDir, '--baseline', baseline]);
    expect(r.exit).toBe(EXIT.ok);
    expect(r.out).toContain(
      `skew-check departure_delay_model ${DAY}: 1500 vectors: ok\nsample: whole day, 1,500 vectors\n`,
    );
    expect(r.out).toContain(
      `report: ${path.join(dataDir, 'skew', 'reports', DAY, 'departure_delay_model.html')}`,
    );
  });

  it('exits 3 when an alert was raised, naming the service', async () => {
    const { dataDir, baseline } = await dataFolder({ imputeNulls: true });
    const r = await skewCheck([
      '--date',
      DAY,
      '--data',
      dataDir,
      '--service',
      'departure_delay_model',
      '--baseline',
      baseline,
    ]);
    expect(r.exit).toBe(EXIT.refused);
    expect(r.out).toMatch(/vectors: ALERT: skew in 1 feature/);
    expect(r.out).toMatch(/airport_hourly__late_share_1h .* skew, drift {2}unexplained \d+/);
    expect(r.err).toContain('skew alert raised for departure_delay_model');
  });

  it('exits 2 on a day without logs, or a date that is not one', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-cli-skew-'));
    dirs.push(dataDir);
    const none = await skewCheck(['--date', '2001-01-01', '--data', dataDir]);
    expect(none.exit).toBe(EXIT.usage);
    expect(none.err).toContain('no inference logs for 2001-01-01');
    const bad = await skewCheck(['--date', '03/02/2001', '--data', dataDir]);
    expect(bad.exit).toBe(EXIT.usage);
    expect(bad.err).toContain('--date must be a UTC day YYYY-MM-DD');
  });
});

describe('the Lambda event', () => {
  it('checks the UTC day before a scheduled event, even when retried later', () => {
    expect(
      skewCheckTarget({ time: '2001-03-03T03:00:00Z' }, Date.parse('2001-03-04T10:00:00Z')),
    ).toEqual({
      date: '2001-03-02',
    });
  });

  it('takes an explicit date and services, and rejects a malformed date', () => {
    expect(skewCheckTarget({ date: '2001-02-28', services: ['s'] }, 0)).toEqual({
      date: '2001-02-28',
      services: ['s'],
    });
    expect(skewCheckTarget(undefined, Date.parse('2001-03-01T00:30:00Z'))).toEqual({
      date: '2001-02-28',
    });
    expect(() => skewCheckTarget({ date: '2001-2-28' }, 0)).toThrow(/YYYY-MM-DD/);
  });
});
