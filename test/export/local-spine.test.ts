/** How `exportPointInTimeLocal` numbers, validates and passes through the spine it is given. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { SpineError } from '../../lib/export/errors.ts';
import {
  exportPointInTimeLocal,
  type LocalPointInTimeRequest,
} from '../../lib/export/point-in-time.ts';
import * as defs from './synthetic-defs.ts';
import { writeOfflineRecords } from './offline-fixture.ts';

const runtime = compileRegistry(collectDefinitions(defs));
const T0 = Date.parse('2001-03-01T00:00:00.000Z');

describe('exportPointInTimeLocal spines', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let dataDir: string;
  const base: Omit<LocalPointInTimeRequest, 'spineTable'> = {
    service: 'svc_plain',
    timeColumn: 't',
    asOf: { kind: 'instant', at: T0 + 10_000 },
    into: 'out',
  };
  const run = (request: Partial<LocalPointInTimeRequest> & { spineTable: string }) =>
    exportPointInTimeLocal({ duckdb, dataDir, runtime }, { ...base, ...request });
  const rows = async () => (await duckdb.runAndReadAll('SELECT * FROM out')).getRowObjectsJS();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-spines-'));
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await writeOfflineRecords(duckdb, dataDir, getView(runtime.registry, 'pair_stats'), [
      {
        keys: { a: 1, b: 'x' },
        values: { amount: 2.5, note: null, unused: 1 },
        eventTime: T0,
        ingestedAt: T0,
        recordId: 'r1',
      },
    ]);
    await duckdb.run(
      `CREATE TABLE s (a BIGINT, b VARCHAR, t TIMESTAMP, served TIMESTAMP, label VARCHAR)`,
    );
    await duckdb.run(`INSERT INTO s VALUES
      (1, 'x', TIMESTAMP '2001-03-01 00:00:00.005', TIMESTAMP '2001-03-01 00:00:00', 'first'),
      (2, 'x', TIMESTAMP '2001-03-01 00:00:00.005', NULL, 'second'),
      (1, 'x', TIMESTAMP '2001-03-01 00:00:00.002', NULL, 'third')`);
  });
  afterAll(async () => {
    duckdb.closeSync();
    instance.closeSync();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('numbers rows from 0 in table order and passes every spine column through', async () => {
    expect(await run({ spineTable: 's' })).toEqual({ rows: 3 });
    const out = await rows();
    expect(
      out.map((r) => [r['_sk_row'], r['label'], r['pair_stats__amount'], r['pair_stats__note']]),
    ).toEqual([
      [0n, 'first', 2.5, 'none'],
      [1n, 'second', null, 'none'],
      [2n, 'third', 2.5, 'none'],
    ]);
    expect(Object.keys(out[0]!)).toEqual([
      'a',
      'b',
      't',
      'served',
      'label',
      '_sk_row',
      'pair_stats__amount',
      'pair_stats__note',
      'pair_stats__amount__status',
      'pair_stats__note__status',
    ]);
    // pair_stats ttl is 8 ms: the record at T0 is fresh at +5 ms.
    expect(out.map((r) => r['pair_stats__amount__status'])).toEqual([
      'present',
      'missing',
      'present',
    ]);
  });

  it('reads a view as the spine, and keeps a given _sk_row', async () => {
    await duckdb.run(`CREATE OR REPLACE VIEW sv AS SELECT *, 100 - rowid AS _sk_row FROM s`);
    await run({ spineTable: 'sv' });
    expect((await rows()).map((r) => [r['_sk_row'], r['label']])).toEqual([
      [98n, 'third'],
      [99n, 'second'],
      [100n, 'first'],
    ]);
  });

  it('renumbers from 0 when the spine table has deleted rows', async () => {
    await duckdb.run(`CREATE OR REPLACE TABLE s2 AS SELECT * FROM s`);
    await duckdb.run(`DELETE FROM s2 WHERE label = 'first'`);
    await run({ spineTable: 's2' });
    expect((await rows()).map((r) => [r['_sk_row'], r['label']])).toEqual([
      [0n, 'second'],
      [1n, 'third'],
    ]);
  });

  it('limits each row to records ingested by its own as-of column', async () => {
    await run({ spineTable: 's', asOf: { kind: 'column', column: 'served' } });
    // Row 0 was served at T0: the record ingested at T0 is visible. NULL as-of: no limit.
    expect((await rows()).map((r) => r['pair_stats__amount'])).toEqual([2.5, null, 2.5]);
    await duckdb.run(`UPDATE s SET served = TIMESTAMP '2001-02-28 00:00:00' WHERE label = 'first'`);
    await run({ spineTable: 's', asOf: { kind: 'column', column: 'served' } });
    expect((await rows()).map((r) => r['pair_stats__amount__status'])).toEqual([
      'missing',
      'missing',
      'present',
    ]);
  });

  it('treats a view with no offline files yet as empty', async () => {
    await duckdb.run(`CREATE OR REPLACE VIEW su AS SELECT 'u1' AS user_id, * FROM s`);
    await run({ spineTable: 'su', service: 'svc' });
    const out = await rows();
    expect(out.map((r) => r['user_stats__score__status'])).toEqual([
      'missing',
      'missing',
      'missing',
    ]);
    expect(out.map((r) => r['user_stats__ratio'])).toEqual([1.5, 1.5, 1.5]);
  });

  it('rebuilds only the views asked for, with the rows the whole service gives them', async () => {
    await duckdb.run(`CREATE OR REPLACE VIEW su AS SELECT 'u1' AS user_id, * FROM s`);
    await run({ spineTable: 'su', service: 'svc', transforms: false });
    const pair = (r: Record<string, unknown>) => [
      r['pair_stats__amount'],
      r['pair_stats__amount__status'],
    ];
    const whole = (await rows()).map(pair);
    await run({ spineTable: 'su', service: 'svc', transforms: false, views: ['pair_stats'] });
    const some = await rows();
    expect(some.map(pair)).toEqual(whole);
    expect(Object.keys(some[0]!).filter((k) => k.includes('__'))).toEqual([
      'pair_stats__amount',
      'pair_stats__note',
      'pair_stats__amount__status',
      'pair_stats__note__status',
    ]);
    await expect(
      run({ spineTable: 'su', service: 'svc', transforms: false, views: ['pair_stats', 'nope'] }),
    ).rejects.toThrow("feature service 'svc' reads no view 'nope'");
    await expect(run({ spineTable: 'su', service: 'svc', views: ['pair_stats'] })).rejects.toThrow(
      /set transforms: false/,
    );
  });

  it('names every problem of a spine before running anything', async () => {
    await duckdb.run(
      `CREATE OR REPLACE TABLE bad AS SELECT 'x' AS a, t, label AS pair_stats__amount, 1 AS _sk_x FROM s`,
    );
    const error = await run({ spineTable: 'bad', asOf: { kind: 'column', column: 'nope' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpineError);
    expect((error as SpineError).problems).toEqual([
      "join key 'a' must be int64, the spine has VARCHAR",
      "missing join key column 'b' (service 'svc_plain' needs a, b)",
      "missing as-of column 'nope' (columns: a, t, pair_stats__amount, _sk_x)",
      "column 'pair_stats__amount' has the name of a service output",
      "column '_sk_x' uses the reserved prefix '_sk'",
    ]);
  });

  it('refuses rows without a time', async () => {
    await duckdb.run(
      `CREATE OR REPLACE TABLE nt AS SELECT a, b, CASE WHEN label = 'second' THEN NULL ELSE t END AS t FROM s`,
    );
    await expect(run({ spineTable: 'nt' })).rejects.toThrow(/time column 't' is null in 1 row/);
  });
});
