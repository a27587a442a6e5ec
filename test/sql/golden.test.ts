/**
 * Golden tests of the SQL text Athena receives: any change to the generator shows up here as a
 * diff to review. `UPDATE_GOLDEN=1 npx vitest run test/sql` rewrites the files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { athenaUnloadSql, spineTableDdl } from '../../lib/export/athena-sql.ts';
import { buildPointInTimePlan, type AsOf } from '../../lib/sql/plan.ts';
import { dayBefore, spineColumnsOf } from './spine-fixture.ts';
import { renderPointInTimeSql } from '../../lib/sql/render.ts';
import { duckdbAsofDialect, duckdbDialect } from '../../lib/sql/dialect.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = registryFromModule(flights);
const AS_OF = Date.parse('2001-07-01T00:00:00.000Z');

async function golden(name: string, text: string): Promise<void> {
  const file = path.join(here, '__golden__', name);
  if (process.env['UPDATE_GOLDEN']) await writeFile(file, `${text}\n`);
  expect(`${text}\n`).toBe(await readFile(file, 'utf8'));
}

describe('Athena SQL text', () => {
  const base = {
    service: 'departure_delay_model',
    database: 'skewless_prod_offline',
    spineTable: 'spine_departure_delay_model_20010701_abc123',
    timeColumn: 'event_time',
    target: 's3://skewless-bucket/exports/departure_delay_model_20010701_abc123/data/',
  };

  const unload = (asOf: AsOf) =>
    athenaUnloadSql(runtime, {
      ...base,
      asOf,
      spineColumns: spineColumnsOf(runtime, base.service, base.timeColumn, asOf),
      span: dayBefore(AS_OF),
    });

  it('renders the UNLOAD of the flights service with one as-of instant', async () => {
    await golden('departure_delay_model.athena.sql', unload({ kind: 'instant', at: AS_OF }));
  });

  it('renders the UNLOAD with a per-row as-of column (late rows re-picked)', async () => {
    await golden(
      'departure_delay_model.per-row-as-of.athena.sql',
      unload({ kind: 'column', column: 'served_at' }),
    );
  });

  it('renders the spine table DDL with Hive quoting', async () => {
    await golden(
      'spine-table.athena.sql',
      spineTableDdl(
        'skewless_prod_offline',
        'spine_x',
        [
          { name: 'origin', type: 'VARCHAR' },
          { name: 'destination', type: 'VARCHAR' },
          { name: 'event_time', type: 'TIMESTAMP' },
          { name: 'scheduled_hour', type: 'BIGINT' },
          { name: 'odd`name', type: 'BOOLEAN' },
          { name: '_sk_row', type: 'BIGINT' },
        ],
        's3://skewless-bucket/spines/x/',
      ),
    );
  });

  it('renders the DuckDB dialects of the same plan', async () => {
    const plan = buildPointInTimePlan(runtime.registry, 'departure_delay_model', {
      timeColumn: 'event_time',
      asOf: { kind: 'instant', at: AS_OF },
    });
    const relations = { spine: '"spine_table"', view: (v: { table: string }) => `"${v.table}"` };
    await golden(
      'departure_delay_model.duckdb.sql',
      renderPointInTimeSql(plan, duckdbDialect, relations),
    );
    await golden(
      'departure_delay_model.duckdb-asof.sql',
      renderPointInTimeSql(plan, duckdbAsofDialect, relations),
    );
  });
});
