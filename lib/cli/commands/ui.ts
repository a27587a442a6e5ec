/**
 * `skewless ui [--port N] [--data DIR]`: the feature catalog in a browser, served on 127.0.0.1
 * only and read-only. Locally it renders the working definitions, the pending plan and whatever
 * nightly skew reports exist under `--data` (no store needs to run); with `--aws` it serves the
 * pages the nightly run wrote to the store's bucket (`catalog/`, `skew-reports/`).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { S3Client } from '@aws-sdk/client-s3';
import { readConfig } from '../../config.ts';
import { s3CatalogSource } from '../../catalog/s3-aws.ts';
import { startCatalogServer, type CatalogSource } from '../../catalog/server.ts';
import { localCatalogSource } from '../../local/catalog.ts';
import { localReportsDir } from '../../local/skew-check.ts';
import { CliError, EXIT, loadCliRegistry, positiveInt, withCommonOptions } from '../context.ts';
import { APPLIED_REGISTRY_FILE, readApplied } from './plan.ts';

interface UiOptions {
  readonly defs: string;
  readonly data: string;
  readonly port?: string;
  readonly aws?: boolean;
  readonly bucket?: string;
  readonly region?: string;
}

export function registerUi(program: Command): void {
  withCommonOptions(
    program
      .command('ui')
      .description('Serve the feature catalog (search, lineage, freshness, skew history) locally')
      .option('--port <port>', 'port on 127.0.0.1 (default: a free one)')
      .option('--aws', "serve the pages the nightly run wrote to the deployment's bucket")
      .option('--bucket <name>', 'store bucket (with --aws; default: $SKEWLESS_BUCKET)')
      .option('--region <region>', 'AWS region (with --aws; default: from the environment)')
      .addHelpText(
        'after',
        '\nRead-only, on 127.0.0.1 only. Ctrl-C to stop.\nExit codes: 0 stopped, 1 failure, 2 bad definitions or arguments.',
      ),
  ).action(async (options: UiOptions) => {
    const port = options.port === undefined ? 0 : positiveInt(options.port, '--port');
    const { source, what, close } = options.aws ? awsSource(options) : await localSource(options);
    let server;
    try {
      server = await startCatalogServer(source, port);
    } catch (error) {
      close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new CliError(`port ${port} is in use; pick another --port`, EXIT.usage);
      throw error;
    }
    console.log(`skewless ui: ${what}\n  catalog ${server.url}\nCtrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    close();
  });
}

async function localSource(
  options: UiOptions,
): Promise<{ source: CatalogSource; what: string; close: () => void }> {
  const { registry } = await loadCliRegistry(options);
  const applied = await readApplied(path.join(options.defs, APPLIED_REGISTRY_FILE));
  return {
    source: localCatalogSource({ registry, applied, dataDir: options.data }),
    what: `${registry.featureViews.length} view(s), ${registry.featureServices.length} service(s) from ${options.defs}; nightly reports from ${localReportsDir(options.data)}`,
    close: () => undefined,
  };
}

function awsSource(options: UiOptions): { source: CatalogSource; what: string; close: () => void } {
  const bucket = options.bucket ?? readConfig(process.env).bucket;
  if (!bucket) throw new CliError('--aws needs --bucket (or SKEWLESS_BUCKET)', EXIT.usage);
  const s3 = new S3Client(options.region ? { region: options.region } : {});
  return {
    source: s3CatalogSource({ s3, bucket }),
    what: `the catalog the nightly run wrote to s3://${bucket}/catalog/`,
    close: () => s3.destroy(),
  };
}
