import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../lib/cli/program.ts';
import { CliError } from '../../lib/cli/context.ts';
import { writeLocalEndpoints } from '../../lib/local/endpoints.ts';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import type { LocalStack } from '../../lib/local/stack.ts';
import { tileItemFor, putItems, runtime, T0, withStack } from './fixtures.ts';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let lookup: LocalLookup;

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  lookup = await startLocalLookup({ stack, runtime, clock: () => T0 });
  await writeLocalEndpoints(stack.dataDir, {
    ...stack.endpoints,
    lookup: lookup.url,
    prefix: stack.names.prefix,
    pid: process.pid,
  });
  await putItems(stack, [
    tileItemFor(
      'airport_delays',
      { origin: 'SFO' },
      [
        { eventTime: T0 - 90_000, values: { delay: 5, distance: 337 } },
        { eventTime: T0 - 120_000, values: { delay: 10, distance: 337 } },
      ],
      T0 - 1,
    ),
  ]);
});

afterAll(async () => {
  await lookup?.close();
  await cleanup?.();
});

async function run(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    await buildProgram().parseAsync(['node', 'skewless', 'get', '--data', stack.dataDir, ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

describe('skewless get', () => {
  it('prints the vector of one entity row as a table of value, status and age', async () => {
    const out = await run(
      '--service',
      'departure_delay_model',
      '--entity',
      'origin=SFO',
      '--entity',
      'destination=LAX',
      '--request',
      'scheduled_hour=19',
    );
    expect(out).toMatch(/keys: origin=SFO destination=LAX/);
    expect(out).toMatch(/airport_delays__dep_delay_mean_1h\s+7\.5\s+present\s+1\.5 min/);
    expect(out).toMatch(/route_flights__distance\s+null\s+missing\s+-/);
    expect(out).toMatch(/evening_departure\s+true\s+\(transform\)/);
  });

  it('prints the response as JSON with --json', async () => {
    const out = await run(
      '--service',
      'departure_delay_model',
      '--entity',
      'origin=SFO',
      '--entity',
      'destination=LAX',
      '--json',
    );
    const json = JSON.parse(out);
    expect(json.rows[0].values.airport_delays__flights_24h).toBe(2);
    expect(json.served_at).toBe(new Date(T0).toISOString());
  });

  it('refuses a missing join key before calling the server', async () => {
    await expect(
      run('--service', 'departure_delay_model', '--entity', 'origin=SFO'),
    ).rejects.toThrow(CliError);
    await expect(
      run('--service', 'departure_delay_model', '--entity', 'origin=SFO'),
    ).rejects.toThrow(/missing --entity for join key\(s\): destination/);
  });
});
