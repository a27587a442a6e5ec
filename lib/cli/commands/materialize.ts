/**
 * `skewless materialize --view V [--aws]`: the newest offline value of every entity of a view
 * into the online store, with ingestion's conditional write: a fresher online value is kept
 * and a rerun writes nothing. Locally it reads `--data` and writes to the running `skewless
 * dev`; with `--aws` Athena reads the Iceberg table and the deployment's table is written.
 */
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withScratchDuckDB } from '../../export/duckdb-session.ts';
import { getView } from '../../registry/query.ts';
import type { PlainRegistryView, Registry, RegistryView } from '../../registry/types.ts';
import { runAwsMaterialize } from '../../materialize/aws.ts';
import { runLocalMaterialize, type MaterializeProgress } from '../../materialize/local.ts';
import type { MaterializeResult } from '../../materialize/materialize.ts';
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

interface MaterializeOptions extends TargetOptions {
  readonly defs: string;
  readonly view: string;
}

export const MATERIALIZE_EXIT_HELP =
  'Exit codes: 0 done, 1 a store failed (or some puts failed: rerun, it is idempotent), 2 bad arguments.';

export function registerMaterialize(program: Command): void {
  storeCommand(
    program,
    'materialize',
    "Write each entity's newest offline value to the online store (never over a fresher one)",
  )
    .requiredOption('--view <name>', 'feature view to materialize')
    .addHelpText('after', `\n${MATERIALIZE_EXIT_HELP}`)
    .action(async (options: MaterializeOptions) => {
      const { registry } = await loadCliRegistry(options);
      const view = materializableView(registry, options.view);
      const target = await openTarget(options);
      try {
        const result = await withDuckDb((duckdb) =>
          materializeInto(target, { duckdb, registry, dataDir: options.data }, view, options),
        );
        console.log(options.json ? JSON.stringify(result) : formatMaterialize(result));
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
  view: PlainRegistryView,
  options: TargetOptions,
): Promise<MaterializeResult> {
  return withProgressBar(options, `materialize ${view.name}`, async (progress) => {
    if (target.kind === 'local') {
      if (!target.online) throw new CliError('materialize needs a running `skewless dev`');
      return await runLocalMaterialize({ ...deps, online: target.online }, view, progress);
    }
    return await withAthenaWorld(target, deps.duckdb, (world) =>
      runAwsMaterialize({ ...world, online: target.online }, view, progress),
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

export function formatMaterialize(result: MaterializeResult): string {
  return (
    `materialized ${result.view}: ${result.entities} entities, ${result.written} written, ` +
    `${result.kept} kept (online value as new or newer)` +
    (result.failed > 0 ? `, ${result.failed} failed` : '')
  );
}

/** A view whose newest offline values materialize writes (not an aggregation view). */
export function materializableView(registry: Registry, name: string): PlainRegistryView {
  const view = viewOrUsage(registry, name);
  if (view.kind === 'aggregation')
    throw new CliError(
      `feature view '${view.name}' aggregates stream '${view.aggregation.stream}': materialize ` +
        `writes newest values, and an aggregation view's tiles are built by ingestion only ` +
        `(rebuilding them from offline raw events is not in the CLI yet)`,
      EXIT.usage,
    );
  return view;
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
