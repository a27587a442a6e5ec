/**
 * The skew check in local mode: DuckDB over the data folder's inference log and offline store,
 * reports under `<dataDir>/skew/reports/<date>/`, alerts printed and appended to
 * `<dataDir>/skew/alerts.jsonl`. The CLI (`skewless skew-check`) and the tests run this.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SkewlessError } from '../core/errors.ts';
import { localOfflineReader } from '../export/offline-local.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import { localTileHistories } from '../materialize/tile-source.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { Registry } from '../registry/types.ts';
import { readRegistryFile } from '../registry/read.ts';
import type { AlertSink } from '../skew/alert.ts';
import type { SkewBaseline } from '../skew/distribution.ts';
import { runDailySkewCheck, type DailySkewCheckResult, type ReportStore } from '../skew/run.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { dayCountsOf, sampleSize, SAMPLE_TABLE, type DayLogSource } from '../skew/logs.ts';
import { findRejectedRecords } from '../skew/malformed-lines.ts';
import { renderDayCounts, renderDaySample } from '../skew/sample.ts';
import { INFERENCE_LOG_EXTENSION, localDayLogGlob, localLogErrorsDir } from './inference-log.ts';
import { LOCAL_SKEW_DIR, localAlertSink } from './skew-alerts.ts';

export class NoInferenceLogsError extends SkewlessError {
  constructor(
    readonly date: string,
    readonly dir: string,
  ) {
    super(`no inference logs for ${date}: no *${INFERENCE_LOG_EXTENSION} file in ${dir}`);
  }
}

export interface LocalSkewCheckOptions {
  readonly dataDir: string;
  readonly runtime: RuntimeRegistry;
  readonly date: string;
  readonly services?: readonly string[];
  readonly baselines?: ReadonlyMap<string, SkewBaseline>;
  /** Registries served under earlier (default: every `<dataDir>/registry/*.json`). */
  readonly knownRegistries?: readonly Registry[];
  /** An open connection (session in UTC); default: a new in-memory DuckDB. */
  readonly duckdb?: DuckDBConnection;
  /** Settings of that new DuckDB (e.g. `{ memory_limit: '8GB', threads: '2' }`). */
  readonly duckdbConfig?: Readonly<Record<string, string>>;
  readonly alerts?: AlertSink;
  readonly clock?: () => number;
  /** The running store's online table: the run then ends with the heal (`lib/heal`). */
  readonly online?: OnlineStoreWriter;
}

/** The folder local reports are written to. */
export function localReportsDir(dataDir: string): string {
  return path.join(dataDir, LOCAL_SKEW_DIR, 'reports');
}

export function localReportStore(dataDir: string): ReportStore {
  const root = path.resolve(localReportsDir(dataDir));
  return {
    locate: (relativePath) => path.join(root, relativePath),
    async write(relativePath, body) {
      const file = path.join(root, relativePath);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    },
  };
}

export async function runLocalSkewCheck(
  options: LocalSkewCheckOptions,
): Promise<DailySkewCheckResult> {
  const dataDir = path.resolve(options.dataDir);
  await assertDayLogged(dataDir, options.date);

  return withLocalDuckDB(options, async (connection) => {
    const runtime = options.runtime;
    return runDailySkewCheck(
      {
        duckdb: connection,
        runtime,
        clock: options.clock ?? Date.now,
        knownRegistries: options.knownRegistries ?? (await localRegistries(dataDir)),
        offline: localOfflineReader({ dataDir, registry: runtime.registry }),
        reports: localReportStore(dataDir),
        alerts: options.alerts ?? localAlertSink(dataDir),
        ...(options.online
          ? {
              heal: {
                online: options.online,
                source: localTileHistories({
                  duckdb: connection,
                  registry: runtime.registry,
                  dataDir,
                }),
              },
            }
          : {}),
      },
      {
        date: options.date,
        log: localDayLog(connection, dataDir, options.date),
        ...(options.services ? { services: options.services } : {}),
        ...(options.baselines ? { baselines: options.baselines } : {}),
      },
    );
  });
}

/** Throws `NoInferenceLogsError` when the data folder holds no log file of the day. */
export async function assertDayLogged(dataDir: string, date: string): Promise<void> {
  const dir = path.dirname(localDayLogGlob(dataDir, date));
  const files = await readdir(dir).catch(() => [] as string[]);
  if (!files.some((f) => f.endsWith(INFERENCE_LOG_EXTENSION)))
    throw new NoInferenceLogsError(date, dir);
}

/**
 * Runs `step` on the given connection, or on a new in-memory DuckDB (session in UTC, the given
 * settings) closed afterwards.
 */
export async function withLocalDuckDB<T>(
  options: {
    readonly duckdb?: DuckDBConnection;
    readonly duckdbConfig?: Readonly<Record<string, string>>;
  },
  step: (duckdb: DuckDBConnection) => Promise<T>,
): Promise<T> {
  if (options.duckdb) return step(options.duckdb);
  const instance = await DuckDBInstance.create(':memory:', { ...options.duckdbConfig });
  const duckdb = await instance.connect();
  try {
    await duckdb.run(`SET TimeZone = 'UTC'`);
    return await step(duckdb);
  } finally {
    duckdb.closeSync();
    instance.closeSync();
  }
}

/**
 * The day's log in the data folder, read by DuckDB with the same SQL Athena runs in AWS (its
 * DuckDB spelling): the counts over the day's files, the sample into `SAMPLE_TABLE`. Both read
 * the files listed once, at the count, so a file the store writes meanwhile joins neither and the
 * sample is taken from the day that was counted.
 */
export function localDayLog(duckdb: DuckDBConnection, dataDir: string, date: string): DayLogSource {
  let source: Promise<string> | undefined;
  const dayFiles = async () => {
    const dir = path.dirname(localDayLogGlob(dataDir, date));
    const names = (await readdir(dir).catch(() => [] as string[]))
      .filter((n) => n.endsWith(INFERENCE_LOG_EXTENSION))
      .sort();
    const list = names.map((n) => stringLiteral(path.join(dir, n)));
    return `read_parquet([${list.join(', ')}], hive_partitioning = false)`;
  };
  return {
    async counts() {
      source ??= dayFiles();
      const reader = await duckdb.runAndReadAll(renderDayCounts(await source, date));
      return dayCountsOf(reader.getRowObjectsJson());
    },
    async loadSample(service, logged) {
      source ??= dayFiles();
      const sql = renderDaySample(duckdbDialect, { source: await source, date, service, logged });
      await duckdb.run(`CREATE OR REPLACE TEMP TABLE ${q(SAMPLE_TABLE)} AS ${sql}`);
      return sampleSize(duckdb);
    },
    async rejected() {
      const dir = localLogErrorsDir(dataDir, date);
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) =>
        n.endsWith('.jsonl'),
      );
      return findRejectedRecords(names.sort().map((n) => path.join(dir, n)));
    },
  };
}

/** Registries kept under `<dataDir>/registry/` (one JSON document each), if any. */
export async function localRegistries(dataDir: string): Promise<Registry[]> {
  const dir = path.join(dataDir, 'registry');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Registry[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const registry = await readRegistryFile(path.join(dir, name));
    if (registry) out.push(registry);
  }
  return out;
}
