/**
 * The day's log in AWS: Athena reads the inference log's Iceberg table (the whole day, where it
 * lives) and UNLOADs only the day's counts and each service's sample (`./sample.ts`, its Trino
 * spelling) as Parquet under `skew-samples/<run>/`; the Lambda downloads those, so what it reads
 * is bounded by the sample's cap, whatever the traffic. Firehose's error output for the day is
 * read up to `REJECTED_OBJECTS_READ` objects (each one past it counts as one record, not named).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { INFERENCE_LOG_COLUMNS, LOG_COLUMN_TYPES } from '../core/inference-log.ts';
import {
  BUCKET_PREFIXES,
  INFERENCE_LOG_ERROR_PREFIX,
  INFERENCE_LOG_TABLE,
} from '../core/naming.ts';
import {
  downloadKeys,
  listObjectKeys,
  runAthenaQuery,
  type AthenaExportDeps,
} from '../export/athena-aws.ts';
import { athenaDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { dayCountsOf, sampleSize, SAMPLE_TABLE, type DayLogSource } from './logs.ts';
import { findRejectedRecords } from './malformed-lines.ts';
import { DAY_COUNT_COLUMNS, renderDayCounts, renderDaySample, SAMPLE_COLUMNS } from './sample.ts';
import { unloadSql, type UnloadColumn } from '../export/athena-sql.ts';

export interface AthenaDayLogDeps extends AthenaExportDeps {
  readonly duckdb: DuckDBConnection;
  /** Scratch folder (the Lambda's /tmp). */
  readonly tmpDir: string;
  /** Unique per run: an UNLOAD writes only into an empty prefix. */
  readonly runId: string;
}

export function athenaDayLog(deps: AthenaDayLogDeps, date: string): DayLogSource {
  const source = `${q(deps.glueDatabase)}.${q(INFERENCE_LOG_TABLE)}`;
  const root = `${BUCKET_PREFIXES.skewSamples}${deps.runId}/`;
  let n = 0;
  /** UNLOADs a SELECT and downloads its files; returns them (none for no rows). */
  const unload = async (select: string, columns: readonly UnloadColumn[]): Promise<string[]> => {
    const prefix = `${root}${n++}/`;
    await runAthenaQuery(deps, unloadSql(select, columns, `s3://${deps.bucket}/${prefix}`));
    const dir = path.join(deps.tmpDir, 'skew-samples', String(n));
    await mkdir(dir, { recursive: true });
    return downloadKeys(deps, await listObjectKeys(deps, prefix), dir);
  };
  const files = (list: readonly string[]) =>
    `read_parquet([${list.map(stringLiteral).join(', ')}])`;
  return {
    async counts() {
      const list = await unload(renderDayCounts(source, date), DAY_COUNT_COLUMNS);
      if (list.length === 0) return dayCountsOf([]);
      const reader = await deps.duckdb.runAndReadAll(`SELECT * FROM ${files(list)}`);
      return dayCountsOf(reader.getRowObjectsJson());
    },
    // Not told the day's count: Firehose may still be adding to the table between the count and
    // this read, so the sample keeps its entity walk, which bounds the download by the cap.
    async loadSample(service) {
      const list = await unload(
        renderDaySample(athenaDialect, { source, date, service }),
        SAMPLE_COLUMNS,
      );
      await deps.duckdb.run(
        `CREATE OR REPLACE TEMP TABLE ${q(SAMPLE_TABLE)} AS ${
          list.length === 0 ? emptyLog() : `SELECT ${logColumns()} FROM ${files(list)}`
        }`,
      );
      return sampleSize(deps.duckdb);
    },
    rejected: () => rejectedOfDay(deps, date),
  };
}

function logColumns(): string {
  return INFERENCE_LOG_COLUMNS.map(
    (c) => `CAST(${q(c.name)} AS ${LOG_COLUMN_TYPES[c.kind]}) AS ${q(c.name)}`,
  ).join(', ');
}

function emptyLog(): string {
  return `SELECT ${INFERENCE_LOG_COLUMNS.map(
    (c) => `CAST(NULL AS ${LOG_COLUMN_TYPES[c.kind]}) AS ${q(c.name)}`,
  ).join(', ')} WHERE FALSE`;
}

/** Error-output objects read per night: a broken producer must not make the check unbounded. */
export const REJECTED_OBJECTS_READ = 64;

async function rejectedOfDay(deps: AthenaDayLogDeps, date: string) {
  const keys = (await listObjectKeys(deps, INFERENCE_LOG_ERROR_PREFIX)).filter((k) =>
    k.includes(`/dt=${date}/`),
  );
  if (keys.length === 0) return { count: 0, examples: [] };
  const dir = path.join(deps.tmpDir, 'inference-log-errors');
  await mkdir(dir, { recursive: true });
  const read = keys.slice(0, REJECTED_OBJECTS_READ);
  const found = await findRejectedRecords(await downloadKeys(deps, read, dir, '.jsonl'));
  return { ...found, count: found.count + (keys.length - read.length) };
}
