/**
 * `skewless backfill --view V --file F [--aws]`: history into the offline store, then
 * materialize. Every row passes ingestion's validation; a row that does not is reported with
 * its line and the rest are stored. Rows keep the `record_id` they carry, or get one from
 * their content, so a rerun adds nothing. Locally the rows go to `--data` (the running
 * `skewless dev` is then materialized); with `--aws` they are merged into the Iceberg table
 * through Athena.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { runAwsBackfill } from '../../backfill/aws.ts';
import { runLocalBackfill } from '../../backfill/local.ts';
import {
  prepareBackfill,
  type BadRow,
  type PreparedBackfill,
  type SourcedRow,
} from '../../backfill/prepare.ts';
import { listObjectKeys } from '../../export/athena-aws.ts';
import { parseS3Uri } from '../../export/athena-sql.ts';
import {
  FILE_FORMATS,
  readRecordRows,
  RecordFileError,
  type RecordRow,
  type FileFormat,
} from '../../producer/read-file.ts';
import type { Registry, RegistryView } from '../../registry/types.ts';
import type { MaterializeResult } from '../../materialize/materialize.ts';
import { CliError, EXIT, loadCliRegistry } from '../context.ts';
import {
  openTarget,
  withAthenaWorld,
  storeCommand,
  type AwsTarget,
  type LocalTarget,
  type TargetOptions,
} from '../store-target.ts';
import {
  formatMaterialize,
  materializableView,
  materializeInto,
  viewOrUsage,
  withDuckDb,
  withProgressBar,
  type StoreCommandDeps,
} from './materialize.ts';

interface BackfillOptions extends TargetOptions {
  readonly defs: string;
  readonly view: string;
  readonly file: string;
  readonly format?: FileFormat;
  readonly materialize: boolean;
}

/** Bad rows listed in the text output (all of them are in `--json`). */
const MAX_LISTED = 20;

export function registerBackfill(program: Command): void {
  backfillCommand(program).action(runBackfill);
}

async function runBackfill(options: BackfillOptions): Promise<void> {
  if (options.format && !FILE_FORMATS.includes(options.format))
    throw new CliError(`--format must be one of ${FILE_FORMATS.join(', ')}`);
  const { registry } = await loadCliRegistry(options);
  // Backfill ends with materialize, which an aggregation view refuses up front (--no-materialize
  // loads its raw history offline alone).
  const view = options.materialize
    ? materializableView(registry, options.view)
    : viewOrUsage(registry, options.view);
  if (options.file.startsWith('s3://') && !options.aws)
    throw new CliError('an s3:// --file needs --aws');
  // A local file is read (and its problems reported) before any store is reached.
  const fromFile = options.file.startsWith('s3://')
    ? undefined
    : await prepare(registry, view, options, undefined);
  const target = await openTarget(options, { online: options.materialize });
  try {
    const prepared = fromFile ?? (await prepare(registry, view, options, target));
    const result = await withDuckDb(async (duckdb) => {
      const world = { duckdb, registry, dataDir: options.data };
      const stored = await store(target, world, view, prepared, options);
      // materializableView above let only a plain view through with --materialize.
      const materialized =
        options.materialize && view.kind === 'plain'
          ? await materializeInto(target, world, view, options)
          : undefined;
      return { ...stored, materialized };
    });
    const summary = {
      view: view.name,
      file: options.file,
      read: prepared.read,
      valid: prepared.rows.length,
      duplicatesInFile: prepared.duplicates,
      ...result,
      bad: prepared.bad,
    };
    console.log(options.json ? JSON.stringify(summary) : formatBackfill(summary));
    if (prepared.bad.length > 0)
      throw new CliError(
        `${prepared.bad.length} invalid row(s) in ${options.file} were not stored (see above)`,
        EXIT.refused,
      );
  } finally {
    target.close();
  }
}

function backfillCommand(program: Command): Command {
  return storeCommand(
    program,
    'backfill',
    "Load a file of history into a view's offline store (validated as ingestion does), then materialize",
  )
    .requiredOption('--view <name>', 'feature view the history belongs to')
    .requiredOption(
      '--file <path>',
      'CSV, JSON lines or Parquet file of records (with --aws: or an s3://bucket/prefix/ of them)',
    )
    .option('--format <format>', `file format (${FILE_FORMATS.join('|')}); default: by extension`)
    .option('--no-materialize', 'only load the offline store')
    .addHelpText(
      'after',
      '\nColumns: the join keys, event_time, features; an optional record_id is kept.\n' +
        'Exit codes: 0 done, 1 a store failed, 2 bad arguments or file,\n' +
        '3 some rows were invalid (listed with their line; every other row was stored).',
    );
}

async function prepare(
  registry: Registry,
  view: RegistryView,
  options: BackfillOptions,
  target: LocalTarget | AwsTarget | undefined,
): Promise<PreparedBackfill> {
  const read = (file: string, label?: string) =>
    sourced(readRecordRows(file, { registry, view, format: options.format }), label);
  try {
    if (target?.kind === 'aws' && options.file.startsWith('s3://')) {
      // A prefix of history files in S3: each is read as a local file would be.
      return await withAthenaWorld(target, undefined, async (world) => {
        const files = await downloadPrefix(target, options.file, world.tmpDir);
        if (files.length === 0) throw new CliError(`no objects under ${options.file}`);
        return prepareBackfill(
          registry,
          view,
          concat(files.map((f) => read(f.local, f.uri))),
          Date.now(),
        );
      });
    }
    return await prepareBackfill(registry, view, read(options.file), Date.now());
  } catch (error) {
    if (error instanceof RecordFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

async function* sourced(
  rows: AsyncIterable<RecordRow>,
  file: string | undefined,
): AsyncGenerator<SourcedRow> {
  for await (const row of rows) yield file === undefined ? row : { ...row, file };
}

async function* concat<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}

/** Every object under an `s3://bucket/prefix`, downloaded with its own name (its format). */
async function downloadPrefix(
  target: AwsTarget,
  uri: string,
  dir: string,
): Promise<{ uri: string; local: string }[]> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  const deps = { s3: target.s3, bucket };
  const out: { uri: string; local: string }[] = [];
  for (const key of await listObjectKeys(deps, prefix)) {
    if (key.endsWith('/')) continue;
    const object = await target.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const local = path.join(dir, `${out.length}-${path.basename(key)}`);
    await writeFile(local, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
    out.push({ uri: `s3://${bucket}/${key}`, local });
  }
  return out;
}

interface Stored {
  /** Rows added (local), or rows sent to the merge (AWS: the merge skips stored ids itself). */
  readonly added: number;
  readonly alreadyStored?: number;
  readonly queryId?: string;
}

async function store(
  target: LocalTarget | AwsTarget,
  deps: StoreCommandDeps,
  view: RegistryView,
  prepared: PreparedBackfill,
  options: TargetOptions,
): Promise<Stored> {
  return withProgressBar(options, `backfill ${view.name}`, async (progress) => {
    if (target.kind === 'local') return await runLocalBackfill(deps, view, prepared.rows, progress);
    progress.start(prepared.rows.length);
    const { queryId } = await withAthenaWorld(target, deps.duckdb, (world) =>
      runAwsBackfill({ ...world, registry: deps.registry }, view, prepared.rows, progress.advance),
    );
    return { added: prepared.rows.length, ...(queryId ? { queryId } : {}) };
  });
}

function formatBackfill(summary: {
  view: string;
  file: string;
  read: number;
  valid: number;
  duplicatesInFile: number;
  added: number;
  alreadyStored?: number;
  queryId?: string;
  materialized?: MaterializeResult;
  bad: readonly BadRow[];
}): string {
  const lines = [
    `backfill ${summary.view} from ${summary.file}: ${summary.read} rows read, ${summary.valid} valid, ` +
      (summary.queryId !== undefined
        ? `merged into the Iceberg table (rows with a stored record id skipped; Athena query ${summary.queryId})`
        : `${summary.added} added, ${summary.alreadyStored ?? 0} already stored`) +
      (summary.duplicatesInFile > 0 ? `, ${summary.duplicatesInFile} repeated in the file` : ''),
  ];
  if (summary.materialized) lines.push(formatMaterialize(summary.materialized));
  if (summary.bad.length > 0) {
    lines.push(`${summary.bad.length} invalid row(s), not stored:`);
    for (const b of summary.bad.slice(0, MAX_LISTED))
      lines.push(`  ${b.file ?? summary.file}:${b.line}: ${b.message}`);
    if (summary.bad.length > MAX_LISTED) lines.push(`  … (--json lists them all)`);
  }
  return lines.join('\n');
}
