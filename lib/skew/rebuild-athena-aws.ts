/**
 * The rebuild in AWS: the served vectors' spine goes to S3 as Parquet, Athena runs the export's
 * point-in-time SQL over the Iceberg tables (`athenaUnloadSql`, with the per-row as-of column
 * `served_at`, or one instant) and UNLOADs the rows, which come back into DuckDB (stored features
 * only: the check runs the request transforms itself). Same contract as the local rebuild.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  downloadObjects,
  exportPrefixes,
  runAthenaQuery,
  SPINE_TABLE_PREFIX,
  type AthenaExportDeps,
} from '../export/athena-aws.ts';
import { athenaUnloadSql, dropTableDdl, spineTableDdl } from '../export/athena-sql.ts';
import { describeRelation } from '../export/spine.ts';
import { getService } from '../registry/query.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import type { RebuildPointInTime } from './check.ts';

export interface AthenaRebuildDeps extends AthenaExportDeps {
  readonly duckdb: DuckDBConnection;
  readonly tmpDir: string;
  /** Names this run's S3 prefixes and spine table (`[a-z0-9_]`, unique per run). */
  readonly runId: string;
}

export function athenaRebuild(deps: AthenaRebuildDeps): RebuildPointInTime {
  let n = 0;
  return async (request) => {
    const { duckdb, runtime } = deps;
    const service = getService(runtime.registry, request.service);
    const exportId = `skew_${deps.runId}_${n++}`;
    const prefixes = exportPrefixes(exportId);
    const s3uri = (key: string) => `s3://${deps.bucket}/${key}`;
    const work = path.join(deps.tmpDir, exportId);
    await mkdir(work, { recursive: true });

    // 1. The spine as Parquet under spines/<id>/.
    const columns = await describeRelation(duckdb, q(request.spineTable));
    const spineFile = path.join(work, 'spine.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM ${q(request.spineTable)} ORDER BY ${q(SPINE_ROW_COLUMN)}) TO ${stringLiteral(spineFile)} (FORMAT PARQUET)`,
    );
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: `${prefixes.spine}spine.parquet`,
        Body: await readFile(spineFile),
      }),
    );

    // 2. Athena: the export's generator, per-row as-of; the spine table is dropped whatever happens.
    const spineTable = `${SPINE_TABLE_PREFIX}${exportId}`;
    await runAthenaQuery(
      deps,
      spineTableDdl(deps.glueDatabase, spineTable, columns, s3uri(prefixes.spine)),
    );
    try {
      await runAthenaQuery(
        deps,
        athenaUnloadSql(runtime, {
          service: service.name,
          database: deps.glueDatabase,
          spineTable,
          timeColumn: request.timeColumn,
          asOf: request.asOf,
          target: s3uri(prefixes.data),
        }),
      );
    } finally {
      await runAthenaQuery(deps, dropTableDdl(deps.glueDatabase, spineTable)).catch(
        () => undefined,
      );
    }

    // 3. The unloaded rows back into DuckDB.
    const files = await downloadObjects(deps, prefixes.data, work);
    await duckdb.run(
      files.length === 0
        ? `CREATE OR REPLACE TABLE ${q(request.into)} AS SELECT * FROM ${q(request.spineTable)} WHERE FALSE`
        : `CREATE OR REPLACE TABLE ${q(request.into)} AS SELECT * FROM read_parquet([${files.map(stringLiteral).join(', ')}])`,
    );
    const reader = await duckdb.runAndReadAll(
      `SELECT count(*)::BIGINT AS n FROM ${q(request.into)}`,
    );
    return { rows: Number(reader.getRowObjectsJson()[0]?.n ?? 0) };
  };
}
