/** The one literal encoder: whatever goes in comes back unchanged from DuckDB. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaDialect, duckdbDialect } from '../../lib/sql/dialect.ts';
import {
  numberLiteral,
  quoteIdentifier,
  SqlLiteralError,
  stringLiteral,
  timestampLiteral,
  valueLiteral,
} from '../../lib/sql/literals.ts';

describe('literal encoder', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });
  const one = async (sql: string) => (await duckdb.runAndReadAll(sql)).getRowsJS()[0]?.[0];

  it('round-trips any string without NUL, quotes and backslashes included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        async (s) => {
          expect(await one(`SELECT ${stringLiteral(s)}`)).toBe(s);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips any identifier as a column name', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('\0')),
        async (s) => {
          const reader = await duckdb.runAndReadAll(`SELECT 1 AS ${quoteIdentifier(s)}`);
          expect(reader.columnNames()).toEqual([s]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips any finite double exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (x) => {
        const back = await one(`SELECT ${valueLiteral(x, 'float64', duckdbDialect)}`);
        expect(Object.is(back, x) || (x === 0 && back === 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips instants to the millisecond', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -30_000_000_000_000, max: 250_000_000_000_000 }),
        async (ms) => {
          const back = (await one(`SELECT ${timestampLiteral(ms)}`)) as Date;
          expect(back.getTime()).toBe(ms);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses what it cannot encode, naming the value', () => {
    expect(() => stringLiteral('a\0b')).toThrow(SqlLiteralError);
    expect(() => quoteIdentifier('')).toThrow(SqlLiteralError);
    expect(() => numberLiteral(Number.NaN)).toThrow(/not finite/);
    expect(() => numberLiteral(2 ** 60, 'int64')).toThrow(/not a safe integer/);
    expect(() => timestampLiteral(1.5)).toThrow(/epoch ms/);
    expect(() => valueLiteral('x', 'int64', duckdbDialect)).toThrow(/"x" is not a int64/);
  });

  it('spells typed values in each dialect', () => {
    expect(valueLiteral(null, 'float64_list', athenaDialect)).toBe('CAST(NULL AS array(double))');
    expect(valueLiteral([1, 2.5], 'float64_list', duckdbDialect)).toBe(
      'CAST([1E+0, 2.5E+0] AS DOUBLE[])',
    );
    expect(valueLiteral([1], 'float64_list', athenaDialect)).toBe(
      'CAST(ARRAY[1E+0] AS array(double))',
    );
    expect(valueLiteral('2001-01-01T00:00:00Z', 'timestamp', athenaDialect)).toBe(
      "TIMESTAMP '2001-01-01 00:00:00.000'",
    );
    expect(valueLiteral("it's", 'string', athenaDialect)).toBe("'it''s'");
    expect(athenaDialect.interval(90_061_001)).toBe("INTERVAL '1 01:01:01.001' DAY TO SECOND");
    expect(duckdbDialect.interval(90_061_001)).toBe("INTERVAL '90061001 milliseconds'");
  });
});
