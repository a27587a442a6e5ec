/**
 * Backfill in AWS: the validated rows become the view's offline Parquet in a scratch folder
 * (the same writer as local mode, so the columns and types are the Iceberg table's), go to S3
 * under the export's scratch prefix (`spines/backfill_<run>/`), are read by Athena through a
 * scratch external table, and are merged into the view's Iceberg table on `record_id`: a row
 * whose id the table already holds is skipped, so a rerun adds nothing. The scratch table is
 * dropped whatever happens.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { offlineColumns, offlineTableName } from '../core/columns.ts';
import {
  exportPrefixes,
  runAthenaQuery,
  SPINE_TABLE_PREFIX,
  type AthenaExportDeps,
} from '../export/athena-aws.ts';
import { dropTableDdl, spineTableDdl } from '../export/athena-sql.ts';
import { describeRelation } from '../export/spine.ts';
import type { OfflineSource } from '../ingest/offline-row.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { writeOfflineRows } from './offline.ts';

export interface AwsBackfillDeps extends Omit<AthenaExportDeps, 'runtime'> {
  readonly duckdb: DuckDBConnection;
  readonly registry: Registry;
  /** Scratch folder for the Parquet files. */
  readonly tmpDir: string;
  /** `[a-z0-9_]`, unique per run. */
  readonly runId: string;
}

/** `MERGE INTO` the view's Iceberg table the scratch table's rows whose record id is new. */
export function backfillMergeSql(view: RegistryView, database: string, scratch: string): string {
  const columns = offlineColumns(view).map((c) => q(c.name));
  return [
    `MERGE INTO ${q(database)}.${q(offlineTableName(view))} AS t`,
    `USING ${q(database)}.${q(scratch)} AS s`,
    `ON t.${q('record_id')} = s.${q('record_id')}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.join(', ')})`,
    `VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
  ].join('\n');
}

/** Merges `rows` into the view's Iceberg table; returns the Athena query id of the merge. */
export async function runAwsBackfill(
  deps: AwsBackfillDeps,
  view: RegistryView,
  rows: readonly OfflineSource[],
  onWritten?: (done: number) => void,
): Promise<{ readonly queryId: string | undefined }> {
  if (rows.length === 0) return { queryId: undefined };
  const work = path.join(deps.tmpDir, `backfill_${deps.runId}`);
  await writeOfflineRows(deps.duckdb, deps.registry, work, view, rows, onWritten);
  const dir = path.join(work, 'offline', offlineTableName(view));
  const files = (await readdir(dir, { recursive: true }))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => path.join(dir, f));
  const id = `backfill_${deps.runId}`;
  const prefixes = exportPrefixes(id);
  // Flat keys: the event_date folders are the local layout's; the files hold every column.
  for (const [i, file] of files.entries())
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: `${prefixes.spine}part-${i}.parquet`,
        Body: await readFile(file),
      }),
    );
  const columns = await describeRelation(
    deps.duckdb,
    `read_parquet([${files.map(stringLiteral).join(', ')}])`,
  );
  const scratch = `${SPINE_TABLE_PREFIX}${id}`;
  await runAthenaQuery(
    deps,
    spineTableDdl(deps.glueDatabase, scratch, columns, `s3://${deps.bucket}/${prefixes.spine}`),
  );
  try {
    const outcome = await runAthenaQuery(deps, backfillMergeSql(view, deps.glueDatabase, scratch));
    return { queryId: outcome.queryId };
  } finally {
    await runAthenaQuery(deps, dropTableDdl(deps.glueDatabase, scratch)).catch(() => undefined);
  }
}
