/**
 * `skewless export --spine FILE --service NAME --out FILE|s3://... [--as-of ISO] [--time-column C]`:
 * a point-in-time training set. Locally it reads the offline store under `--data` with DuckDB
 * (no running stack needed); with `--aws` Athena runs the same generator's Athena dialect in the
 * deployment's workgroup. Either way the one export runner (`lib/export/run.ts`, the export
 * Lambda's too) applies the request transforms and writes the rows in spine order.
 */
import { randomBytes } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { instantProblem, parseInstant } from '../../core/values.ts';
import {
  MACHINE_DUCKDB_CONFIG,
  withScratchDuckDB,
  type ScratchSession,
} from '../../export/duckdb-session.ts';
import { ExportQueryError } from '../../export/errors.ts';
import { newExportId } from '../../export/export-id.ts';
import { formatSummary, type ExportSummary } from '../../export/manifest.ts';
import { athenaOfflineReader } from '../../export/offline-athena-aws.ts';
import { localOfflineReader } from '../../export/offline-local.ts';
import type { OfflineReader } from '../../export/offline-reader.ts';
import { runExport, type ExportRequest, type ExportStage } from '../../export/run.ts';
import { syncLocalStore } from '../../local/endpoints.ts';
import type { RuntimeRegistry } from '../../registry/compile.ts';
import { getService } from '../../registry/query.ts';
import { CliError, EXIT, loadCliRegistry } from '../context.ts';
import { openTarget, storeCommand, type AwsTarget, type TargetOptions } from '../store-target.ts';

interface ExportOptions extends TargetOptions {
  readonly defs: string;
  readonly spine: string;
  readonly service: string;
  readonly out: string;
  readonly asOf?: string;
  readonly timeColumn?: string;
  readonly dialect: string;
  readonly promoteBaseline?: boolean;
}

const STAGES: readonly ExportStage[] = ['spine', 'join', 'transforms', 'write'];

export function registerExport(program: Command): void {
  exportCommand(program).action(async (options: ExportOptions) => {
    const runtime = await loadCliRegistry(options);
    const request = exportRequest(options, runtime);
    const bar = stageBar(options);
    let summary: ExportSummary;
    try {
      summary = await withScratchDuckDB(
        'export',
        async (session) => {
          const { store, close } = await openStore(options, runtime, session);
          try {
            return await runExport(
              {
                duckdb: session.duckdb,
                runtime,
                store,
                clock: Date.now,
                onProgress: progressOf(bar),
              },
              request,
            );
          } finally {
            close();
          }
        },
        MACHINE_DUCKDB_CONFIG,
      );
    } catch (error) {
      if (error instanceof ExportQueryError)
        throw new CliError(error.message, EXIT.failure, { cause: error });
      throw error;
    } finally {
      bar?.stop();
    }
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  });
}

function exportCommand(program: Command): Command {
  return storeCommand(
    program,
    'export',
    'Build a point-in-time training set (Parquet, spine order) for a feature service',
  )
    .requiredOption(
      '--spine <file>',
      'spine: CSV or Parquet with the join keys, a time column and labels',
    )
    .requiredOption('--service <name>', 'feature service to export')
    .requiredOption('--out <file>', 'output Parquet file, or s3://bucket/key.parquet with --aws')
    .option('--as-of <iso>', 'ignore records ingested after this UTC instant (default: now)')
    .option(
      '--time-column <name>',
      "spine column with each row's time (default: event_time or timestamp)",
    )
    .option(
      '--dialect <name>',
      'local SQL shape: duckdb-asof (fast) or duckdb (the Athena shape)',
      'duckdb-asof',
    )
    .option(
      '--promote-baseline',
      "with --aws: make this export's baseline the one the nightly skew check compares against",
    );
}

/** The request the options describe, or a usage error naming the bad option. */
function exportRequest(options: ExportOptions, runtime: RuntimeRegistry): ExportRequest {
  const service = getService(runtime.registry, options.service);
  const asOf = options.asOf === undefined ? undefined : parseInstant(options.asOf);
  if (options.asOf !== undefined && asOf === undefined)
    throw new CliError(`--as-of: ${instantProblem(options.asOf)}`);
  if (options.dialect !== 'duckdb' && options.dialect !== 'duckdb-asof')
    throw new CliError(`--dialect must be duckdb or duckdb-asof, not '${options.dialect}'`);
  if (options.out.startsWith('s3://') && !options.aws)
    throw new CliError('an s3:// --out needs --aws');
  return {
    spineFile: options.spine,
    service: service.name,
    out: options.out,
    ...(asOf === undefined ? {} : { asOf }),
    ...(options.timeColumn ? { timeColumn: options.timeColumn } : {}),
    exportId: newExportId(service.name, Date.now(), randomBytes(3).toString('hex')),
    promoteBaseline: options.promoteBaseline === true,
  };
}

type StageBar = SingleBar | undefined;

function stageBar(options: ExportOptions): StageBar {
  if (!options.progress || options.json) return undefined;
  const bar = new SingleBar(
    { format: 'export [{bar}] {stage} {value}', clearOnComplete: true, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(STAGES.length, 0, { stage: 'spine' });
  return bar;
}

const progressOf = (bar: StageBar) => (stage: ExportStage) =>
  bar?.update(STAGES.indexOf(stage) + 1, { stage });

/** The offline store the options name: the local folder (synced first), or the deployment's Athena. */
async function openStore(
  options: ExportOptions,
  runtime: RuntimeRegistry,
  { duckdb, tmpDir }: ScratchSession,
): Promise<{ store: OfflineReader; close: () => void }> {
  if (!options.aws) {
    await syncLocalStore(options.data); // what `push` sent before is in the offline store
    const dialect = options.dialect as 'duckdb' | 'duckdb-asof';
    const store = localOfflineReader({
      dataDir: options.data,
      registry: runtime.registry,
      dialect,
    });
    return { store, close: () => undefined };
  }
  const target = (await openTarget(options, { online: false })) as AwsTarget;
  const store = athenaOfflineReader({
    athena: target.athena,
    s3: target.s3,
    bucket: target.bucket,
    workgroup: target.workgroup,
    glueDatabase: target.database,
    runtime,
    clock: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    duckdb,
    tmpDir,
  });
  return { store, close: () => target.close() };
}
