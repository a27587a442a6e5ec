/**
 * The Athena stand-in's reading of the inference log: an UNLOAD over the log's Iceberg table is
 * accepted only when its text is exactly what `lib/skew/sample.ts` renders in Athena's dialect
 * for the day it names (the day's counts, or one service's sample), and then runs that same
 * rule's DuckDB spelling over the local log's Parquet files of the day. The rows land under the
 * UNLOAD's prefix in two files, as Athena's parallel writers may leave them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { INFERENCE_LOG_TABLE } from '../../lib/core/naming.ts';
import { localDayLogGlob } from '../../lib/local/inference-log.ts';
import type { AthenaStandInOptions } from './athena-standin.ts';
import {
  DAY_COUNT_COLUMNS,
  renderDayCounts,
  renderDaySample,
  SAMPLE_COLUMNS,
} from '../../lib/skew/sample.ts';
import { unloadSql } from '../../lib/export/athena-sql.ts';
import { athenaDialect, duckdbDialect } from '../../lib/sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../../lib/sql/literals.ts';

export type LogStandInOptions = Pick<
  AthenaStandInOptions,
  'duckdb' | 'runtime' | 'bucket' | 'database' | 'dataDir' | 'scratchDir'
>;

/** Runs the UNLOAD if it reads the inference log; false when it does not. */
export async function unloadInferenceLog(
  options: LogStandInOptions,
  objects: Map<string, Uint8Array | string>,
  sql: string,
): Promise<boolean> {
  const table = `${q(options.database)}.${q(INFERENCE_LOG_TABLE)}`;
  if (!sql.includes(`FROM ${table}`)) return false;
  const target = /\nTO '(s3:\/\/[^']+)'\nWITH \(format = 'PARQUET'\)$/.exec(sql)?.[1];
  const date = /"served_at" >= TIMESTAMP '(\d{4}-\d{2}-\d{2}) 00:00:00.000'/.exec(sql)?.[1];
  if (!target || !date) throw new Error(`not an inference-log UNLOAD:\n${sql}`);
  const local = `read_parquet(${stringLiteral(localDayLogGlob(options.dataDir, date))}, hive_partitioning = false)`;
  let select: string | undefined;
  if (unloadSql(renderDayCounts(table, date), DAY_COUNT_COLUMNS, target) === sql)
    select = renderDayCounts(local, date);
  for (const service of options.runtime.registry.featureServices) {
    const sample = renderDaySample(athenaDialect, { source: table, date, service });
    if (unloadSql(sample, SAMPLE_COLUMNS, target) === sql)
      select = renderDaySample(duckdbDialect, { source: local, date, service });
  }
  if (!select) throw new Error(`the UNLOAD is none of the sample rule's queries:\n${sql}`);
  const prefix = target.slice(`s3://${options.bucket}/`.length);
  const id = prefix.replace(/[^a-z0-9]+/gi, '_');
  await options.duckdb.run(`CREATE OR REPLACE TEMP TABLE _standin_unload AS ${select}`);
  for (const part of [0, 1]) {
    const file = path.join(options.scratchDir, `${id}-${part}.parquet`);
    await options.duckdb.run(
      `COPY (SELECT * FROM _standin_unload WHERE hash(rowid) % 2 = ${part}) TO ${stringLiteral(file)} (FORMAT PARQUET)`,
    );
    objects.set(`${prefix}20010101_000000_00001_abcde_${part}`, await readFile(file));
  }
  await options.duckdb.run('DROP TABLE _standin_unload');
  return true;
}
