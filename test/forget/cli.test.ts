/**
 * `skewless forget` against a running local store (as `skewless dev` runs it): the audit it
 * prints, bulk keys from a file, a rerun that removes nothing, and the usage errors (exit 2)
 * that name what is wrong.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { CliError, EXIT } from '../../lib/cli/context.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import type { AuditRecord } from '../../lib/forget/audit.ts';
import { startLocalFeatureStore, type LocalFeatureStore } from '../../lib/local/store.ts';
import { registryFromModule } from '../../lib/registry/load.ts';

const runtime = registryFromModule(defs);
let dir: string;
let store: LocalFeatureStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-forget-cli-'));
  store = await startLocalFeatureStore({ runtime, dataDir: dir });
  const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  await store.push(
    'airport_departures',
    ['SFO', 'LAX', 'BOS', 'ORD'].map((origin, i) => ({
      origin,
      event_time: at(i + 1),
      last_delay: i,
    })),
  );
});
afterAll(async () => {
  vi.restoreAllMocks();
  await store?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function forget(...args: string[]): Promise<AuditRecord> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
  try {
    await buildProgram().parseAsync([
      'node',
      'skewless',
      'forget',
      '--data',
      dir,
      '--json',
      ...args,
    ]);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(lines.join('\n')) as AuditRecord;
}

async function refused(...args: string[]): Promise<CliError> {
  const error = await forget(...args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('skewless forget', () => {
  it('forgets one entity, prints its audit, and a rerun removes nothing', async () => {
    const record = await forget('--entity', 'origin=SFO', '--requested-by', 'dpo@example.com');
    expect(record.requestedBy).toBe('dpo@example.com');
    expect(record.removed.online).toEqual({ 'airport_departures#v1': 1 });
    expect(record.removed.offline).toEqual({ airport_departures_v1: 1 });
    expect(JSON.stringify(record)).not.toContain('SFO');
    const again = await forget('--entity', 'origin=SFO');
    expect(Object.values(again.removed.offline!)).toEqual([]);
  }, 60_000);

  it('reads bulk keys from JSON lines and CSV', async () => {
    const jsonl = path.join(dir, 'keys.jsonl');
    await writeFile(jsonl, '{"origin":"LAX"}\n\n{"origin":"BOS"}\n');
    const fromJson = await forget('--keys', jsonl);
    expect(fromJson.keys).toHaveLength(2);
    expect(fromJson.removed.offline).toEqual({ airport_departures_v1: 2 });
    const csv = path.join(dir, 'keys.csv');
    await writeFile(csv, 'origin\nORD\n');
    expect((await forget('--keys', csv)).removed.online).toEqual({ 'airport_departures#v1': 1 });
  }, 60_000);

  it('refuses keys that are not one entity’s full key, naming the entities', async () => {
    const partial = await refused('--entity', 'destination=LAX');
    expect(partial.exitCode).toBe(EXIT.usage);
    expect(partial.message).toMatch(/not the keys of one entity.*airport: origin \(string\)/);
    expect((await refused()).message).toMatch(/--entity KEY=VALUE or --keys FILE/);
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"origin":"SFO"}\n{"origin":7}\n');
    expect((await refused('--keys', bad)).message).toMatch(/bad\.jsonl line 2: .*origin/);
  }, 60_000);
});
