/**
 * Forgetting in AWS: each view table holding the entity and the `inference_log` table get
 * Athena's `DELETE` (merge-on-read: position delete files), counted first with a `SELECT
 * count(*)` of the same predicate, then `OPTIMIZE … REWRITE DATA` so the current data files no
 * longer hold the rows; the table optimizers' snapshot retention then deletes the old files.
 * Exports are the Parquet objects under `exports/`, downloaded, rewritten by the same code as
 * locally (`exports.ts`) and put back; the audit trail is objects under `forget/`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetQueryResultsCommand } from '@aws-sdk/client-athena';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { offlineTableName } from '../core/columns.ts';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import { listObjectKeys, runAthenaQuery, type AthenaExportDeps } from '../export/athena-aws.ts';
import type { Registry } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import type { AuditBlobs, PlaceCounts } from './audit.ts';
import type { ExportFiles, ExportRef, LocalExportCopy } from './exports.ts';
import { viewsHolding, type ForgetKey } from './keys.ts';
import type { ForgetPlace } from './run.ts';
import {
  athenaDeleteSql,
  athenaOptimizeSql,
  chunkForAthena,
  forgetPredicate,
  LOG_TABLE,
  type KeySource,
} from './sql.ts';

export type AthenaForgetDeps = Pick<
  AthenaExportDeps,
  'athena' | 'workgroup' | 'glueDatabase' | 'clock' | 'sleep' | 'poll'
>;

/** The one number a `SELECT count(*)` returns (GetQueryResults: a header row, then the value). */
async function athenaCount(deps: AthenaForgetDeps, sql: string): Promise<number> {
  const { queryId } = await runAthenaQuery(deps, sql);
  const out = await deps.athena.send(new GetQueryResultsCommand({ QueryExecutionId: queryId }));
  return Number(out.ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue ?? 0);
}

/**
 * The statements of one table: per chunk of keys (each under Athena's query-string limit) a
 * count and a delete of the same predicate, then one compaction.
 */
export function forgetTableSql(
  database: string,
  table: string,
  source: KeySource,
  keys: readonly ForgetKey[],
): { chunks: { count: string; delete: string }[]; optimize: string } {
  const target = `${q(database)}.${q(table)}`;
  const chunks = chunkForAthena(keys, (some) => athenaDeleteSql(database, table, source, some));
  return {
    chunks: chunks.map((some) => ({
      count: `SELECT count(*) FROM ${target} WHERE ${forgetPredicate('athena', source, some)}`,
      delete: athenaDeleteSql(database, table, source, some),
    })),
    optimize: athenaOptimizeSql(database, table),
  };
}

/** Count, delete and compact one table for one entity's keys; rows removed. */
async function forgetInTable(
  deps: AthenaForgetDeps,
  table: string,
  source: KeySource,
  keys: readonly ForgetKey[],
): Promise<number> {
  const sql = forgetTableSql(deps.glueDatabase, table, source, keys);
  let removed = 0;
  for (const chunk of sql.chunks) {
    const n = await athenaCount(deps, chunk.count);
    if (n === 0) continue;
    await runAthenaQuery(deps, chunk.delete);
    removed += n;
  }
  if (removed > 0) await runAthenaQuery(deps, sql.optimize);
  return removed;
}

/** Every view table holding an entity's keys (the registry's versions: served and candidate). */
export function athenaOfflinePlace(deps: AthenaForgetDeps, registry: Registry): ForgetPlace {
  return {
    name: 'offline',
    async remove(groups) {
      const counts: PlaceCounts = {};
      for (const keys of groups.values())
        for (const view of viewsHolding(registry, keys[0]!.joinKeys)) {
          const table = offlineTableName(view);
          const n = await forgetInTable(deps, table, 'columns', keys);
          if (n > 0) counts[table] = (counts[table] ?? 0) + n;
        }
      return counts;
    },
  };
}

/** The `inference_log` Iceberg table: rows whose `keys` JSON holds a forgotten key. */
export function athenaLogPlace(deps: AthenaForgetDeps): ForgetPlace {
  return {
    name: 'inference_log',
    async remove(groups) {
      let n = 0;
      for (const keys of groups.values())
        n += await forgetInTable(deps, LOG_TABLE, 'log-json', keys);
      const counts: PlaceCounts = {};
      if (n > 0) counts[LOG_TABLE] = n;
      return counts;
    },
  };
}

type S3Deps = { readonly s3: Pick<S3Client, 'send'>; readonly bucket: string };

async function getText(deps: S3Deps, key: string): Promise<string | undefined> {
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    return await out.Body?.transformToString();
  } catch (error) {
    if ((error as { name?: unknown }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function put(deps: S3Deps, key: string, body: Uint8Array | string, type: string) {
  await deps.s3.send(
    new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: body, ContentType: type }),
  );
}

/** The audit trail as objects under `forget/` in the store bucket. */
export function s3AuditBlobs(deps: S3Deps): AuditBlobs {
  return {
    get: (key) => getText(deps, key),
    put: (key, text) => put(deps, key, text, 'application/json'),
    async delete(key) {
      await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: key }));
    },
  };
}

interface S3ExportRef extends ExportRef {
  readonly key: string;
  /** `exports/<id>/` of a training file, whose manifest and baseline sit beside it. */
  readonly root?: string;
}

/** Every Parquet object under `exports/` (training files and the UNLOADs' own files). */
export function s3ExportFiles(deps: S3Deps): ExportFiles<S3ExportRef> {
  return {
    async list() {
      const keys = await listObjectKeys(deps, BUCKET_PREFIXES.exports);
      return keys
        .filter((k) => k.endsWith('.parquet'))
        .map((key) => ({
          id: key,
          key,
          ...(key.endsWith('/training.parquet')
            ? { root: key.slice(0, -'training.parquet'.length) }
            : {}),
        }));
    },
    async fetch(ref) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-forget-'));
      const training = path.join(dir, 'training.parquet');
      const object = await deps.s3.send(
        new GetObjectCommand({ Bucket: deps.bucket, Key: ref.key }),
      );
      await writeFile(training, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
      const copy: { training: string; manifest?: string; baseline?: string } = { training };
      for (const part of ['manifest', 'baseline'] as const) {
        const text =
          ref.root === undefined ? undefined : await getText(deps, `${ref.root}${part}.json`);
        if (text === undefined) continue;
        copy[part] = path.join(dir, `${part}.json`);
        await writeFile(copy[part], text);
      }
      return copy;
    },
    async store(ref, copy, parts) {
      if (parts.training)
        await put(deps, ref.key, await readFile(copy.training), 'application/vnd.apache.parquet');
      if (!parts.sidecars || ref.root === undefined) return;
      for (const part of ['manifest', 'baseline'] as const) {
        const file = copy[part];
        if (file)
          await put(deps, `${ref.root}${part}.json`, await readFile(file), 'application/json');
      }
    },
    release: (copy: LocalExportCopy) =>
      rm(path.dirname(copy.training), { recursive: true, force: true }),
  };
}
