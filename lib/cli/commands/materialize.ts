/**
 * `skewless materialize --view V [--aws]`: the newest offline value of every entity of a view
 * into the online store, with ingestion's conditional write: a fresher online value is kept
 * and a rerun writes nothing. An aggregation view gets its tiles rebuilt from the offline raw
 * events instead (`lib/materialize/tiles.ts`), written only where they differ. Locally it reads
 * `--data` and writes to the running `skewless dev`; with `--aws` Athena reads the Iceberg
 * table and the deployment's table is written.
 */
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withScratchDuckDB } from '../../export/duckdb-session.ts';
import { getView } from '../../registry/query.ts';
import type { Registry, RegistryView } from '../../registry/types.ts';
import { runAwsMaterialize } from '../../materialize/aws.ts';
import { runLocalMaterialize, type MaterializeProgress } from '../../materialize/local.ts';
import type { MaterializeResult } from '../../materialize/materialize.ts';
import { materializeTiles } from '../../materialize/tiles.ts';
import { athenaTileHistories, localTileHistories } from '../../materialize/tile-source.ts';
import type { TileRebuildResult } from '../../materialize/tile-writer.ts';
import { CliError, EXIT, loadCliRegistry } from '../context.ts';
import {
  openTarget,
  progressBar,
  withAthenaWorld,
  storeCommand,
  type AwsTarget,
  type LocalTarget,
  type TargetOptions,
} from '../store-target.ts';
import { candidateViews } from '../../registry/candidates.ts';

interface MaterializeOptions extends TargetOptions {
  readonly defs: string;
  readonly view: string;
  readonly fromVersion?: string;
}

export const MATERIALIZE_EXIT_HELP =
  'Exit codes: 0 done, 1 a store failed (or some puts failed: rerun, it is idempotent), 2 bad arguments.';

export function registerMaterialize(program: Command): void {
  storeCommand(
    program,
    'materialize',
    "Write each entity's newest offline value to the online store (never over a fresher one); " +
      'for an aggregation view, rebuild its tiles from the offline events',
  )
    .requiredOption('--view <name>', 'feature view to materialize')
    .option(
      '--from-version <n>',
      "aggregation view: rebuild from the raw events stored under an earlier version (a new version's first materialize)",
    )
    .addHelpText('after', `\n${MATERIALIZE_EXIT_HELP}`)
    .action(async (options: MaterializeOptions) => {
      const { registry } = await loadCliRegistry(options);
      const served = viewOrUsage(registry, options.view);
      // `--from-version` fills a new version's tiles: the candidate's, when the view has one.
      const view =
        options.fromVersion === undefined
          ? served
          : (candidateViews(registry).find((c) => c.name === served.name) ?? served);
      const fromVersion = fromVersionOf(view, options.fromVersion);
      const target = await openTarget(options);
      try {
        const result = await withDuckDb((duckdb) =>
          materializeInto(
            target,
            { duckdb, registry, dataDir: options.data },
            view,
            options,
            fromVersion,
          ),
        );
        console.log(options.json ? JSON.stringify(result) : formatMaterialize(result));
        if ('deferred' in result && result.deferred > 0)
          console.error(
            `${result.deferred} item(s) hold events the offline store does not have yet: ` +
              'rerun materialize once it has caught up',
          );
        if (result.failed > 0)
          throw new CliError(
            `${result.failed} online write(s) failed; rerun materialize`,
            EXIT.failure,
          );
      } finally {
        target.close();
      }
    });
}

/** What a command that reads the offline store works with. */
export interface StoreCommandDeps {
  readonly duckdb: DuckDBConnection;
  readonly registry: Registry;
  readonly dataDir: string;
}

/** Materializes one view into the target; shared with `backfill`, which ends with it. */
export async function materializeInto(
  target: LocalTarget | AwsTarget,
  deps: StoreCommandDeps,
  view: RegistryView,
  options: TargetOptions,
  fromVersion?: number,
): Promise<MaterializeResult | TileRebuildResult> {
  return withProgressBar(options, `materialize ${view.name}`, async (progress) => {
    const now = Date.now();
    const tiles = { now, progress, ...(fromVersion === undefined ? {} : { fromVersion }) };
    if (target.kind === 'local') {
      if (!target.online) throw new CliError('materialize needs a running `skewless dev`');
      if (view.kind === 'aggregation')
        return await materializeTiles(localTileHistories(deps), target.online, view, tiles);
      return await runLocalMaterialize({ ...deps, online: target.online }, view, progress);
    }
    return await withAthenaWorld(target, deps.duckdb, (world) =>
      view.kind === 'aggregation'
        ? materializeTiles(athenaTileHistories(world), target.online, view, tiles)
        : runAwsMaterialize({ ...world, online: target.online }, view, progress),
    );
  });
}

/** Runs `fn` with a progress bar (none with --json or off a terminal), stopped after it. */
export async function withProgressBar<T>(
  options: TargetOptions,
  label: string,
  fn: (progress: MaterializeProgress) => Promise<T>,
): Promise<T> {
  const bar = progressBar(options, label);
  try {
    return await fn({
      start: (total) => bar?.start(total, 0),
      advance: (done) => bar?.update(done),
    });
  } finally {
    bar?.stop();
  }
}

export function formatMaterialize(result: MaterializeResult | TileRebuildResult): string {
  if ('deferred' in result) {
    const why = Object.entries(result.causes)
      .filter(([, n]) => n > 0)
      .map(([cause, n]) => `${n} ${cause}`);
    return (
      `materialized ${result.view} tiles: ${result.entities} entities, ${result.written} written` +
      (why.length > 0 ? ` (${why.join(', ')})` : '') +
      `, ${result.kept} already equal, ${result.deferred} deferred (the stream is ahead of the ` +
      `offline store)` +
      (result.failed > 0 ? `, ${result.failed} failed` : '')
    );
  }
  return (
    `materialized ${result.view}: ${result.entities} entities, ${result.written} written, ` +
    `${result.kept} kept (online value as new or newer)` +
    (result.failed > 0 ? `, ${result.failed} failed` : '')
  );
}

/** `--from-version`: an earlier version of an aggregation view, or a usage error. */
function fromVersionOf(view: RegistryView, given: string | undefined): number | undefined {
  if (given === undefined) return undefined;
  const version = Number(given);
  if (
    view.kind !== 'aggregation' ||
    !Number.isSafeInteger(version) ||
    version < 1 ||
    version >= view.version
  )
    throw new CliError(
      `--from-version ${given}: needs an aggregation view and one of its earlier versions ` +
        `('${view.name}' is ${view.kind === 'aggregation' ? `at version ${view.version}` : 'not an aggregation view'})`,
      EXIT.usage,
    );
  return version;
}

export function viewOrUsage(registry: Registry, name: string): RegistryView {
  if (!registry.featureViews.some((v) => v.name === name))
    throw new CliError(
      `unknown feature view '${name}' (known: ${registry.featureViews.map((v) => v.name).join(', ')})`,
      EXIT.usage,
    );
  return getView(registry, name);
}

export function withDuckDb<T>(fn: (duckdb: DuckDBConnection) => Promise<T>): Promise<T> {
  return withScratchDuckDB('materialize', ({ duckdb }) => fn(duckdb), { threads: '2' });
}
