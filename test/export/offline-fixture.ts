/**
 * Test fixture: writes synthetic offline histories as real Parquet files in exactly the layout
 * the ingest path writes (`<dataDir>/offline/<view>_v<version>/event_date=YYYY-MM-DD/*.parquet`,
 * columns `offlineColumns(view)`), so the export reads them as it reads production data.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import { duckdbType, offlineColumns, offlineTableName } from '../../lib/core/columns.ts';
import type { RegistryView } from '../../lib/registry/types.ts';
import { duckdbDialect } from '../../lib/sql/dialect.ts';
import {
  quoteIdentifier as q,
  stringLiteral,
  timestampLiteral,
  valueLiteral,
} from '../../lib/sql/literals.ts';

export interface OfflineRecord {
  readonly keys: Readonly<Record<string, string | number>>;
  readonly values: Readonly<Record<string, FeatureValue>>;
  readonly eventTime: number;
  readonly ingestedAt: number;
  readonly recordId: string;
}

let part = 0;

/** Appends `records` to the view's local offline store as one Parquet file per event date. */
export async function writeOfflineRecords(
  duckdb: DuckDBConnection,
  dataDir: string,
  view: RegistryView,
  records: readonly OfflineRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const columns = offlineColumns(view);
  const rows = records.map((r) =>
    columns.map((c) => {
      switch (c.role) {
        case 'key':
          return valueLiteral(r.keys[c.name] ?? null, c.dtype, duckdbDialect);
        case 'feature':
          return valueLiteral(r.values[c.name] ?? null, c.dtype, duckdbDialect);
        case 'event_time':
          return timestampLiteral(r.eventTime);
        case 'ingested_at':
          return timestampLiteral(r.ingestedAt);
        case 'record_id':
          return stringLiteral(r.recordId);
      }
    }),
  );
  const table = q(`_fixture_${++part}`);
  await duckdb.run(
    `CREATE TEMP TABLE ${table} (${columns.map((c) => `${q(c.name)} ${duckdbType(c.dtype)}`).join(', ')})`,
  );
  await duckdb.run(
    `INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}`,
  );
  const dir = path.join(dataDir, 'offline', offlineTableName(view));
  const dates = await duckdb.runAndReadAll(
    `SELECT DISTINCT strftime(event_time, '%Y-%m-%d') AS d FROM ${table}`,
  );
  for (const { d } of dates.getRowObjectsJS()) {
    const folder = path.join(dir, `event_date=${String(d)}`);
    await mkdir(folder, { recursive: true });
    await duckdb.run(
      `COPY (SELECT * FROM ${table} WHERE strftime(event_time, '%Y-%m-%d') = ${stringLiteral(String(d))}) TO ${stringLiteral(path.join(folder, `part-${part}.parquet`))} (FORMAT PARQUET)`,
    );
  }
  await duckdb.run(`DROP TABLE ${table}`);
}
