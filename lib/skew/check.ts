/**
 * The skew check of one service on one day: take the day's served vectors, rebuild each one with
 * the point-in-time export at `t = as_of = served_at` (so the rebuild sees only what the online
 * store could have known), rebuild the ones served expired/missing again with the latest as_of
 * (what training sees now), give every mismatched or stale value its cause in SQL, measure the
 * served distribution against the training baseline, and decide which findings (skew, stale,
 * drift) crossed their thresholds. The core takes its world as parameters: a DuckDB connection,
 * the registry, the offline store the export reads (DuckDB locally, Athena in AWS) and a clock.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import type { OfflineReader } from '../export/offline-reader.ts';
import { compareDistribution, type SkewBaseline } from './distribution.ts';
import { loadServedVectors } from './logs.ts';
import { measureOutputs, type OutputFigures } from './measure.ts';
import { buildOutputReport } from './output-report.ts';
import { rebuildTransforms } from './rebuild-transforms.ts';
import {
  createJoinedView,
  withJoinSidesAsWritten,
  createValuesView,
  rebuild,
  rebuildServedRecords,
  SkewCheckError,
  TABLES,
  VIEWS,
} from './rebuilds.ts';
import { kindsOf, verdictOf } from './thresholds.ts';
import type { MalformedLines, OutputReport, SampleSummary, SkewReport } from './types.ts';
import { changedOutputs } from './versions.ts';
import { sampleOf } from './sample.ts';

export interface SkewCheckDeps {
  readonly duckdb: DuckDBConnection;
  readonly runtime: RuntimeRegistry;
  /**
   * Where the rebuild runs: the export's own offline store and point-in-time path (never a
   * second SQL), stored features only (the check applies the request transforms itself, once
   * per distinct input: see `rebuild-transforms.ts`).
   */
  readonly offline: OfflineReader;
  readonly clock: () => number;
  /** Registries vectors may have been served under (older deployments), to name version changes. */
  readonly knownRegistries?: readonly Registry[];
}

export interface SkewCheckRequest {
  readonly service: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  readonly baseline?: SkewBaseline | null;
  /** The day's unreadable log records. */
  readonly malformed?: MalformedLines;
  /** What the sample read of the day (its vectors are in `SAMPLE_TABLE`); default: the whole day. */
  readonly sample?: SampleSummary;
}

export { SkewCheckError };

/** Seconds per named step, by `clock` (a report's `timings`): `timed` runs and records one. */
export function stepTimer(clock: () => number): {
  readonly timings: Record<string, number>;
  timed<T>(name: string, step: () => Promise<T>): Promise<T>;
} {
  const timings: Record<string, number> = {};
  return {
    timings,
    async timed(name, step) {
      const start = clock();
      try {
        return await step();
      } finally {
        timings[name] = (clock() - start) / 1000;
      }
    },
  };
}

/**
 * Runs the check for one service over its sample (loaded into `SAMPLE_TABLE` by the day's source); the report's `alert`
 * says whether a finding alerts (skew always; stale and drift past their thresholds).
 */
export async function checkServiceSkew(
  deps: SkewCheckDeps,
  request: SkewCheckRequest,
): Promise<SkewReport> {
  const { duckdb, runtime } = deps;
  const registry = runtime.registry;
  const service = getService(registry, request.service);
  const { timings, timed } = stepTimer(deps.clock);

  try {
    const vectors = await timed('load_s', () =>
      loadServedVectors(duckdb, { service, into: TABLES.served }),
    );
    const hashes = await registryHashes(duckdb, registry, deps.knownRegistries ?? []);
    let outputs: OutputReport[] = [];
    if (vectors > 0) {
      await timed('rebuild_s', () => rebuild(deps, service, vectors));
      await timed('transforms_s', () =>
        rebuildTransforms(duckdb, runtime, service, TABLES.mainRebuilt, TABLES.transformed),
      );
      const changes = changedOutputs(registry, service, deps.knownRegistries ?? []);
      outputs = await withJoinSidesAsWritten(duckdb, async () => {
        await timed('join_s', () => createValuesView(duckdb, service, vectors));
        await timed('served_records_s', () => rebuildServedRecords(deps, service));
        await createJoinedView(deps, service, changes);
        const figures = await timed('compare_s', () =>
          measureOutputs(duckdb, TABLES, service, changes),
        );
        return timed('distribution_s', () => reportOutputs(deps, request, service, figures));
      });
    }
    const decisions = outputs.flatMap((o) => o.decisions);
    const kinds = kindsOf(decisions);
    const malformed = request.malformed ?? { count: 0, examples: [] };
    return {
      formatVersion: 3,
      service: service.name,
      date: request.date,
      registryHash: registry.hash,
      generatedAt: new Date(deps.clock()).toISOString(),
      vectors,
      sample: request.sample ?? wholeDay(vectors, service),
      registryHashes: hashes,
      baseline: request.baseline ? { source: request.baseline.source } : null,
      malformed,
      outputs,
      decisions,
      kinds,
      verdict: verdictOf(kinds),
      alert: kinds.length > 0 || malformed.count > 0,
      timings,
    };
  } finally {
    await dropCheckTables(duckdb);
  }
}

/** Drops the check's scratch tables and views (`TABLES`), views first. */
export async function dropCheckTables(duckdb: DuckDBConnection): Promise<void> {
  for (const t of VIEWS) await duckdb.run(`DROP VIEW IF EXISTS ${q(t)}`);
  for (const t of Object.values(TABLES))
    if (!VIEWS.includes(t)) await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
}

/** The whole day, until the sample is read (the lead's branch fills it from the sample). */

/** Each output's report: its figures, its distribution against the baseline, its decisions. */
async function reportOutputs(
  deps: SkewCheckDeps,
  request: SkewCheckRequest,
  service: RegistryService,
  figures: readonly OutputFigures[],
): Promise<OutputReport[]> {
  const { duckdb } = deps;
  const registry = deps.runtime.registry;
  const independent = await independentVectors(duckdb, request.sample);
  const built: OutputReport[] = [];
  for (const f of figures) {
    const base = request.baseline?.outputs[f.output];
    const dist = base
      ? await compareDistribution(duckdb, TABLES.served, f.output, f.dtype, base, independent)
      : null;
    built.push(buildOutputReport(service, registry, f, dist, request.baseline ?? null));
  }
  return addDerivedNotes(built);
}

/** How many served vectors drift's noise counts as independent: all, or a sample's entities. */
export async function independentVectors(
  duckdb: DuckDBConnection,
  sample: SampleSummary | undefined,
): Promise<number> {
  if (!sample || sample.whole) return Infinity;
  const reader = await duckdb.runAndReadAll(
    `SELECT count(DISTINCT entity_key)::BIGINT AS n FROM ${q(TABLES.served)}`,
  );
  return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
}

/** The served vectors by the registry hash they were served under, known ones marked. */
export async function registryHashes(
  duckdb: DuckDBConnection,
  current: Registry,
  known: readonly Registry[],
): Promise<SkewReport['registryHashes']> {
  const reader = await duckdb.runAndReadAll(
    `SELECT registry_hash, count(*)::BIGINT AS n FROM ${q(TABLES.served)}
     GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  const knownHashes = new Set([current.hash, ...known.map((r) => r.hash)]);
  return reader.getRowObjectsJson().map((r) => ({
    hash: String(r.registry_hash),
    vectors: Number(r.n),
    known: knownHashes.has(String(r.registry_hash)),
  }));
}

/** A transform output flagged because an input it reads is flagged: say so, once, in its notes. */
function addDerivedNotes(outputs: OutputReport[]): OutputReport[] {
  const flagged = new Set(outputs.filter((o) => o.verdict !== 'ok').map((o) => o.output));
  return outputs.map((o) => {
    if (o.source.kind !== 'transform' || o.verdict === 'ok') return o;
    const inputs = o.source.inputs.filter((i) => flagged.has(i));
    if (inputs.length === 0) return o;
    return {
      ...o,
      notes: [
        ...o.notes,
        `Derived: transform '${o.source.transform}' reads ${inputs.join(', ')}, which ${inputs.length === 1 ? 'is' : 'are'} flagged too; fix ${inputs.length === 1 ? 'that' : 'those'} first.`,
      ],
    };
  });
}

function wholeDay(vectors: number, service: Parameters<typeof sampleOf>[0]): SampleSummary {
  return { logged: vectors, checked: vectors, rate: 1, declared: sampleOf(service), whole: true };
}
