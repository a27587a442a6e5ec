/**
 * Materialize in AWS: Athena UNLOADs the newest row per entity of the view's Iceberg table as
 * Parquet (the export's scratch prefix, `exports/materialize_<run>/`), the files come back into
 * DuckDB, and each entity gets ingestion's conditional put on the online table.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { offlineColumns, offlineTableName } from '../core/columns.ts';
import { unloadSql } from '../export/athena-sql.ts';
import {
  downloadObjects,
  exportPrefixes,
  runAthenaQuery,
  type AthenaExportDeps,
} from '../export/athena-aws.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import type { PlainRegistryView } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { newestRecords, type MaterializeProgress } from './local.ts';
import { newestPerEntitySql, writeNewest, type MaterializeResult } from './materialize.ts';

export interface AwsMaterializeDeps extends Omit<AthenaExportDeps, 'runtime'> {
  readonly duckdb: DuckDBConnection;
  readonly online: OnlineStoreWriter;
  /** Scratch folder for the unloaded files. */
  readonly tmpDir: string;
  /** `[a-z0-9_]`, unique per run: names the S3 prefix. */
  readonly runId: string;
}

export async function runAwsMaterialize(
  deps: AwsMaterializeDeps,
  view: PlainRegistryView,
  progress?: MaterializeProgress,
): Promise<MaterializeResult> {
  const prefixes = exportPrefixes(`materialize_${deps.runId}`);
  const relation = `${q(deps.glueDatabase)}.${q(offlineTableName(view))}`;
  const columns = offlineColumns(view).map((c) => ({
    name: c.name,
    timestamp: c.dtype === 'timestamp',
  }));
  await runAthenaQuery(
    deps,
    unloadSql(newestPerEntitySql(view, relation), columns, `s3://${deps.bucket}/${prefixes.data}`),
  );
  const work = path.join(deps.tmpDir, `materialize_${deps.runId}`);
  await mkdir(work, { recursive: true });
  const files = await downloadObjects(deps, prefixes.data, work);
  const records =
    files.length === 0
      ? []
      : await newestRecords(
          deps.duckdb,
          view,
          `read_parquet([${files.map(stringLiteral).join(', ')}])`,
        );
  progress?.start(records.length);
  return writeNewest(deps.online, view, records, {}, (done) => progress?.advance(done));
}
