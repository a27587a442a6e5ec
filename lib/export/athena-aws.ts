/**
 * The AWS path of a training export: the spine (already uploaded as Parquet with `_sk_row`
 * under `spines/<export id>/`) becomes an external table in the Glue database, Athena runs the
 * generated point-in-time SELECT in `UNLOAD ... WITH (format = 'PARQUET')` into
 * `exports/<export id>/data/` (UNLOAD writes only into an empty prefix, several files in no
 * order), and a manifest names the files. Clients are injected; nothing here constructs one.
 */
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import {
  athenaUnloadSql,
  dropTableDdl,
  isTerminal,
  spineTableDdl,
  type QueryState,
} from './athena-sql.ts';
import { ExportQueryError } from './errors.ts';
import { MANIFEST_FORMAT_VERSION, type ExportManifest } from './manifest.ts';
import type { SpineColumn } from './spine.ts';

/**
 * The spine's scratch table: `tmp_` is the scratch prefix the CDK grants create/drop on
 * (`SCRATCH_TABLE_PREFIX` in lib/cdk/offline-store.ts; a test checks they agree).
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

export interface AthenaExportRequest {
  readonly service: string;
  /** Lower case letters, digits and `_`: names the spine table and the S3 prefixes. */
  readonly exportId: string;
  /** Columns of the spine Parquet already under `spines/<export id>/` (it carries `_sk_row`). */
  readonly spineColumns: readonly SpineColumn[];
  readonly spineSource: string;
  readonly spineSha256: string;
  readonly spineRows: number;
  readonly timeColumn: string;
  /** Epoch ms. */
  readonly asOf: number;
}

export interface AthenaExportResult {
  readonly queryId: string;
  readonly bytesScanned: number;
  /** `s3://` URIs of the unloaded Parquet files. */
  readonly files: readonly string[];
  readonly manifestUri: string;
  readonly manifest: ExportManifest;
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
} {
  if (!/^[a-z0-9_]{1,100}$/.test(exportId))
    throw new RangeError(`export id '${exportId}' must be 1-100 of [a-z0-9_]`);
  const root = `${BUCKET_PREFIXES.exports}${exportId}/`;
  return {
    spine: `${BUCKET_PREFIXES.spines}${exportId}/`,
    data: `${root}data/`,
    manifest: `${root}manifest.json`,
    baseline: `${root}baseline.json`,
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

/** Runs the export in Athena and writes its manifest; returns the files, query id and bytes. */
export async function runAthenaExport(
  deps: AthenaExportDeps,
  request: AthenaExportRequest,
): Promise<AthenaExportResult> {
  const service = getService(deps.runtime.registry, request.service);
  const prefixes = exportPrefixes(request.exportId);
  const spineTable = `${SPINE_TABLE_PREFIX}${request.exportId}`;
  const s3uri = (key: string) => `s3://${deps.bucket}/${key}`;
  const startedAt = deps.clock();

  await runAthenaQuery(
    deps,
    spineTableDdl(deps.glueDatabase, spineTable, request.spineColumns, s3uri(prefixes.spine)),
  );
  let outcome: QueryOutcome;
  try {
    outcome = await runAthenaQuery(
      deps,
      athenaUnloadSql(deps.runtime, {
        service: service.name,
        database: deps.glueDatabase,
        spineTable,
        timeColumn: request.timeColumn,
        asOf: { kind: 'instant', at: request.asOf },
        target: s3uri(prefixes.data),
      }),
    );
  } finally {
    // The spine table is scaffolding: drop it whatever happened (its data stays in S3).
    await runAthenaQuery(deps, dropTableDdl(deps.glueDatabase, spineTable)).catch(() => undefined);
  }

  const files = (await listObjectKeys(deps, prefixes.data)).map(s3uri);

  const manifest: ExportManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    exportId: request.exportId,
    service: service.name,
    registryHash: deps.runtime.registry.hash,
    asOf: new Date(request.asOf).toISOString(),
    engine: 'athena',
    dialect: 'athena',
    spine: {
      source: request.spineSource,
      sha256: request.spineSha256,
      rows: request.spineRows,
      timeColumn: request.timeColumn,
    },
    queryId: outcome.queryId,
    files,
    rows: request.spineRows,
    outputs: service.outputs,
    // Athena cannot run TypeScript: whoever reads the files applies them (the CLI does).
    transformsPending: service.transforms,
    createdAt: new Date(startedAt).toISOString(),
  };
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: prefixes.manifest,
      Body: `${JSON.stringify(manifest, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
  return {
    queryId: outcome.queryId,
    bytesScanned: outcome.bytesScanned,
    files,
    manifestUri: s3uri(prefixes.manifest),
    manifest,
  };
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
  const files: string[] = [];
  for (const key of await listObjectKeys(deps, prefix)) {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    const file = path.join(dir, `part-${files.length}${ext}`);
    await writeFile(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
    files.push(file);
  }
  return files;
}
