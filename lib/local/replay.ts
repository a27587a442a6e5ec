/**
 * The replay in local mode (`skewless plan --replay DATE`): DuckDB over the data folder's
 * inference log and offline store, the candidate definitions as the registry, reports under
 * `<dataDir>/skew/reports/replay/<date>/`.
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { localOfflineReader } from '../export/offline-local.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { Registry } from '../registry/types.ts';
import { replayDay, type ReplayResult } from '../skew/replay.ts';
import { assertDayLogged, localDayLog, localReportStore, withLocalDuckDB } from './skew-check.ts';

export interface LocalReplayOptions {
  readonly dataDir: string;
  /** The working definitions. */
  readonly candidate: RuntimeRegistry;
  /** The registry the day was served under. */
  readonly applied: Registry;
  readonly date: string;
  /** Services replayed even with no change in the registry (a transform body's fix). */
  readonly services?: readonly string[];
  readonly duckdb?: DuckDBConnection;
  readonly duckdbConfig?: Readonly<Record<string, string>>;
  readonly clock?: () => number;
}

export async function runLocalReplay(options: LocalReplayOptions): Promise<ReplayResult> {
  const dataDir = path.resolve(options.dataDir);
  await assertDayLogged(dataDir, options.date);
  return withLocalDuckDB(options, (duckdb) =>
    replayDay(
      {
        duckdb,
        runtime: options.candidate,
        clock: options.clock ?? Date.now,
        knownRegistries: [options.applied],
        offline: localOfflineReader({
          dataDir,
          registry: options.candidate.registry,
          eventsFrom: newAggregationVersions(options.applied, options.candidate.registry),
        }),
        reports: localReportStore(dataDir),
      },
      {
        date: options.date,
        log: localDayLog(duckdb, dataDir, options.date),
        applied: options.applied,
        ...(options.services ? { services: options.services } : {}),
      },
    ),
  );
}

/**
 * The candidate's aggregation views at a version the applied registry does not have yet, each
 * with the applied version (same stream): their raw events are read from it, as a new version's
 * first `materialize --from-version` reads them, so a window change under a version bump is
 * replayed on the events already stored.
 */
export function newAggregationVersions(
  applied: Registry,
  candidate: Registry,
): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const view of candidate.featureViews) {
    const old = applied.featureViews.find((v) => v.name === view.name);
    if (view.kind !== 'aggregation' || old?.kind !== 'aggregation') continue;
    if (old.version < view.version && old.source.stream === view.source.stream)
      out.set(view.name, old.version);
  }
  return out;
}
