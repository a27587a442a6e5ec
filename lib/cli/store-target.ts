/**
 * Where `backfill` and `materialize` write: the running local store (its endpoints file), or
 * AWS (`--aws`: the online table, bucket, Athena workgroup and Glue database of a deployment).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { Presets, SingleBar } from 'cli-progress';
import { readConfig } from '../config.ts';
import type { AthenaExportDeps } from '../export/athena-aws.ts';
import { onlineTableName } from '../core/naming.ts';
import { dynamoOnlineWriter } from '../ingest/online-aws.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import { readLocalEndpoints, syncLocalStore } from '../local/endpoints.ts';
import { LOCAL_AWS } from '../local/stack.ts';
import { CliError, EXIT, withCommonOptions } from './context.ts';
import { SDK_SINGLE_ATTEMPT } from '../core/retry.ts';

export interface TargetOptions {
  readonly data: string;
  readonly aws?: boolean;
  readonly prefix: string;
  readonly region?: string;
  readonly table?: string;
  readonly bucket?: string;
  readonly workgroup?: string;
  readonly database?: string;
  readonly progress: boolean;
  readonly json?: boolean;
}

/** A command that works on the local store or, with `--aws`, a deployment: its options first. */
export function storeCommand(program: Command, name: string, description: string): Command {
  return withTargetOptions(withCommonOptions(program.command(name).description(description)));
}

/** Adds the `--aws` family of options. */
export function withTargetOptions(command: Command): Command {
  return command
    .option('--aws', 'the deployed store (default AWS credential chain) instead of the local one')
    .option('--prefix <prefix>', 'deployment prefix in AWS', 'skewless')
    .option('--region <region>', 'AWS region (default: from the environment)')
    .option('--table <name>', 'online table (with --aws; default: <prefix>-online)')
    .option('--bucket <name>', 'store bucket (with --aws; default: $SKEWLESS_BUCKET)')
    .option(
      '--workgroup <name>',
      'Athena workgroup (with --aws; default: $SKEWLESS_ATHENA_WORKGROUP)',
    )
    .option('--database <name>', 'Glue database (with --aws; default: $SKEWLESS_GLUE_DATABASE)')
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress bars');
}

export interface LocalTarget {
  readonly kind: 'local';
  /** The running store's online table; absent when no store runs and none was needed. */
  readonly online: OnlineStoreWriter | undefined;
  close(): void;
}

export interface AwsTarget {
  readonly kind: 'aws';
  readonly online: OnlineStoreWriter;
  readonly athena: AthenaClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly workgroup: string;
  readonly database: string;
  close(): void;
}

/** The deployment's bucket, Athena workgroup and Glue database: flags, else the environment. */
export function awsStoreNames(options: {
  readonly bucket?: string;
  readonly workgroup?: string;
  readonly database?: string;
}): { bucket: string; workgroup: string; database: string } {
  const config = readConfig(process.env);
  const bucket = options.bucket ?? config.bucket;
  const workgroup = options.workgroup ?? config.athenaWorkgroup;
  const database = options.database ?? config.glueDatabase;
  if (!bucket || !workgroup || !database)
    throw new CliError(
      '--aws needs --bucket, --workgroup and --database (or SKEWLESS_BUCKET, SKEWLESS_ATHENA_WORKGROUP, SKEWLESS_GLUE_DATABASE)',
    );
  return { bucket, workgroup, database };
}

/** What the Athena flows of `backfill` and `materialize` run in. */
export interface AthenaWorld extends Omit<AthenaExportDeps, 'runtime' | 'poll'> {
  readonly duckdb: DuckDBConnection | undefined;
  /** A scratch folder, removed afterwards. */
  readonly tmpDir: string;
  /** Names this run's S3 prefix and scratch table: `[a-z0-9_]`. */
  readonly runId: string;
}

export async function withAthenaWorld<T, D extends DuckDBConnection | undefined>(
  target: AwsTarget,
  duckdb: D,
  fn: (world: AthenaWorld & { readonly duckdb: D }) => Promise<T>,
): Promise<T> {
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-aws-'));
  try {
    return await fn({
      duckdb,
      athena: target.athena,
      s3: target.s3,
      bucket: target.bucket,
      workgroup: target.workgroup,
      glueDatabase: target.database,
      clock: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      tmpDir,
      runId: `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
    });
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** The running local store (after it wrote what it holds), or the AWS clients and names. */
export async function openTarget(
  options: TargetOptions,
  need: { readonly online: boolean } = { online: true },
): Promise<LocalTarget | AwsTarget> {
  if (options.aws) {
    const { bucket, workgroup, database } = awsStoreNames(options);
    const region = options.region ? { region: options.region } : {};
    // Materialize retries its own writes (`DEFAULT_RETRY`): one SDK attempt each, not stacked.
    const dynamodb = new DynamoDBClient({ ...region, ...SDK_SINGLE_ATTEMPT });
    const athena = new AthenaClient(region);
    const s3 = new S3Client(region);
    const table = options.table ?? onlineTableName({ prefix: options.prefix });
    return {
      kind: 'aws',
      online: dynamoOnlineWriter(dynamodb, table),
      athena,
      s3,
      bucket,
      workgroup,
      database,
      close() {
        for (const c of [dynamodb, athena, s3]) c.destroy();
      },
    };
  }
  let endpoints;
  try {
    endpoints = await readLocalEndpoints(options.data);
    await syncLocalStore(options.data);
  } catch (error) {
    // Offline-only work (backfill --no-materialize) needs no running store.
    if (!need.online && endpoints === undefined)
      return { kind: 'local', online: undefined, close: () => undefined };
    throw new CliError((error as Error).message, EXIT.failure, { cause: error });
  }
  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: endpoints.dynamodb });
  return {
    kind: 'local',
    online: dynamoOnlineWriter(dynamodb, onlineTableName({ prefix: endpoints.prefix })),
    close: () => dynamodb.destroy(),
  };
}

/** A progress bar on stderr when it is a terminal (and not `--no-progress` / `--json`). */
export function progressBar(options: TargetOptions, label: string): SingleBar | undefined {
  if (!options.progress || options.json || process.stderr.isTTY !== true) return undefined;
  return new SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, clearOnComplete: true },
    Presets.shades_classic,
  );
}
