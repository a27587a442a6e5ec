/** Reads a spine file (CSV or Parquet) into a DuckDB table, in file order. */
import { mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SpineError } from './errors.ts';
import { caseClashes, defaultTimeColumn, describeRelation, type SpineColumn } from './spine.ts';

export type SpineFormat = 'csv' | 'parquet';

export function spineFormat(file: string): SpineFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  throw new SpineError([`unknown spine format '${ext}': use .csv or .parquet`], file);
}

/**
 * Loads the spine file into `table` (replaced); DuckDB keeps the file's row order. The path is
 * one literal file: DuckDB would expand `*`, `?`, `[` and `{` as a glob, so such a path is read
 * through a link with a plain name. Its column names are checked as written in the file, before
 * DuckDB renames a case-insensitive duplicate (`ORIGIN` beside `origin` → `ORIGIN_1`).
 */
export async function loadSpineFile(
  duckdb: DuckDBConnection,
  file: string,
  table: string,
): Promise<SpineColumn[]> {
  const format = spineFormat(file);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile())
    throw new SpineError(
      [
        `no such file${GLOB_CHARS.test(file) ? ' (the spine is one file, read literally: glob patterns are not expanded)' : ''}`,
      ],
      file,
    );
  const literal = await literalPath(file);
  try {
    const reader =
      format === 'parquet'
        ? `read_parquet(${stringLiteral(literal.path)})`
        : `read_csv(${stringLiteral(literal.path)}, header = true)`;
    const clashes = caseClashes(await rawColumnNames(duckdb, literal.path, format));
    if (clashes.length > 0) throw new SpineError(clashes, file);
    try {
      await duckdb.run(`CREATE OR REPLACE TABLE ${q(table)} AS SELECT * FROM ${reader}`);
    } catch (error) {
      throw new SpineError([`cannot read: ${(error as Error).message.split('\n')[0]}`], file);
    }
  } finally {
    await literal.cleanup();
  }
  return describeRelation(duckdb, q(table));
}

/** Characters DuckDB's file readers expand as a glob. */
const GLOB_CHARS = /[*?[\]{}]/;

async function literalPath(file: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  if (!GLOB_CHARS.test(file)) return { path: file, cleanup: async () => undefined };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-spine-'));
  const link = path.join(dir, `spine${path.extname(file).toLowerCase()}`);
  await symlink(path.resolve(file), link);
  return { path: link, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The column names as the file writes them (a CSV header, a Parquet schema). */
async function rawColumnNames(
  duckdb: DuckDBConnection,
  file: string,
  format: SpineFormat,
): Promise<string[]> {
  try {
    if (format === 'parquet') {
      const reader = await duckdb.runAndReadAll(
        `SELECT name FROM parquet_schema(${stringLiteral(file)})`,
      );
      // The first schema element is the root, not a column.
      return reader
        .getRowObjectsJS()
        .slice(1)
        .map((r) => String(r['name']));
    }
    const reader = await duckdb.runAndReadAll(
      `SELECT * FROM read_csv(${stringLiteral(file)}, header = false, all_varchar = true) LIMIT 1`,
    );
    return (reader.getRows()[0] ?? []).map((v) => String(v));
  } catch (error) {
    throw new SpineError([`cannot read: ${(error as Error).message.split('\n')[0]}`], file);
  }
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
