import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { it, expect } from 'vitest';
import { compileRegistry } from '/work/wt/i13/lib/registry/compile.ts';
import { collectDefinitions } from '/work/wt/i13/lib/registry/load.ts';
import { getView } from '/work/wt/i13/lib/registry/query.ts';
import { exportPointInTimeLocal } from '/work/wt/i13/lib/export/local.ts';
import { timestampLiteral } from '/work/wt/i13/lib/sql/literals.ts';
import * as defs from '/work/wt/i13/test/windows/defs.ts';
import { writeOfflineRecords } from '/work/wt/i13/test/export/offline-fixture.ts';
import { oracleAggregate } from '/work/wt/i13/test/windows/oracle.ts';

it('smoke', async () => {
  const runtime = compileRegistry(collectDefinitions(defs));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w-'));
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run("SET TimeZone='UTC'");
  const T0 = Date.parse('2001-01-01T00:00:00Z');
  const events = Array.from({ length: 30 }, (_, i) => ({
    keys: { user_id: i % 2 ? 'u1' : 'u2', item: i % 3 },
    values: { amount: i % 5, price: i / 4, kind: i % 3 ? 'a' : 'b', eid: `e${i % 25}` },
    eventTime: T0 + i * 90_000,
    ingestedAt: T0 + i * 90_000 + 5,
    recordId: `s:${String(i).padStart(4, '0')}`,
  }));
  for (const v of ['user_windows', 'pair_windows']) await writeOfflineRecords(db, dir, getView(runtime.registry, v), events);
  const times = [T0 + 600_000, T0 + 1_800_000, T0 + 2_000_001, T0 + 2_700_000];
  await db.run(`CREATE TABLE spine AS SELECT * FROM (VALUES ${times.flatMap((t) => ['u1', 'u2'].map((u) => `('${u}', CAST(1 AS BIGINT), ${timestampLiteral(t)})`)).join(', ')}) AS x(user_id, item, t)`);
  for (const asOf of [{ kind: 'instant' as const, at: T0 + 10_000_000 }]) {
    for (const dialect of ['duckdb', 'duckdb-asof'] as const) {
      await exportPointInTimeLocal({ duckdb: db, dataDir: dir, runtime }, { service: 'svc', spineTable: 'spine', timeColumn: 't', asOf, into: 'out', dialect });
      const rows = (await db.runAndReadAll('SELECT * FROM out')).getRowObjectsJS();
      for (const r of rows) {
        const t = (r.t as Date).getTime();
        for (const f of getView(runtime.registry, 'user_windows').features) {
          const o = oracleAggregate(getView(runtime.registry, 'user_windows'), f.name, events, { user_id: r.user_id as string }, t, asOf.at);
          const got = r[`user_windows__${f.name}`];
          const want = o.value ?? f.default;
          expect([f.name, t, typeof got === 'bigint' ? Number(got) : got]).toEqual([f.name, t, want]);
        }
      }
    }
  }
});
