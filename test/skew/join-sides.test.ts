/** The comparison's optimizer switch is scoped: the connection's own setting comes back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { withJoinSidesAsWritten } from '../../lib/skew/rebuilds.ts';

let instance: DuckDBInstance;
let duckdb: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
});
afterAll(() => {
  duckdb.closeSync();
  instance.closeSync();
});

async function disabled(): Promise<string> {
  const reader = await duckdb.runAndReadAll(`SELECT current_setting('disabled_optimizers') AS v`);
  return String(reader.getRowObjectsJson()[0]?.v);
}

describe('withJoinSidesAsWritten', () => {
  it('turns the side swap off inside, and restores nothing when nothing was set', async () => {
    const inside = await withJoinSidesAsWritten(duckdb, disabled);
    expect(inside).toBe('build_side_probe_side');
    expect(await disabled()).toBe('');
  });

  it("keeps the caller's own list, and restores it when the step fails", async () => {
    await duckdb.run(`SET disabled_optimizers = 'top_n'`);
    await expect(
      withJoinSidesAsWritten(duckdb, async () => {
        expect((await disabled()).split(',').sort()).toEqual(['build_side_probe_side', 'top_n']);
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    expect(await disabled()).toBe('top_n');
  });
});
