/**
 * The tie-break of the point-in-time pick, by example: records of one entity at one event time
 * go to the greatest record id whatever order they are stored in. The `duckdb-asof` shape orders
 * records by an `(event_time, 0, record_id)` struct and DuckDB's ASOF JOIN takes an arbitrary one
 * of equal keys (the last stored, here), so every storage order of the tied records is tried.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { duckdbAsofDialect, duckdbDialect } from '../../lib/sql/dialect.ts';
import { stringLiteral, timestampLiteral } from '../../lib/sql/literals.ts';
import { buildPointInTimePlan } from '../../lib/sql/plan.ts';
import { renderPointInTimeSql } from '../../lib/sql/render.ts';
import * as defs from '../export/synthetic-defs.ts';

const runtime = compileRegistry(collectDefinitions(defs));
const T0 = Date.parse('2001-01-01T12:00:00.000Z');

type Rec = [a: number, b: string, ms: number, rid: string, amount: number, note: string | null];
const TIED: Rec[] = [
  [1, 'x', 0, 's0:0002', 2, 'n2'],
  [1, 'x', 0, 's0:0010', 10, 'n10'],
  [1, 'x', 0, 's0:0001', 1, 'n1'],
];
const OTHERS: Rec[] = [
  [1, 'x', 0, 's0:0010', 10, 'n10'], // a duplicate delivery of the winner
  [1, 'x', 1, 's0:0000', 0.5, null], // newer, with the smallest record id
  [2, 'x', 0, 's0:0005', 5, 'n5'],
];

/** [a, b, t offset in ms] → [pair_stats__amount, pair_stats__note, status]. */
const EXPECTED: [number | null, string, number, [number | null, string, string]][] = [
  [1, 'x', -1, [null, 'none', 'missing']],
  [1, 'x', 0, [10, 'n10', 'present']], // exactly at t: visible; the tie to the greatest id
  [1, 'x', 1, [0.5, 'none', 'present']], // a null value takes the default
  [1, 'x', 9, [null, 'none', 'expired']], // ttl 8 ms: the value is 8 ms old at t
  [2, 'x', 0, [5, 'n5', 'present']],
  [1, 'y', 0, [null, 'none', 'missing']],
  [null, 'x', 0, [null, 'none', 'missing']],
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

async function createHistory(duckdb: DuckDBConnection, records: readonly Rec[]): Promise<void> {
  const rows = records.map(
    ([a, b, ms, rid, amount, note]) =>
      `(${a}, ${stringLiteral(b)}, ${amount}, ${note === null ? 'NULL' : stringLiteral(note)}, 7, ${timestampLiteral(T0 + ms)}, ${timestampLiteral(T0 + ms)}, ${stringLiteral(rid)})`,
  );
  await duckdb.run(
    `CREATE OR REPLACE TABLE hist (a BIGINT, b VARCHAR, amount DOUBLE, note VARCHAR, unused BIGINT, event_time TIMESTAMP, ingested_at TIMESTAMP, record_id VARCHAR)`,
  );
  // One INSERT per row keeps the storage order the test chose.
  for (const row of rows) await duckdb.run(`INSERT INTO hist VALUES ${row}`);
}

describe('the point-in-time tie-break', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    const spine = EXPECTED.map(
      ([a, b, ms], i) =>
        `(${i}, ${a ?? 'NULL'}, ${stringLiteral(b)}, ${timestampLiteral(T0 + ms)})`,
    );
    await duckdb.run(
      `CREATE TABLE spine AS SELECT * FROM (VALUES ${spine.join(', ')}) AS s(_sk_row, a, b, event_time)`,
    );
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });

  it('picks the greatest record id among records at one event time, in any storage order', async () => {
    const plan = buildPointInTimePlan(runtime.registry, 'svc_plain', {
      timeColumn: 'event_time',
      asOf: { kind: 'instant', at: T0 + 100 },
    });
    for (const tied of permutations(TIED)) {
      for (const records of [
        [...tied, ...OTHERS],
        [...OTHERS, ...tied],
      ]) {
        await createHistory(duckdb, records);
        for (const dialect of [duckdbDialect, duckdbAsofDialect]) {
          const sql = renderPointInTimeSql(plan, dialect, { spine: 'spine', view: () => 'hist' });
          const reader = await duckdb.runAndReadAll(
            `SELECT pair_stats__amount, pair_stats__note, pair_stats__amount__status FROM (${sql}) ORDER BY _sk_row`,
          );
          expect({ dialect: dialect.name, records, rows: reader.getRows() }).toEqual({
            dialect: dialect.name,
            records,
            rows: EXPECTED.map(([, , , row]) => row),
          });
        }
      }
    }
  });
});
