/**
 * Property: a window export with a per-row as-of column equals the brute-force oracle when
 * each event has its own ingestion lag and each spine row its own as-of, so a row's window loses
 * none, some or all of its events (docs/semantics.md, "Point in time"). The parity test's events
 * arrive in batches, whose shared clock seldom splits a window; here the split is the point: it
 * is what the export's correction (counts, sums and means less the withdrawn events; a min, max
 * or last kept only where no withdrawn event could have made it) must get right.
 * Events go through real Parquet files; fast-check draws a new seed each run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { timestampLiteral, valueLiteral } from '../../lib/sql/literals.ts';
import { duckdbDialect } from '../../lib/sql/dialect.ts';
import { writeOfflineRecords, type OfflineRecord } from '../export/offline-fixture.ts';
import { draft, expectExportedRows, ORIGINS, runtime, STEP, views } from './stream-fixture.ts';
import { oracleAggregate } from './oracle.ts';

const scenario = fc.record({
  origin: fc.constantFrom(...ORIGINS),
  events: fc.array(
    fc.record({
      draft,
      // Ingested this many grid steps after its event time (a few minutes to an hour late).
      lag: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 120 })),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  rows: fc.array(
    fc.record({
      user: fc.constantFrom('u1', 'u2'),
      item: fc.integer({ min: 0, max: 1 }),
      t: fc.integer({ min: 0, max: 260 }),
      nudge: fc.constantFrom(0, 1, -1),
      // The row's as-of, in steps before its `t` (null: no as-of limit).
      asOfBefore: fc.option(fc.integer({ min: -2, max: 40 }), { nil: null, freq: 6 }),
    }),
    { minLength: 1, maxLength: 30 },
  ),
});

let dir: string;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;
let run = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-window-asof-'));
  instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
});
afterAll(async () => {
  duckdb?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** One offline record per drafted event, in every view (they read one stream). */
function records(s: Scenario, prefix: string): OfflineRecord[] {
  return s.events.map(({ draft: d, lag }, i): OfflineRecord => {
    const eventTime = s.origin + d.eventTime;
    return {
      keys: { user_id: `${prefix}${d.user}`, item: d.item },
      values: { amount: d.amount, price: d.price, kind: d.kind, eid: `${prefix}e${i}` },
      eventTime,
      ingestedAt: eventTime + lag * STEP,
      recordId: `shard-0:${String(i).padStart(8, '0')}`,
    };
  });
}
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

describe('window export with a per-row as-of column', () => {
  it('equals the oracle when rows lose none, some or all of their windows to their as-of', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const prefix = `a${++run}`;
        const events = records(s, prefix);
        const data = path.join(dir, prefix);
        for (const view of views) await writeOfflineRecords(duckdb, data, view, events);
        const spine = s.rows.map((r) => {
          const t = s.origin + r.t * STEP + r.nudge;
          return {
            user_id: `${prefix}${r.user}`,
            item: r.item,
            t,
            asOf: r.asOfBefore === null ? null : t - r.asOfBefore * STEP,
          };
        });
        await duckdb.run(
          `CREATE OR REPLACE TABLE spine AS SELECT * FROM (VALUES ${spine
            .map(
              (r) =>
                `(${valueLiteral(r.user_id, 'string', duckdbDialect)}, CAST(${r.item} AS BIGINT), ${timestampLiteral(r.t)}, ${r.asOf === null ? 'CAST(NULL AS TIMESTAMP)' : timestampLiteral(r.asOf)})`,
            )
            .join(', ')}) AS x(user_id, item, t, as_of)`,
        );
        for (const dialect of ['duckdb', 'duckdb-asof'] as const) {
          await exportPointInTimeLocal(
            { duckdb, dataDir: data, runtime },
            {
              service: 'svc',
              spineTable: 'spine',
              timeColumn: 't',
              asOf: { kind: 'column', column: 'as_of' },
              into: 'out',
              dialect,
            },
          );
          const rows = (
            await duckdb.runAndReadAll('SELECT * FROM out ORDER BY _sk_row')
          ).getRowObjectsJS();
          expect(rows).toHaveLength(spine.length);
          expectExportedRows(
            rows,
            spine,
            (view, feature, i) => {
              const r = spine[i]!;
              const keys = { user_id: r.user_id, item: r.item };
              return oracleAggregate(view, feature, events, keys, r.t, r.asOf ?? Infinity);
            },
            `${dialect}, per-row as-of`,
          );
        }
      }),
      { numRuns: 60, endOnFailure: true },
    );
  }, 600_000);
});
