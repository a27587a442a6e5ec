/**
 * The local inference log, laid out as the Iceberg table Firehose fills in AWS: Parquet files
 * (ZSTD) under `<dataDir>/inference_log/served_date=YYYY-MM-DD/part-<uuid>.parquet` holding
 * `INFERENCE_LOG_COLUMNS`, one partition per UTC day of `served_at`, written through DuckDB from
 * the same JSON rows the AWS writer sends (`encodeLogRow`). A row DuckDB cannot read (not JSON, a
 * field of the wrong type) is set aside as Firehose does with its error output: one JSON line
 * (`errorCode`, `errorMessage`, `rawData` in base64) under
 * `<dataDir>/inference_log_errors/dt=<arrival day>/`, never blocking the rows around it.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  encodeLogRow,
  INFERENCE_LOG_COLUMNS,
  LOG_COLUMN_TYPES,
  utcDate,
} from '../core/inference-log.ts';
import type { InferenceLogWriter } from '../serve/inference-log-sink.ts';
import { quoteIdentifier as q, stringLiteral as literal } from '../sql/literals.ts';
import { copyOrRefuse } from './firehose.ts';

export const INFERENCE_LOG_DIR = 'inference_log';
const NEWLINE = Buffer.from('\n');
export const INFERENCE_LOG_ERRORS_DIR = 'inference_log_errors';
export const INFERENCE_LOG_EXTENSION = '.parquet';
/** The Hive-style partition folder of a day. */
export const DAY_PARTITION = 'served_date';

/** The folder holding every date partition of the local inference log. */
export function localInferenceLogDir(dataDir: string): string {
  return path.join(dataDir, INFERENCE_LOG_DIR);
}

/** The Parquet files of one day (a DuckDB glob). */
export function localDayLogGlob(dataDir: string, date: string): string {
  return path.join(localInferenceLogDir(dataDir), `${DAY_PARTITION}=${date}`, '*.parquet');
}

/** The folder of the records set aside on one arrival day. */
export function localLogErrorsDir(dataDir: string, date: string): string {
  return path.join(dataDir, INFERENCE_LOG_ERRORS_DIR, `dt=${date}`);
}

/** One record as the writer received it (bytes, for records that are not even UTF-8). */
export type LogLine = string | Uint8Array;

/** A writer of JSON rows into the local log, with its own single-threaded DuckDB. */
export interface LocalInferenceLog {
  /** Appends records (one JSON object each, as text or bytes); returns how many were set aside. */
  append(rows: readonly LogLine[]): Promise<number>;
  close(): Promise<void>;
}

export async function openLocalInferenceLog(
  dataDir: string,
  clock: () => number = Date.now,
): Promise<LocalInferenceLog> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  let chain: Promise<unknown> = Promise.resolve();
  return {
    append(rows) {
      // Serialized: two flushes never share a staging file or interleave error lines.
      const run = chain.then(() => appendRows(duckdb, dataDir, rows, clock()));
      chain = run.catch(() => undefined);
      return run;
    },
    async close() {
      await chain;
      duckdb.closeSync();
      instance.closeSync();
    },
  };
}

async function appendRows(
  duckdb: DuckDBConnection,
  dataDir: string,
  rows: readonly LogLine[],
  arrivalMs: number,
): Promise<number> {
  if (rows.length === 0) return 0;
  const copy = (some: readonly LogLine[]) => copyRows(duckdb, dataDir, some);
  // A lone row DuckDB refuses is set aside too (if the folder itself is broken, so is that write).
  const refused =
    rows.length === 1
      ? await copy(rows).then(
          () => [],
          (error: Error) => [{ row: rows[0]!, error: error.message.split('\n')[0]! }],
        )
      : await copyOrRefuse(rows, copy);
  if (refused.length === 0) return 0;
  const dir = localLogErrorsDir(dataDir, utcDate(arrivalMs));
  await mkdir(dir, { recursive: true });
  const lines = refused.map((r) =>
    JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: arrivalMs,
      errorCode: 'Iceberg.InvalidRecord',
      errorMessage: r.error,
      rawData: Buffer.from(r.row).toString('base64'),
    }),
  );
  await appendFile(path.join(dir, 'part-local.jsonl'), `${lines.join('\n')}\n`);
  return refused.length;
}

async function copyRows(
  duckdb: DuckDBConnection,
  dataDir: string,
  rows: readonly LogLine[],
): Promise<void> {
  const staging = path.join(dataDir, INFERENCE_LOG_DIR, '.staging');
  await mkdir(staging, { recursive: true });
  const file = path.join(staging, `${randomUUID()}.jsonl`);
  await writeFile(file, Buffer.concat(rows.flatMap((r) => [Buffer.from(r), NEWLINE])));
  try {
    await duckdb.run(copySql(file, localInferenceLogDir(dataDir)));
  } finally {
    await rm(file, { force: true });
  }
}

function copySql(jsonFile: string, outDir: string): string {
  // Timestamps travel as epoch microseconds, as Firehose's Iceberg destination takes them.
  const spec = INFERENCE_LOG_COLUMNS.map(
    (c) => `${q(c.name)}: ${literal(c.kind === 'timestamp' ? 'BIGINT' : LOG_COLUMN_TYPES[c.kind])}`,
  ).join(', ');
  const select = INFERENCE_LOG_COLUMNS.map((c) =>
    c.kind === 'timestamp' ? `make_timestamp(${q(c.name)}) AS ${q(c.name)}` : q(c.name),
  ).join(', ');
  return (
    `COPY (SELECT ${select}, strftime(make_timestamp("served_at"), '%Y-%m-%d') AS ${DAY_PARTITION} ` +
    `FROM read_json(${literal(jsonFile)}, format = 'newline_delimited', columns = {${spec}})) ` +
    `TO ${literal(outDir)} (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (${DAY_PARTITION}), APPEND, FILENAME_PATTERN 'part-{uuid}')`
  );
}

/** The lookup's writer: each batch becomes Parquet rows of its days (one file per day and batch). */
export function createLocalInferenceLogWriter(
  dataDir: string,
): InferenceLogWriter & { close(): Promise<void> } {
  let log: Promise<LocalInferenceLog> | undefined;
  return {
    // Larger than Firehose's 500: each batch is a Parquet file per day, so fewer, larger files.
    maxBatchRecords: 10_000,
    async write(batch) {
      log ??= openLocalInferenceLog(dataDir);
      await (await log).append(batch.map((r) => JSON.stringify(encodeLogRow(r))));
      return { failed: [] };
    },
    async close() {
      if (log) await (await log).close();
    },
  };
}
