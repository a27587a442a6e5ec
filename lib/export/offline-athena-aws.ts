/**
 * Athena as the offline store: the spine (numbered, from DuckDB) goes up as Parquet under
 * `spines/<id>/` and becomes a scratch external table, Athena runs the generated point-in-time
 * SELECT (its Trino spelling) in `UNLOAD ... WITH (format = 'PARQUET')` into
 * `exports/<id>/data/` (UNLOAD writes only into an empty prefix, several files in no order), and
 * the files come back to DuckDB. Clients are injected; nothing here constructs one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { baselineKey } from '../core/naming.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import {
  downloadKeys,
  exportPrefixes,
  listObjectKeys,
  runAthenaQuery,
  SPINE_TABLE_PREFIX,
  type AthenaExportDeps,
} from './athena-aws.ts';
import { athenaUnloadSql, dropTableDdl, parseS3Uri, spineTableDdl } from './athena-sql.ts';
import { localOfflineReader, writeLocalFile } from './offline-local.ts';
import { spineSpan } from './spine-span.ts';
import {
  withQueryEventsFrom,
  type EventsFrom,
  type OfflineReader,
  type StoreQuery,
  type StoreRows,
} from './offline-reader.ts';

export interface AthenaOfflineReaderDeps extends AthenaExportDeps {
  readonly duckdb: DuckDBConnection;
  /** Scratch folder for the spine upload and the unloaded files. @default the OS temp folder */
  readonly tmpDir?: string;
  /**
   * Names the queries that bring no id (`<idPrefix>_<n>`: the skew check's rebuilds); unique
   * per run, since an UNLOAD writes only into an empty prefix.
   */
  readonly idPrefix?: string;
  /** Views read from an earlier version's table (`EventsFrom`). @default none */
  readonly eventsFrom?: EventsFrom;
}

export function athenaOfflineReader(deps: AthenaOfflineReaderDeps): OfflineReader {
  let n = 0;
  const s3uri = (key: string) => `s3://${deps.bucket}/${key}`;
  return {
    engine: 'athena',
    dialect: 'athena',
    pointInTime(query) {
      const id = query.id ?? (deps.idPrefix === undefined ? undefined : `${deps.idPrefix}_${n++}`);
      if (id === undefined)
        throw new RangeError(
          'an Athena point-in-time query needs an id (or the store an idPrefix)',
        );
      return unloadPointInTime(deps, { ...query, id });
    },
    artifacts(exportId, service, promote) {
      const prefixes = exportPrefixes(exportId);
      return {
        manifest: [s3uri(prefixes.manifest)],
        baseline: [s3uri(prefixes.baseline), ...(promote ? [s3uri(baselineKey(service))] : [])],
      };
    },
    async write(target, body, contentType) {
      if (!target.startsWith('s3://')) return writeLocalFile(target, body);
      const { bucket, key } = parseS3Uri(target);
      await deps.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
  };
}

async function unloadPointInTime(
  deps: AthenaOfflineReaderDeps,
  query: StoreQuery & { readonly id: string },
): Promise<StoreRows> {
  const { duckdb } = deps;
  const prefixes = exportPrefixes(query.id);
  const s3uri = (key: string) => `s3://${deps.bucket}/${key}`;
  const work = await mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), 'skewless-athena-'));
  const release = () => rm(work, { recursive: true, force: true });
  try {
    // 1. The spine as Parquet under spines/<id>/, in spine order.
    const spineFile = path.join(work, 'spine.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM ${query.spine} ORDER BY ${q(SPINE_ROW_COLUMN)}) TO ${stringLiteral(spineFile)} (FORMAT PARQUET)`,
    );
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: `${prefixes.spine}spine.parquet`,
        Body: await readFile(spineFile),
      }),
    );
    // 2. Athena: the scratch spine table, the UNLOAD, and the drop whatever happened.
    const spineTable = `${SPINE_TABLE_PREFIX}${query.id}`;
    await runAthenaQuery(
      deps,
      spineTableDdl(deps.glueDatabase, spineTable, query.spineColumns, s3uri(prefixes.spine)),
    );
    // A new version's rows from an earlier version's table (the store's and the query's).
    const eventsFrom = withQueryEventsFrom(deps.eventsFrom, query.eventsFrom);
    // The span from the spine itself: literal scan bounds Athena prunes partitions with.
    const span = await spineSpan(duckdb, query.spine, query.timeColumn);
    let outcome;
    try {
      outcome = await runAthenaQuery(
        deps,
        athenaUnloadSql(
          query.registry ? { ...deps.runtime, registry: query.registry } : deps.runtime,
          {
            service: query.service,
            database: deps.glueDatabase,
            spineTable,
            spineColumns: query.spineColumns,
            span,
            timeColumn: query.timeColumn,
            asOf: query.asOf,
            ...(query.views ? { views: query.views } : {}),
            ...(eventsFrom ? { eventsFrom } : {}),
            target: s3uri(prefixes.data),
          },
        ),
      );
    } finally {
      // The spine table is scaffolding (its data stays in S3).
      await runAthenaQuery(deps, dropTableDdl(deps.glueDatabase, spineTable)).catch(
        () => undefined,
      );
    }
    // 3. The unloaded files back here, read by DuckDB.
    const keys = await listObjectKeys(deps, prefixes.data);
    const files = await downloadKeys(deps, keys, work);
    return {
      relation:
        files.length === 0
          ? await noRows(deps, query, work)
          : `read_parquet([${files.map(stringLiteral).join(', ')}])`,
      queryId: outcome.queryId,
      bytesScanned: outcome.bytesScanned,
      files: keys.map(s3uri),
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** No file unloaded (no spine row): the join's typed columns over no rows, rendered locally. */
async function noRows(
  deps: AthenaOfflineReaderDeps,
  query: StoreQuery,
  emptyDir: string,
): Promise<string> {
  const local = localOfflineReader({
    dataDir: emptyDir,
    registry: query.registry ?? deps.runtime.registry,
  });
  const rows = await local.pointInTime({
    ...query,
    spine: `(SELECT * FROM ${query.spine} WHERE FALSE)`,
  });
  return rows.relation;
}
