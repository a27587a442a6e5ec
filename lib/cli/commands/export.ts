/**
 * `skewless export --spine FILE --service NAME --out FILE|s3://... [--as-of ISO] [--time-column C]`:
 * a point-in-time training set. Locally it reads the offline store under `--data` with DuckDB
 * (no running stack needed); with `--aws` it runs the same generator's Athena dialect in the
 * deployment's workgroup and brings the rows back in spine order.
 */
import { randomBytes } from 'node:crypto';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { instantProblem, parseInstant } from '../../core/values.ts';
import { ExportQueryError } from '../../export/errors.ts';
import { runAwsExport } from '../../export/export-aws.ts';
import { newExportId } from '../../export/export-id.ts';
import { runLocalExport } from '../../export/export-local.ts';
import { syncLocalStore } from '../../local/endpoints.ts';
import { awsStoreNames } from '../store-target.ts';
import { formatSummary, type ExportSummary } from '../../export/manifest.ts';
import { getService } from '../../registry/query.ts';
import { CliError, EXIT, loadCliRegistry, withCommonOptions } from '../context.ts';

interface ExportOptions {
  readonly defs: string;
  readonly data: string;
  readonly spine: string;
  readonly service: string;
  readonly out: string;
  readonly asOf?: string;
  readonly timeColumn?: string;
  readonly dialect: string;
  readonly aws?: boolean;
  readonly bucket?: string;
  readonly workgroup?: string;
  readonly database?: string;
  readonly promoteBaseline?: boolean;
  readonly json?: boolean;
}

const STAGES = ['spine', 'upload', 'athena', 'download', 'join', 'transforms', 'write'] as const;

export function registerExport(program: Command): void {
  withCommonOptions(
    program
      .command('export')
      .description(
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
        '--aws',
        'run in Athena (env SKEWLESS_BUCKET, SKEWLESS_ATHENA_WORKGROUP, SKEWLESS_GLUE_DATABASE)',
      )
      .option('--bucket <name>', 'store bucket (with --aws; default: $SKEWLESS_BUCKET)')
      .option(
        '--workgroup <name>',
        'Athena workgroup (with --aws; default: $SKEWLESS_ATHENA_WORKGROUP)',
      )
      .option('--database <name>', 'Glue database (with --aws; default: $SKEWLESS_GLUE_DATABASE)')
      .option(
        '--promote-baseline',
        "with --aws: make this export's baseline the one the nightly skew check compares against",
      )
      .option('--json', 'print the summary as JSON'),
  ).action(async (options: ExportOptions) => {
    const runtime = await loadCliRegistry(options);
    const service = getService(runtime.registry, options.service);
    const asOf = options.asOf === undefined ? undefined : parseInstant(options.asOf);
    if (options.asOf !== undefined && asOf === undefined)
      throw new CliError(`--as-of: ${instantProblem(options.asOf)}`);
    if (options.dialect !== 'duckdb' && options.dialect !== 'duckdb-asof')
      throw new CliError(`--dialect must be duckdb or duckdb-asof, not '${options.dialect}'`);
    if (options.out.startsWith('s3://') && !options.aws)
      throw new CliError('an s3:// --out needs --aws');
    const exportId = newExportId(service.name, Date.now(), randomBytes(3).toString('hex'));
    const bar = new SingleBar(
      { format: 'export [{bar}] {stage} {value}', clearOnComplete: true, stream: process.stderr },
      Presets.shades_classic,
    );
    bar.start(STAGES.length, 0, { stage: 'spine' });
    const onProgress = (stage: string) =>
      bar.update(STAGES.indexOf(stage as (typeof STAGES)[number]) + 1, { stage });
    const instance = await DuckDBInstance.create(':memory:');
    const duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    let summary: ExportSummary;
    try {
      if (options.aws) {
        const { bucket, workgroup, database } = awsStoreNames(options);
        summary = await runAwsExport(
          {
            duckdb,
            athena: new AthenaClient({}),
            s3: new S3Client({}),
            bucket,
            workgroup,
            glueDatabase: database,
            runtime,
            clock: Date.now,
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            onProgress,
          },
          {
            spineFile: options.spine,
            service: service.name,
            out: options.out,
            asOf,
            timeColumn: options.timeColumn,
            promoteBaseline: options.promoteBaseline === true,
            exportId,
          },
        );
      } else {
        await syncLocalStore(options.data); // what `push` sent before is in the offline store
        summary = await runLocalExport(
          { duckdb, dataDir: options.data, runtime, clock: Date.now, onProgress },
          {
            spineFile: options.spine,
            service: service.name,
            out: options.out,
            asOf,
            timeColumn: options.timeColumn,
            dialect: options.dialect,
            exportId,
          },
        );
      }
    } catch (error) {
      if (error instanceof ExportQueryError)
        throw new CliError(error.message, EXIT.failure, { cause: error });
      throw error;
    } finally {
      bar.stop();
      duckdb.closeSync();
      instance.closeSync();
    }
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  });
}
