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
import { recordsFromApplied } from '../skew/versions.ts';
import { assertDayLogged, localDayLog, localReportStore, withLocalDuckDB } from './skew-check.ts';

export interface LocalReplayOptions {
  readonly dataDir: string;
  /** The working definitions. */
  readonly candidate: RuntimeRegistry;
  /** The registry the day was served under. */
  readonly applied: Registry;
  readonly date: string;
  /** Services replayed even when neither the registry nor the served inputs show a change. */
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
          eventsFrom: recordsFromApplied(options.applied, options.candidate.registry),
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
