/**
 * Athena and S3 served locally for tests of the AWS paths, at the SDK boundary: S3 is a map of
 * objects; Athena accepts DDL, DROP and MERGE, and runs an UNLOAD in DuckDB, refusing what Athena
 * refuses (`lib/aws-rules/athena.ts`): a query string over the length limit, a target prefix that
 * holds data, and any column it would write as a timestamp finer than milliseconds. An UNLOAD
 * whose SELECT reads a scratch spine table is an export: its text must be exactly what the
 * generator renders in Athena's dialect for one of the plans the test names, and that plan runs
 * in the DuckDB spelling of the same (Athena) shape over the uploaded spine and the local offline
 * store. Any other UNLOAD runs as written, each Glue table `"<database>"."<view>_v<n>"` being the
 * local offline store's files. The outer SELECT an UNLOAD wraps its query in runs as written
 * either way, so the column types checked are those of the text Athena receives. The rows land
 * under the UNLOAD's prefix in two files, each in reverse row order, as Athena's parallel writers
 * may leave them. A refused query ends FAILED with Athena's reason, as GetQueryExecution says.
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
import { ATHENA_RULES, queryStringBytes } from '../../lib/aws-rules/athena.ts';
import { athenaUnloadSql, spineGlueType, UNLOAD_SOURCE } from '../../lib/export/athena-sql.ts';
import {
  emptyRelation,
  localOfflineReader,
  localRelations,
} from '../../lib/export/offline-local.ts';
import { describeRelation, type SpineColumn } from '../../lib/export/spine.ts';
import { spineSpan } from '../../lib/export/spine-span.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { quoteIdentifier as q, stringLiteral } from '../../lib/sql/literals.ts';
import { offlineTableName } from '../../lib/core/columns.ts';
import type { AsOf, ViewSubset } from '../../lib/sql/plan.ts';
import type { EventsFrom } from '../../lib/export/offline-reader.ts';
import { unloadInferenceLog } from './athena-log-standin.ts';

export interface UnloadPlan {
  readonly service: string;
  readonly timeColumn: string;
  readonly asOf: AsOf;
  readonly views?: ViewSubset;
  /** Views the plan reads from an earlier version's table (the text must name that table). */
  readonly eventsFrom?: EventsFrom;
  /** The registry the plan reads, when not the stand-in's (a shadow's replay). */
  readonly runtime?: RuntimeRegistry;
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

/** Athena's own words for an UNLOAD column its Hive writer cannot take. */
export function timestampPrecisionError(column: string, type: string): string {
  return `Incorrect timestamp precision for ${type}; the configured precision is MILLISECONDS; column name: ${column}`;
}

export function serveAthenaLocally(options: AthenaStandInOptions): AthenaStandIn {
  const objects = new Map<string, Uint8Array | string>();
  const queries: string[] = [];
  const failures = new Map<string, string>();
  const tables: GlueTables = new Map();
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
    const id = `q-${queries.length}`;
    const refusal = await run(options, objects, tables, input.QueryString);
    if (refusal) failures.set(id, refusal);
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
    const reason = failures.get(input.QueryExecutionId);
    return {
      QueryExecution: reason
        ? { Status: { State: 'FAILED', StateChangeReason: reason } }
        : { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 4096 } },
    };
  });
  return { objects, queries, downloads };
}

/** The scratch tables' columns as their DDL declares them (what Athena knows of them). */
type GlueTables = Map<string, SpineColumn[]>;

/** DuckDB's name of a Glue column type the spine DDL writes (`spineGlueType`, reversed). */
const DUCKDB_OF_GLUE: Record<string, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  'array<double>': 'DOUBLE[]',
};

function createTable(tables: GlueTables, ddl: string): void {
  const name = /^CREATE EXTERNAL TABLE `[^`]+`\.`([^`]+)` \(/.exec(ddl)?.[1];
  if (!name) throw new Error(`not a CREATE EXTERNAL TABLE this stand-in reads:\n${ddl}`);
  const columns = [...ddl.matchAll(/^ {2}`((?:[^`]|``)+)` ([a-z<>]+),?$/gm)].map((m) => ({
    name: m[1]!.replace(/``/g, '`'),
    type: DUCKDB_OF_GLUE[m[2]!] ?? 'VARCHAR',
  }));
  tables.set(name, columns);
}

/** Runs one query; returns why Athena would fail it, or undefined. */
async function run(
  options: AthenaStandInOptions,
  objects: Map<string, Uint8Array | string>,
  tables: GlueTables,
  sql: string,
): Promise<string | undefined> {
  const limit = ATHENA_RULES.queryStringMaxBytes.value;
  if (queryStringBytes(sql) > limit)
    return `'queryString' failed to satisfy constraint: Member must have length less than or equal to ${limit}`;
  if (sql.startsWith('CREATE EXTERNAL TABLE')) createTable(tables, sql);
  if (!sql.startsWith('UNLOAD')) return undefined; // DDL, DROP, MERGE: accepted
  const parts = /^UNLOAD \(\n([\s\S]*)\n\)\nTO '(s3:\/\/[^']+)'\nWITH \(format = 'PARQUET'\)$/.exec(
    sql,
  );
  if (!parts) throw new Error(`not an UNLOAD this stand-in reads:\n${sql}`);
  const [, select, target] = parts as unknown as [string, string, string];
  const prefix = target.slice(`s3://${options.bucket}/`.length);
  if ([...objects.keys()].some((k) => k.startsWith(prefix)))
    return `HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: ${target}`;
  // The inference log's sample casts its own timestamps (`lib/skew/sample.ts`): its DuckDB
  // spelling keeps TIMESTAMP, so its column types are not checked here.
  if (await unloadInferenceLog(options, objects, sql)) return undefined;
  const wrapped = new RegExp(
    `^SELECT ([^\\n]*)\\nFROM \\(\\n([\\s\\S]*)\\n\\) AS ${q(UNLOAD_SOURCE)}$`,
  ).exec(select);
  const items = wrapped ? wrapped[1]! : '*';
  const source = wrapped ? wrapped[2]! : select;
  const relation = /"tmp_spine_[a-z0-9_]+"/.test(source)
    ? await exportRelation(options, objects, tables, sql)
    : await tableRelation(options, source);
  const rows = `_sk_standin_${prefix.replace(/[^a-z0-9]/g, '_')}`;
  await options.duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(rows)} AS SELECT ${items} FROM ${relation} AS ${q(UNLOAD_SOURCE)}`,
  );
  const types = await describeRelation(options.duckdb, q(rows));
  const fine = types.find((c) => finerThanMilliseconds(c.type));
  if (fine) return timestampPrecisionError(fine.name, trinoSpelling(fine.type));
  await writeParts(options, objects, q(rows), prefix);
  return undefined;
}

/** A DuckDB type holding a timestamp finer than ms: what the Hive writer refuses. */
function finerThanMilliseconds(type: string): boolean {
  return [...type.matchAll(/TIMESTAMP(_[A-Z]+| WITH TIME ZONE)?/g)].some(
    (m) => m[1] !== '_MS' && m[1] !== '_S',
  );
}

function trinoSpelling(type: string): string {
  if (type.includes('TIMESTAMP_NS')) return 'timestamp(9)';
  if (type.includes('WITH TIME ZONE')) return 'timestamp(6) with time zone';
  return 'timestamp(6)';
}

/**
 * An export's UNLOAD: its text must be the generator's for one of the plans; the plan then runs
 * in DuckDB over the uploaded spine, whose timestamps read as Hive's (milliseconds).
 */
async function exportRelation(
  options: AthenaStandInOptions,
  objects: Map<string, Uint8Array | string>,
  tables: GlueTables,
  sql: string,
): Promise<string> {
  const { duckdb } = options;
  const target = /\nTO '(s3:\/\/[^']+)'\nWITH/.exec(sql)?.[1];
  const spineTable = /FROM "[^"]+"\."(tmp_spine_[a-z0-9_]+)"/.exec(sql)?.[1];
  if (!target || !spineTable) throw new Error(`not an export UNLOAD:\n${sql}`);
  const id = spineTable.slice('tmp_spine_'.length);
  const spineFile = path.join(options.scratchDir, `${id}-spine.parquet`);
  await writeFile(spineFile, objects.get(`spines/${id}/spine.parquet`) as Uint8Array);
  const raw = `read_parquet(${stringLiteral(spineFile)})`;
  const spineColumns = tables.get(spineTable);
  if (!spineColumns) throw new Error(`UNLOAD before its table ${spineTable} was created`);
  let matched: UnloadPlan | undefined;
  for (const p of options.plans()) {
    if (!spineColumns.some((c) => c.name === p.timeColumn)) continue; // another spine's plan
    const span = await spineSpan(duckdb, raw, p.timeColumn);
    const request = { ...p, database: options.database, spineTable, spineColumns, span, target };
    if (athenaUnloadSql(p.runtime ?? options.runtime, request) === sql) matched = p;
  }
  if (!matched) throw new Error(`the UNLOAD is none of the generator's plans:\n${sql}`);
  // A Hive table's timestamp column reads as timestamp(3) in Athena.
  const hive = spineColumns.map((c) =>
    spineGlueType(c) === 'timestamp'
      ? `CAST(${q(c.name)} AS TIMESTAMP_MS) AS ${q(c.name)}`
      : q(c.name),
  );
  const local = localOfflineReader({
    dataDir: options.dataDir,
    registry: (matched.runtime ?? options.runtime).registry,
    dialect: 'duckdb',
    ...(matched.eventsFrom ? { eventsFrom: matched.eventsFrom } : {}),
  });
  const rows = await local.pointInTime({
    ...matched,
    spine: `(SELECT ${hive.join(', ')} FROM ${raw})`,
    spineColumns: [],
  });
  return rows.relation;
}

/** Any other UNLOAD reads Glue tables by name: each is a view over the local offline store. */
async function tableRelation(options: AthenaStandInOptions, source: string): Promise<string> {
  const { duckdb } = options;
  const { registry } = options.runtime;
  const views = registry.featureViews.map((v) => ({ name: v.name, table: offlineTableName(v) }));
  const local = await localRelations(registry, options.dataDir, views);
  await duckdb.run(`CREATE SCHEMA IF NOT EXISTS ${q(options.database)}`);
  for (const v of views)
    await duckdb.run(
      `CREATE OR REPLACE VIEW ${q(options.database)}.${q(v.table)} AS SELECT * FROM ${local.get(v.table) ?? emptyRelation(registry, v)}`,
    );
  return `(${source})`;
}

async function writeParts(
  options: AthenaStandInOptions,
  objects: Map<string, Uint8Array | string>,
  rows: string,
  prefix: string,
): Promise<void> {
  for (const part of [0, 1]) {
    const file = path.join(options.scratchDir, `${prefix.replace(/\//g, '_')}-${part}.parquet`);
    await options.duckdb.run(
      `COPY (SELECT * EXCLUDE (_sk_n) FROM (SELECT *, row_number() OVER () - 1 AS _sk_n FROM ${rows}) WHERE _sk_n % 2 = ${part} ORDER BY _sk_n DESC) TO ${stringLiteral(file)} (FORMAT PARQUET)`,
    );
    objects.set(`${prefix}20010101_000000_00001_abcde_${part}`, await readFile(file));
  }
}
