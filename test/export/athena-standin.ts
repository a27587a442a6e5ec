/**
 * Athena and S3 served locally for tests of the AWS paths, at the SDK boundary: S3 is a map of
 * objects; Athena accepts the spine's DDL and the drop, and runs an UNLOAD by checking its text
 * is exactly what the generator renders in Athena's dialect for one of the plans the test names,
 * then running that plan in the DuckDB spelling of the same (Athena) shape over the uploaded
 * spine and the local offline store. The rows land under the UNLOAD's prefix in two files, each
 * in reverse spine order, as Athena's parallel writers may leave them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { athenaUnloadSql } from '../../lib/export/athena-sql.ts';
import { localOfflineStore } from '../../lib/export/offline-local.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { stringLiteral } from '../../lib/sql/literals.ts';
import type { AsOf, ViewSubset } from '../../lib/sql/plan.ts';
import { unloadInferenceLog } from './athena-log-standin.ts';

export interface UnloadPlan {
  readonly service: string;
  readonly timeColumn: string;
  readonly asOf: AsOf;
  readonly views?: ViewSubset;
}

export interface AthenaStandInOptions {
  readonly athena: AwsClientStub<AthenaClient>;
  readonly s3: AwsClientStub<S3Client>;
  readonly duckdb: DuckDBConnection;
  readonly runtime: RuntimeRegistry;
  readonly bucket: string;
  readonly database: string;
  /** The local offline store the UNLOAD reads (`<dataDir>/offline/...`). */
  readonly dataDir: string;
  /** Where the stand-in writes its scratch files. */
  readonly scratchDir: string;
  /** The plans an UNLOAD may be (its text must match one exactly). */
  readonly plans: () => readonly UnloadPlan[];
}

export interface AthenaStandIn {
  /** The bucket: key → body. */
  readonly objects: Map<string, Uint8Array | string>;
  /** Bytes handed out by GetObject, by key, in order (what the code under test downloaded). */
  readonly downloads: { readonly key: string; readonly bytes: number }[];
  /** Every query started, in order. */
  readonly queries: string[];
}

export function serveAthenaLocally(options: AthenaStandInOptions): AthenaStandIn {
  const objects = new Map<string, Uint8Array | string>();
  const queries: string[] = [];
  const downloads: { key: string; bytes: number }[] = [];
  const { s3, athena } = options;
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: Uint8Array | string }) => {
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const stored = objects.get(input.Key);
    if (stored === undefined)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    const bytes = typeof stored === 'string' ? Buffer.from(stored) : stored;
    downloads.push({ key: input.Key, bytes: bytes.byteLength });
    return {
      Body: {
        transformToByteArray: async () => new Uint8Array(bytes),
        transformToString: async () => Buffer.from(bytes).toString('utf8'),
      },
    };
  });
  s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(input.Prefix))
      .sort()
      .map((Key) => ({ Key })),
  }));
  athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
    queries.push(input.QueryString);
    if (input.QueryString.startsWith('UNLOAD')) await unload(options, objects, input.QueryString);
    return { QueryExecutionId: `q-${queries.length}` };
  });
  athena.on(GetQueryExecutionCommand).resolves({
    QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 4096 } },
  });
  return { objects, queries, downloads };
}

async function unload(
  options: AthenaStandInOptions,
  objects: Map<string, Uint8Array | string>,
  sql: string,
): Promise<void> {
  const { duckdb, bucket } = options;
  if (await unloadInferenceLog(options, objects, sql)) return;
  const target = /\nTO '(s3:\/\/[^']+)'\nWITH/.exec(sql)?.[1];
  const spineTable = /FROM "[^"]+"\."(tmp_spine_[a-z0-9_]+)"/.exec(sql)?.[1];
  if (!target || !spineTable) throw new Error(`not an export UNLOAD:\n${sql}`);
  const id = spineTable.slice('tmp_spine_'.length);
  const plan = options.plans().find(
    (p) =>
      athenaUnloadSql(options.runtime, {
        ...p,
        database: options.database,
        spineTable,
        target,
      }) === sql,
  );
  if (!plan) throw new Error(`the UNLOAD is none of the generator's plans:\n${sql}`);
  const spineFile = path.join(options.scratchDir, `${id}-spine.parquet`);
  await writeFile(spineFile, objects.get(`spines/${id}/spine.parquet`) as Uint8Array);
  const local = localOfflineStore({
    dataDir: options.dataDir,
    registry: options.runtime.registry,
    dialect: 'duckdb',
  });
  const rows = await local.pointInTime({
    ...plan,
    spine: `read_parquet(${stringLiteral(spineFile)})`,
    spineColumns: [],
  });
  const prefix = target.slice(`s3://${bucket}/`.length);
  for (const part of [0, 1]) {
    const file = path.join(options.scratchDir, `${id}-unload-${part}.parquet`);
    await duckdb.run(
      `COPY (SELECT * FROM ${rows.relation} WHERE _sk_row % 2 = ${part} ORDER BY _sk_row DESC) TO ${stringLiteral(file)} (FORMAT PARQUET)`,
    );
    objects.set(`${prefix}20010101_000000_00001_abcde_${part}`, await readFile(file));
  }
}
