/**
 * Athena and S3 for the forget path's tests, at the SDK boundary. Athena runs what forget sends
 * on the local store's Parquet files (each Glue table `"<db>"."<view>_v<n>"` is
 * `offline/<table>/`, `"<db>"."inference_log"` is `inference_log/`): `SELECT count(*)` answers
 * through GetQueryResults, `DELETE FROM` removes the rows as Athena's merge-on-read makes readers
 * see them, and `OPTIMIZE … REWRITE DATA USING BIN_PACK` is accepted on a table that exists. It
 * refuses what Athena refuses: a query string over the limit, an unknown table, an OPTIMIZE
 * whose WHERE names a column that is not a partition column (`ATHENA_OPTIMIZE_WHERE`), and any
 * other statement. S3 is a map of objects (GetObject of a missing key is `NoSuchKey`).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ATHENA_RULES, queryStringBytes } from '../../lib/aws-rules/athena.ts';
import { filesUnder } from '../../lib/forget/local.ts';
import { countMatches, removeMatchingRows } from '../../lib/forget/parquet.ts';
import { localInferenceLogDir } from '../../lib/local/inference-log.ts';

/**
 * "Only partition columns are allowed in the WHERE clause predicate. Specifying a non-partition
 * column will cause the query to fail."
 * https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html
 */
export const ATHENA_OPTIMIZE_WHERE = 'OPTIMIZE … WHERE takes partition columns only';

export interface ForgetStandIns {
  readonly queries: string[];
  readonly objects: Map<string, Uint8Array>;
}

/** The table's files; undefined for a table the catalog does not hold. */
async function tableFiles(
  dataDir: string,
  table: string,
  tables: readonly string[] | undefined,
): Promise<string[] | undefined> {
  if (table === 'inference_log') return filesUnder(localInferenceLogDir(dataDir), '.parquet');
  const onDisk = await readdir(path.join(dataDir, 'offline')).catch(() => [] as string[]);
  if (!onDisk.includes(table) && !tables?.includes(table)) return undefined;
  return filesUnder(path.join(dataDir, 'offline', table), '.parquet');
}

/** Athena's spelling of the JSON function, in DuckDB's. */
function inDuckDb(predicate: string): string {
  return predicate.replaceAll('json_extract_scalar(', 'json_extract_string(');
}

async function runQuery(
  duckdb: DuckDBConnection,
  dataDir: string,
  tables: readonly string[] | undefined,
  sql: string,
): Promise<{ failed?: string; count?: number }> {
  if (queryStringBytes(sql) > ATHENA_RULES.queryStringMaxBytes.value)
    return { failed: ATHENA_RULES.queryStringMaxBytes.rule };
  const m =
    /^(SELECT count\(\*\) FROM|DELETE FROM|OPTIMIZE) "[a-z0-9_]+"\."([a-z0-9_]+)"(?: REWRITE DATA USING BIN_PACK)?(?: WHERE ([\s\S]*))?$/.exec(
      sql,
    );
  if (!m) return { failed: `the stand-in runs only forget's statements: ${sql.slice(0, 80)}` };
  const [, verb, table, where] = m;
  const files = await tableFiles(dataDir, table!, tables);
  if (!files) return { failed: `TABLE_NOT_FOUND: ${table}` };
  if (verb === 'OPTIMIZE') return where === undefined ? {} : { failed: ATHENA_OPTIMIZE_WHERE };
  const predicate = inDuckDb(where ?? 'TRUE');
  if (verb === 'DELETE FROM') {
    await removeMatchingRows(
      duckdb,
      files,
      predicate,
      table === 'inference_log' ? 'zstd' : 'snappy',
    );
    return {};
  }
  const counts = await countMatches(duckdb, files, predicate);
  return { count: [...counts.values()].reduce((a, b) => a + b, 0) };
}

export function serveForgetStandIns(options: {
  readonly athena: AwsClientStub<AthenaClient>;
  readonly s3: AwsClientStub<S3Client>;
  readonly duckdb: DuckDBConnection;
  readonly dataDir: string;
  readonly objects?: Map<string, Uint8Array>;
  /** The Glue tables that exist besides those with files (an empty table has none locally). */
  readonly tables?: readonly string[];
}): ForgetStandIns {
  const queries: string[] = [];
  const outcomes = new Map<string, { failed?: string; count?: number }>();
  const objects = options.objects ?? new Map<string, Uint8Array>();
  options.athena
    .on(StartQueryExecutionCommand)
    .callsFake(async (input: { QueryString: string }) => {
      const id = `q-${queries.length}`;
      queries.push(input.QueryString);
      outcomes.set(
        id,
        await runQuery(options.duckdb, options.dataDir, options.tables, input.QueryString),
      );
      return { QueryExecutionId: id };
    });
  options.athena
    .on(GetQueryExecutionCommand)
    .callsFake(async (input: { QueryExecutionId: string }) => {
      const failed = outcomes.get(input.QueryExecutionId)?.failed;
      return {
        QueryExecution: {
          Status: failed ? { State: 'FAILED', StateChangeReason: failed } : { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 1 },
        },
      };
    });
  options.athena
    .on(GetQueryResultsCommand)
    .callsFake(async (input: { QueryExecutionId: string }) => ({
      ResultSet: {
        Rows: [
          { Data: [{ VarCharValue: '_col0' }] },
          { Data: [{ VarCharValue: String(outcomes.get(input.QueryExecutionId)?.count ?? 0) }] },
        ],
      },
    }));
  options.s3
    .on(PutObjectCommand)
    .callsFake(async (input: { Key: string; Body: Uint8Array | string }) => {
      objects.set(input.Key, typeof input.Body === 'string' ? Buffer.from(input.Body) : input.Body);
      return {};
    });
  options.s3.on(DeleteObjectCommand).callsFake(async (input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  options.s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })),
  }));
  options.s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return {
      Body: {
        transformToByteArray: async () => body,
        transformToString: async () => Buffer.from(body).toString('utf8'),
      },
    };
  });
  return { queries, objects };
}
