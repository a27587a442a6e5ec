/**
 * A scratch DuckDB session for one run of an export or a skew check (a Lambda invocation, a CLI
 * command): in memory, in UTC, spilling into its own temp folder, which holds the run's files
 * too (spines, unloaded rows, the training file) and is removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { stringLiteral } from '../sql/literals.ts';

export interface ScratchSession {
  readonly duckdb: DuckDBConnection;
  /** The run's scratch folder (in Lambda, under /tmp). */
  readonly tmpDir: string;
}

export async function withScratchDuckDB<T>(
  label: string,
  fn: (session: ScratchSession) => Promise<T>,
  config: Readonly<Record<string, string>> = {},
): Promise<T> {
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), `skewless-${label}-`));
  const instance = await DuckDBInstance.create(':memory:', { ...config });
  const duckdb = await instance.connect();
  try {
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await duckdb.run(`SET temp_directory = ${stringLiteral(path.join(tmpDir, 'duckdb'))}`);
    return await fn({ duckdb, tmpDir });
  } finally {
    duckdb.closeSync();
    instance.closeSync();
    await rm(tmpDir, { recursive: true, force: true });
  }
}
