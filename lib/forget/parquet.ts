/**
 * Removing rows from Parquet files in place: what the local offline store, the local inference
 * log and every export file get instead of Athena's DELETE. Only files holding a matching row
 * are touched; each is rewritten to a sibling file (the other rows in their order and types)
 * and renamed over the original, so a crash leaves either the old file or the new one, and a
 * rerun finds nothing left to remove. A store's file left with no rows is deleted; an export's
 * is kept, empty, with its columns.
 */
import { rename, rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q, stringLiteral as literal } from '../sql/literals.ts';

export interface ParquetRewrite {
  /** Rows removed per file (files with none are left out). */
  readonly removed: Map<string, number>;
  /** Rows kept in the rewritten files. */
  readonly kept: number;
}

function fileList(files: readonly string[]): string {
  return `[${files.map(literal).join(', ')}]`;
}

/** The columns of a Parquet file (the file's own, no Hive partition columns). */
export async function parquetColumns(duckdb: DuckDBConnection, file: string): Promise<string[]> {
  const reader = await duckdb.runAndReadAll(
    `SELECT name FROM parquet_schema(${literal(file)}) WHERE num_children IS NULL OR num_children = 0`,
  );
  return reader.getRows().map((r) => String(r[0]));
}

/** Matching rows per file among `files` (`predicate` is SQL over the files' columns). */
export async function countMatches(
  duckdb: DuckDBConnection,
  files: readonly string[],
  predicate: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (files.length === 0) return counts;
  const reader = await duckdb.runAndReadAll(
    `SELECT filename, count(*) FROM read_parquet(${fileList(files)}, filename = true, ` +
      `hive_partitioning = false, union_by_name = true) WHERE ${predicate} GROUP BY filename`,
  );
  for (const [file, n] of reader.getRows()) counts.set(String(file), Number(n));
  return counts;
}

/**
 * Rewrites every file of `files` that holds a row matching `predicate` without those rows.
 * `compression` is the store's own (the log is ZSTD, the offline store DuckDB's default).
 */
export async function removeMatchingRows(
  duckdb: DuckDBConnection,
  files: readonly string[],
  predicate: string,
  compression: 'zstd' | 'snappy' = 'snappy',
  /** Keep a file left with no rows (an export a manifest names) instead of deleting it. */
  keepEmpty = false,
): Promise<ParquetRewrite> {
  const removed = await countMatches(duckdb, files, predicate);
  let kept = 0;
  for (const [file, gone] of removed) {
    const next = `${file}.forget-tmp`;
    const total = await duckdb.runAndReadAll(
      `SELECT sum(num_rows) FROM parquet_file_metadata(${literal(file)})`,
    );
    const rows = Number(total.getRows()[0]?.[0] ?? 0) - gone;
    if (rows === 0 && !keepEmpty) {
      await rm(file, { force: true });
      continue;
    }
    const source = `read_parquet(${literal(file)}, file_row_number = true, hive_partitioning = false)`;
    // `IS NOT TRUE`: a row whose key is null matches nothing and is kept.
    await duckdb.run(
      `COPY (SELECT * EXCLUDE (${q('file_row_number')}) FROM ${source} ` +
        `WHERE (${predicate}) IS NOT TRUE ORDER BY ${q('file_row_number')}) ` +
        `TO ${literal(next)} (FORMAT PARQUET, COMPRESSION ${compression})`,
    );
    kept += rows;
    await rename(next, file);
  }
  return { removed, kept };
}
