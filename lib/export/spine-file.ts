/** Reads a spine file (CSV or Parquet) into a DuckDB table, in file order. */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SpineError } from './errors.ts';
import { defaultTimeColumn, describeRelation, type SpineColumn } from './spine.ts';

export type SpineFormat = 'csv' | 'parquet';

export function spineFormat(file: string): SpineFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  throw new SpineError([`unknown spine format '${ext}': use .csv or .parquet`], file);
}

/** Loads the spine file into `table` (replaced); DuckDB keeps the file's row order. */
export async function loadSpineFile(
  duckdb: DuckDBConnection,
  file: string,
  table: string,
): Promise<SpineColumn[]> {
  const reader =
    spineFormat(file) === 'parquet'
      ? `read_parquet(${stringLiteral(file)})`
      : `read_csv(${stringLiteral(file)}, header = true)`;
  try {
    await duckdb.run(`CREATE OR REPLACE TABLE ${q(table)} AS SELECT * FROM ${reader}`);
  } catch (error) {
    throw new SpineError([`cannot read: ${(error as Error).message.split('\n')[0]}`], file);
  }
  return describeRelation(duckdb, q(table));
}

/** The time column to use: the one asked for, else `event_time`, else `timestamp`. */
export function chooseTimeColumn(
  columns: readonly SpineColumn[],
  requested: string | undefined,
  label: string,
): string {
  const chosen = requested ?? defaultTimeColumn(columns);
  if (chosen === undefined)
    throw new SpineError(
      [
        `no time column: pass --time-column (columns: ${columns.map((c) => c.name).join(', ')}); the default is 'event_time' or 'timestamp'`,
      ],
      label,
    );
  return chosen;
}
