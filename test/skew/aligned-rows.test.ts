/**
 * The check joins served, rebuilt and transformed rows by position (`alignedRows`): a rebuild that
 * lost, repeated or reordered a row must stop the check with an error naming how many rows are
 * off, never compare one vector's served values with another vector's rebuild.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignedRows, SkewCheckError, TABLES } from '../../lib/skew/rebuilds.ts';
import { getService } from '../../lib/registry/query.ts';
import { flightsRuntime, SERVICE } from './fixtures/defs.ts';

const service = getService(flightsRuntime().registry, SERVICE);
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  duckdb = await instance.connect();
});
afterAll(() => {
  duckdb.closeSync();
  instance.closeSync();
});

/** The three tables, each a list of log ids in stored order. */
async function tables(served: number[], rebuilt: number[], transformed: number[]): Promise<void> {
  const create = async (name: string, ids: number[]) =>
    duckdb.run(
      `CREATE OR REPLACE TABLE ${name} AS
       SELECT CAST(unnest AS BIGINT) AS _sk_row FROM unnest([${ids.join(', ')}]::BIGINT[])`,
    );
  await create(TABLES.served, served);
  await create(TABLES.mainRebuilt, rebuilt);
  await create(TABLES.transformed, transformed);
}

describe('alignedRows', () => {
  it('joins rows whose log ids line up', async () => {
    await tables([0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]);
    const relation = await alignedRows(duckdb, service, 4);
    const reader = await duckdb.runAndReadAll(
      `SELECT l._sk_row AS s, r._sk_row AS r, t._sk_row AS t FROM ${relation}`,
    );
    expect(reader.getRowObjectsJson()).toEqual(
      [0, 1, 2, 3].map((i) => ({ s: String(i), r: String(i), t: String(i) })),
    );
  });

  it.each([
    ['a lost row', [0, 1, 3], [0, 1, 2, 3], '2 of 4 rows'],
    ['a repeated row', [0, 1, 1, 3], [0, 1, 2, 3], '1 of 4 rows'],
    ['swapped rows', [0, 2, 1, 3], [0, 1, 2, 3], '2 of 4 rows'],
    ['a transform row out of place', [0, 1, 2, 3], [1, 0, 2, 3], '2 of 4 rows'],
  ])('refuses %s, naming how many rows are off', async (_name, rebuilt, transformed, off) => {
    await tables([0, 1, 2, 3], rebuilt, transformed);
    const error = await alignedRows(duckdb, service, 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkewCheckError);
    expect((error as Error).message).toContain(`(${off} differ in log id)`);
  });

  it('refuses a served table that does not hold every vector', async () => {
    await tables([0, 1, 2], [0, 1, 2], [0, 1, 2]);
    await expect(alignedRows(duckdb, service, 4)).rejects.toThrow(/line up with the 4 served/);
  });
});
