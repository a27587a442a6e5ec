/**
 * `skewless dev`: the local feature store for the user's own definitions (`--defs`), with no
 * demo data. Every source stream, the ingest pollers, the lookup API on `--port`, the endpoints
 * written for `push`, `get`, `export`, `backfill`, `materialize` and `skew-check` in other
 * shells. Ctrl-C (or SIGTERM) stops it: polling ends, buffered offline rows and the inference
 * log are written, every server closes.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { streamsOf } from '../../registry/query.ts';
import { sourceStreamName } from '../../core/naming.ts';
import { ENDPOINTS_FILE, readLocalEndpoints } from '../../local/endpoints.ts';
import {
  startLocalFeatureStore,
  type LocalFeatureStore,
  type LocalFeatureStoreOptions,
} from '../../local/store.ts';
import type { RuntimeRegistry } from '../../registry/compile.ts';
import { startCatalogServer } from '../../catalog/server.ts';
import { localCatalogSource } from '../../local/catalog.ts';
import { APPLIED_REGISTRY_FILE, readApplied } from './plan.ts';
import { CliError, EXIT, loadCliRegistry, positiveInt, withCommonOptions } from '../context.ts';

interface DevOptions {
  readonly defs: string;
  readonly data: string;
  readonly port?: string;
  readonly json?: boolean;
}

export function registerDev(program: Command): void {
  withCommonOptions(
    program
      .command('dev')
      .description(
        'Run the local feature store for your definitions: streams, ingestion, the lookup API',
      )
      .option('--port <port>', 'port of the lookup API (default: a free one)')
      .option('--json', 'print the endpoints as one JSON line once serving')
      .addHelpText(
        'after',
        '\nThe online store lives in memory: after a restart, `skewless materialize --view V`\n' +
          'reloads it from the offline store (Parquet under --data), which persists.\n' +
          'Exit codes: 0 stopped cleanly, 1 failure, 2 bad definitions or arguments.',
      ),
  ).action(async (options: DevOptions) => {
    const port = options.port === undefined ? undefined : positiveInt(options.port, '--port');
    const runtime = await loadCliRegistry(options);
    const dev = await startDevSession({ runtime, defs: options.defs, data: options.data, port });
    console.log(
      options.json
        ? JSON.stringify(dev.store.endpoints)
        : describe(dev.store, runtime, options, dev.catalogUrl),
    );
    await untilStopped();
    if (!options.json) console.log('stopping: writing buffered offline rows and logs…');
    await dev.stop();
    if (!options.json) console.log('stopped.');
  });
}

export interface DevSessionOptions {
  readonly runtime: RuntimeRegistry;
  readonly defs: string;
  readonly data: string;
  readonly port?: number;
  /** Runs once no other store holds the data folder, before this one starts (the demo clears it). */
  readonly beforeStart?: () => Promise<void>;
  readonly store?: Pick<LocalFeatureStoreOptions, 'clock' | 'ingestBatchSize' | 'flushMs'>;
}

export interface DevSession {
  readonly store: LocalFeatureStore;
  readonly catalogUrl: string;
  /** Closes the catalog, then stops the store (buffered rows and logs written). */
  stop(): Promise<void>;
}

/**
 * What `skewless dev` runs (and the flights demo on top of it): the local store for the
 * definitions, its endpoints and control URL written for the other commands, and the catalog
 * beside it. Refuses a data folder another running store holds.
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const { runtime, port } = options;
  await refuseSecondStore(options.data);
  await options.beforeStart?.();
  let store: LocalFeatureStore;
  try {
    store = await startLocalFeatureStore({
      ...options.store,
      runtime,
      dataDir: options.data,
      port,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(`port ${port} is in use; pick another --port`, EXIT.usage);
    throw error;
  }
  try {
    // The catalog of these definitions beside the store (read-only, 127.0.0.1, a free port).
    const applied = await readApplied(path.join(options.defs, APPLIED_REGISTRY_FILE));
    const catalog = await startCatalogServer(
      localCatalogSource({ registry: runtime.registry, applied, dataDir: options.data }),
    );
    const stop = async () => {
      await catalog.close();
      await store.stop();
    };
    return { store, catalogUrl: catalog.url, stop };
  } catch (error) {
    await store.stop();
    throw error;
  }
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** Two stores on one data folder would race on `endpoints.json` and the Parquet files. */
async function refuseSecondStore(dataDir: string): Promise<void> {
  const running = await readLocalEndpoints(dataDir).catch(() => undefined);
  if (running)
    throw new CliError(
      `a local feature store (pid ${running.pid}) already runs on ${dataDir}; stop it first or pass another --data`,
      EXIT.usage,
    );
}

function describe(
  store: LocalFeatureStore,
  runtime: RuntimeRegistry,
  options: DevOptions,
  catalogUrl: string,
): string {
  const { registry } = runtime;
  const { stack, endpoints } = store;
  const rel = (p: string) => {
    const relative = path.relative(process.cwd(), p);
    return relative.startsWith('..') ? p : relative || '.';
  };
  const streams = streamsOf(registry).map((s) => sourceStreamName(stack.names, s));
  const lines = [
    `skewless dev: ${registry.featureViews.length} feature view(s), ${registry.featureServices.length} service(s) from ${options.defs} (registry ${registry.hash.slice(0, 12)})`,
    `  DynamoDB (dynalite)    ${endpoints.dynamodb}  table ${stack.onlineTable} (in memory)`,
    `  Kinesis (kinesalite)   ${endpoints.kinesis}  ${streams.join(', ')}`,
    `  ingest                 polling ${streams.length} stream(s) → online table + ${rel(path.join(stack.dataDir, 'offline'))}`,
    `  lookup API             ${endpoints.lookup}/features`,
    `  catalog                ${catalogUrl}  (also: npx skewless ui --port N)`,
    `  data                   ${rel(stack.dataDir)}  (endpoints in ${rel(path.join(stack.dataDir, ENDPOINTS_FILE))})`,
    '',
    `  npx skewless push --view <view> --file records.csv`,
  ];
  const service = registry.featureServices[0];
  if (service) lines.push(`  npx skewless get --service ${service.name} --entity <key>=<value>`);
  lines.push('Ctrl-C to stop.');
  return lines.join('\n');
}
