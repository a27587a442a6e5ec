/**
 * The skew check of one service on one day: load the served vectors, rebuild each one with the
 * point-in-time export at `t = as_of = served_at` (so the rebuild sees only what the online store
 * could have known), compare value by value in SQL, measure the served distribution against the
 * training baseline and the served ages against each view's ttl, and decide which thresholds
 * were crossed. The core takes its world as parameters: a DuckDB connection, the registry, the
 * rebuild function (the export's generator) and a clock.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import type { Registry } from '../registry/types.ts';
import { SkewlessError } from '../core/errors.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { joinedColumns, servedCast } from './compare-sql.ts';
import { compareDistribution, type SkewBaseline } from './distribution.ts';
import { createSkewSpine, loadServedVectors, SKEW_COLUMNS, servedColumns } from './logs.ts';
import { buildOutputReport, measureOutputs } from './measure.ts';
import type { OutputReport, SkewReport } from './types.ts';
import { changedOutputs } from './versions.ts';

/** What the rebuild gets: the same shape as the export's `LocalPointInTimeRequest`. */
export interface RebuildRequest {
  readonly service: string;
  readonly spineTable: string;
  readonly timeColumn: string;
  readonly asOf: { readonly kind: 'column'; readonly column: string };
  readonly into: string;
}

/** Rebuilds vectors through the export's point-in-time generator (never a second SQL). */
export type RebuildPointInTime = (request: RebuildRequest) => Promise<{ rows: number }>;

export interface SkewCheckDeps {
  readonly duckdb: DuckDBConnection;
  readonly runtime: RuntimeRegistry;
  readonly rebuild: RebuildPointInTime;
  readonly clock: () => number;
  /** Registries vectors may have been served under (older deployments), to name version changes. */
  readonly knownRegistries?: readonly Registry[];
}

export interface SkewCheckRequest {
  readonly service: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** The day's inference-log JSON-lines files (paths or globs). */
  readonly logFiles: readonly string[];
  readonly baseline?: SkewBaseline | null;
}

export class SkewCheckError extends SkewlessError {
  constructor(
    message: string,
    readonly service: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TABLES = {
  served: '_sk_skew_served',
  spine: '_sk_skew_spine',
  rebuilt: '_sk_skew_rebuilt',
  joined: '_sk_skew_joined',
} as const;

/** Runs the check for one service; the report's `alert` says whether any threshold was crossed. */
export async function checkServiceSkew(
  deps: SkewCheckDeps,
  request: SkewCheckRequest,
): Promise<SkewReport> {
  const { duckdb, runtime } = deps;
  const registry = runtime.registry;
  const service = getService(registry, request.service);
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const start = deps.clock();
    try {
      return await step();
    } finally {
      timings[name] = (deps.clock() - start) / 1000;
    }
  };

  try {
    const vectors = await timed('read_logs_s', () =>
      loadServedVectors(duckdb, { files: request.logFiles, service, into: TABLES.served }),
    );
    const hashes = await registryHashes(duckdb, registry, deps.knownRegistries ?? []);
    let outputs: OutputReport[] = [];
    if (vectors > 0) {
      await timed('rebuild_s', async () => {
        await createSkewSpine(duckdb, service, TABLES.served, TABLES.spine);
        const { rows } = await deps.rebuild({
          service: service.name,
          spineTable: TABLES.spine,
          timeColumn: SKEW_COLUMNS.servedAt,
          asOf: { kind: 'column', column: SKEW_COLUMNS.servedAt },
          into: TABLES.rebuilt,
        });
        if (rows !== vectors)
          throw new SkewCheckError(
            `the rebuild returned ${rows} rows for ${vectors} served vectors`,
            service.name,
          );
      });
      await timed('join_s', () => createJoinedTable(duckdb, runtime, service.name));
      const figures = await timed('compare_s', () =>
        measureOutputs(
          duckdb,
          TABLES.joined,
          service,
          changedOutputs(registry, service, deps.knownRegistries ?? []),
        ),
      );
      outputs = await timed('distribution_s', async () => {
        const built: OutputReport[] = [];
        for (const f of figures) {
          const base = request.baseline?.outputs[f.output];
          const dist = base
            ? await compareDistribution(duckdb, TABLES.joined, f.output, f.dtype, base)
            : null;
          built.push(buildOutputReport(service, registry, f, dist, request.baseline ?? null));
        }
        return addDerivedNotes(built);
      });
    }
    const decisions = outputs.flatMap((o) => o.decisions);
    return {
      formatVersion: 1,
      service: service.name,
      date: request.date,
      registryHash: registry.hash,
      generatedAt: new Date(deps.clock()).toISOString(),
      vectors,
      registryHashes: hashes,
      baseline: request.baseline ? { source: request.baseline.source } : null,
      outputs,
      decisions,
      alert: decisions.length > 0,
      timings,
    };
  } finally {
    for (const t of Object.values(TABLES)) await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}

async function createJoinedTable(
  duckdb: DuckDBConnection,
  runtime: RuntimeRegistry,
  serviceName: string,
): Promise<void> {
  const service = getService(runtime.registry, serviceName);
  const stored = new Set(service.features.map((f) => f.output));
  const cols = [
    `l.${q(SKEW_COLUMNS.logId)}`,
    'l.request_id',
    'l."row"',
    'l.served_at',
    'l.registry_hash',
    'l.entity_key',
    ...service.outputs.flatMap((o) => {
      const c = joinedColumns(o.name);
      return [
        `l.${q(c.raw)}`,
        `${servedCast(o.name, o.dtype)} AS ${q(c.served)}`,
        `r.${q(o.name)} AS ${q(c.rebuilt)}`,
        ...(stored.has(o.name)
          ? [
              `l.${q(c.servedStatus)}`,
              `l.${q(servedColumns(o.name).age)}`,
              `r.${q(`${o.name}__status`)} AS ${q(c.rebuiltStatus)}`,
            ]
          : []),
      ];
    }),
  ];
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.joined)} AS
     SELECT ${cols.join(', ')}
     FROM ${q(TABLES.served)} l JOIN ${q(TABLES.rebuilt)} r USING (${q(SKEW_COLUMNS.logId)})`,
  );
  // Fail loudly rather than report on a partial join.
  const reader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM ${q(TABLES.joined)}`,
  );
  const joined = Number(reader.getRowObjectsJson()[0]?.n ?? 0);
  const servedReader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM ${q(TABLES.served)}`,
  );
  const served = Number(servedReader.getRowObjectsJson()[0]?.n ?? 0);
  if (joined !== served)
    throw new SkewCheckError(
      `only ${joined} of ${served} served vectors matched a rebuilt row`,
      service.name,
    );
}

async function registryHashes(
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
  const flagged = new Set(outputs.filter((o) => o.verdict === 'skew').map((o) => o.output));
  return outputs.map((o) => {
    if (o.source.kind !== 'transform' || o.verdict !== 'skew') return o;
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
