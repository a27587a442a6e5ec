/**
 * Athena plumbing shared by every AWS flow (export, skew rebuild, backfill, materialize): one
 * query started in the workgroup and polled with backoff, an export's S3 prefixes, and listing
 * and downloading what an UNLOAD wrote. Clients are injected; nothing here constructs one.
 */
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ATHENA_RULES, queryStringBytes } from '../aws-rules/athena.ts';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { isTerminal, type QueryState } from './athena-sql.ts';
import { ExportQueryError } from './errors.ts';

/**
 * The spine's scratch table: `tmp_` is the scratch prefix the CDK grants create/drop on
 * (`SCRATCH_TABLE_PREFIX` in lib/cdk/offline-reader.ts; a test checks they agree).
 */
export const SPINE_TABLE_PREFIX = 'tmp_spine_';

export interface PollOptions {
  /** @default 250 */
  readonly initialMs: number;
  /** @default 5000 */
  readonly maxMs: number;
  /** @default 1.5 */
  readonly factor: number;
  /** Give up (the query keeps its id in the error) after this long. @default 14 minutes */
  readonly timeoutMs: number;
}

export const DEFAULT_POLL: PollOptions = {
  initialMs: 250,
  maxMs: 5000,
  factor: 1.5,
  timeoutMs: 14 * 60_000,
};

export interface AthenaExportDeps {
  readonly athena: Pick<AthenaClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  readonly workgroup: string;
  readonly glueDatabase: string;
  readonly runtime: RuntimeRegistry;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly poll?: Partial<PollOptions>;
}

export interface QueryOutcome {
  readonly queryId: string;
  readonly bytesScanned: number;
}

export function exportPrefixes(exportId: string): {
  spine: string;
  data: string;
  manifest: string;
  baseline: string;
  training: string;
} {
  if (!/^[a-z0-9_]{1,100}$/.test(exportId))
    throw new RangeError(`export id '${exportId}' must be 1-100 of [a-z0-9_]`);
  const root = `${BUCKET_PREFIXES.exports}${exportId}/`;
  return {
    spine: `${BUCKET_PREFIXES.spines}${exportId}/`,
    data: `${root}data/`,
    manifest: `${root}manifest.json`,
    baseline: `${root}baseline.json`,
    training: `${root}training.parquet`,
  };
}

/** Starts one query in the workgroup and polls it with backoff until it ends. */
export async function runAthenaQuery(
  deps: Pick<
    AthenaExportDeps,
    'athena' | 'workgroup' | 'glueDatabase' | 'clock' | 'sleep' | 'poll'
  >,
  sql: string,
): Promise<QueryOutcome> {
  const poll = { ...DEFAULT_POLL, ...deps.poll };
  const limit = ATHENA_RULES.queryStringMaxBytes;
  if (queryStringBytes(sql) > limit.value)
    throw new ExportQueryError(
      '(none)',
      'FAILED',
      `the query is ${queryStringBytes(sql)} bytes, over Athena's ${limit.value}-byte limit (${limit.source})`,
    );
  const started = await deps.athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: deps.workgroup,
      QueryExecutionContext: { Database: deps.glueDatabase },
    }),
  );
  const queryId = started.QueryExecutionId;
  if (!queryId) throw new ExportQueryError('(none)', 'FAILED', 'Athena returned no query id');
  const deadline = deps.clock() + poll.timeoutMs;
  let delay = poll.initialMs;
  for (;;) {
    const { QueryExecution: execution } = await deps.athena.send(
      new GetQueryExecutionCommand({ QueryExecutionId: queryId }),
    );
    const state = (execution?.Status?.State ?? 'QUEUED') as QueryState;
    if (isTerminal(state)) {
      if (state === 'SUCCEEDED')
        return { queryId, bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0 };
      throw new ExportQueryError(
        queryId,
        state,
        execution?.Status?.StateChangeReason ??
          execution?.Status?.AthenaError?.ErrorMessage ??
          'Athena gave no reason',
      );
    }
    if (deps.clock() >= deadline)
      throw new ExportQueryError(queryId, state, `still ${state} after ${poll.timeoutMs} ms`);
    await deps.sleep(delay);
    delay = Math.min(poll.maxMs, delay * poll.factor);
  }
}

/** Every object key under `prefix` of the store's bucket, sorted (all pages of ListObjectsV2). */
export async function listObjectKeys(
  deps: Pick<AthenaExportDeps, 's3' | 'bucket'>,
  prefix: string,
): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Downloads every object under `prefix` into `dir` as `part-<n><ext>`; returns the files in key order. */
export async function downloadObjects(
  deps: Pick<AthenaExportDeps, 's3' | 'bucket'>,
  prefix: string,
  dir: string,
  ext = '.parquet',
): Promise<string[]> {
  return downloadKeys(deps, await listObjectKeys(deps, prefix), dir, ext);
}

/** Downloads `keys` of the store's bucket into `dir` as `part-<n><ext>`, in the order given. */
export async function downloadKeys(
  deps: Pick<AthenaExportDeps, 's3' | 'bucket'>,
  keys: readonly string[],
  dir: string,
  ext = '.parquet',
): Promise<string[]> {
  const files: string[] = [];
  for (const key of keys) {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    const file = path.join(dir, `part-${files.length}${ext}`);
    await writeFile(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
    files.push(file);
  }
  return files;
}
