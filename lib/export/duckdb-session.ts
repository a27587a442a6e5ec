/**
 * A scratch DuckDB session for one run of an export or a skew check (a Lambda invocation, a CLI
 * command): in memory, in UTC, spilling into its own temp folder, which holds the run's files
 * too (spines, unloaded rows, the training file) and is removed afterwards.
 */
import { statfsSync } from 'node:fs';
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

/**
 * On the user's own machine (the CLI) DuckDB's defaults are what a run wants: 80% of the memory
 * and every core. Named, so that every session states its settings: a Lambda passes
 * `lambdaDuckDBConfigFromEnv` instead, where those defaults would starve Node's heap.
 */
export const MACHINE_DUCKDB_CONFIG: Readonly<Record<string, string>> = Object.freeze({});

export async function withScratchDuckDB<T>(
  label: string,
  fn: (session: ScratchSession) => Promise<T>,
  config: Readonly<Record<string, string>>,
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

/** Lambda gives one vCPU per 1,769 MB of memory (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). */
const MB_PER_VCPU = 1769;

/**
 * DuckDB's settings inside a Lambda function of `memoryMb`: DuckDB's own default (80% of the
 * machine's memory) would leave nothing for Node's heap and the SDK beside it, so it gets half;
 * one thread per vCPU share; and it may spill at most `tmpMb` (the function's ephemeral storage,
 * less a margin for the run's own files) to /tmp.
 */
export function lambdaDuckDBConfig(memoryMb: number, tmpMb = 512): Record<string, string> {
  if (!Number.isFinite(memoryMb) || memoryMb < 128)
    throw new RangeError(`Lambda memory must be at least 128 MB, got ${String(memoryMb)}`);
  return {
    memory_limit: `${Math.floor(memoryMb / 2)}MB`,
    threads: String(Math.max(1, Math.ceil(memoryMb / MB_PER_VCPU))),
    max_temp_directory_size: `${Math.floor(tmpMb / 2)}MB`,
  };
}

/**
 * The settings for this Lambda function: its memory from the runtime's environment
 * (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`), its spill room from the free space of /tmp.
 */
export function lambdaDuckDBConfigFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const tmp = statfsSync(os.tmpdir());
  return lambdaDuckDBConfig(
    Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 1024),
    Math.floor((tmp.bavail * tmp.bsize) / 2 ** 20),
  );
}
