/**
 * The skew check of one service on one day: take the day's served vectors, rebuild each one with
 * the point-in-time export at `t = as_of = served_at` (so the rebuild sees only what the online
 * store could have known), rebuild the ones served expired/missing again with the latest as_of
 * (what training sees now), give every mismatched or stale value its cause in SQL, measure the
 * served distribution against the training baseline, and decide which findings (skew, stale,
 * drift) crossed their thresholds. The core takes its world as parameters: a DuckDB connection,
 * the registry, the rebuild function (the export's generator) and a clock.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { SkewlessError } from '../core/errors.ts';
import { duckdbType } from '../core/columns.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { statusColumnName, type AsOf } from '../sql/plan.ts';
import { causeSelectList, latestColumns } from './causes.ts';
import { comparisonSql, joinedColumns, servedCast } from './compare-sql.ts';
import { compareDistribution, type SkewBaseline } from './distribution.ts';
import { createSkewSpine, loadServedVectors, SKEW_COLUMNS } from './logs.ts';
import { measureOutputs } from './measure.ts';
import { buildOutputReport } from './output-report.ts';
import { rebuildTransforms } from './rebuild-transforms.ts';
import { kindsOf, thresholdsFor, verdictOf } from './thresholds.ts';
import type { MalformedLines, OutputReport, SkewReport } from './types.ts';
import { changedOutputs, type VersionChange } from './versions.ts';

/**
 * What the rebuild gets: the shape of the export's `LocalPointInTimeRequest`, stored features
 * only (the check applies the request transforms itself, once per distinct input: see
 * `rebuild-transforms.ts`).
 */
export interface RebuildRequest {
  readonly service: string;
  readonly spineTable: string;
  readonly timeColumn: string;
  readonly asOf: AsOf;
  readonly into: string;
}

/**
 * Rebuilds vectors through the export's point-in-time generator (never a second SQL): `into`
 * gets `_sk_row`, every stored feature output and its `<output>__status`.
 */
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
  readonly baseline?: SkewBaseline | null;
  /** The day's unreadable log lines (the day's log is already in `DAY_LOG_TABLE`). */
  readonly malformed?: MalformedLines;
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
  transformed: '_sk_skew_transformed',
  mainRebuilt: '_sk_skew_main_rebuilt',
  latest: '_sk_skew_latest',
  recordSpine: '_sk_skew_record_spine',
  records: '_sk_skew_records',
  servedRecords: '_sk_skew_served_records',
  values: '_sk_skew_values',
  joined: '_sk_skew_joined',
} as const;
const VIEWS: readonly string[] = [TABLES.mainRebuilt, TABLES.latest];

/**
 * Runs the check for one service over the day's log loaded by `loadDayLog`; the report's `alert`
 * says whether a finding alerts (skew always; stale and drift past their thresholds).
 */
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
      await timed('join_s', () => createValuesTable(duckdb, service));
      await timed('served_records_s', () => rebuildServedRecords(deps, service));
      await timed('causes_s', () => createJoinedTable(deps, service, changes, vectors));
      const figures = await timed('compare_s', () =>
        measureOutputs(duckdb, TABLES.joined, service, changes),
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
    const kinds = kindsOf(decisions);
    const malformed = request.malformed ?? { count: 0, examples: [] };
    return {
      formatVersion: 2,
      service: service.name,
      date: request.date,
      registryHash: registry.hash,
      generatedAt: new Date(deps.clock()).toISOString(),
      vectors,
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
    for (const t of VIEWS) await duckdb.run(`DROP VIEW IF EXISTS ${q(t)}`);
    for (const t of Object.values(TABLES))
      if (!VIEWS.includes(t)) await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}

/**
 * One rebuild through the export, two kinds of rows (`createSkewSpine`): at `t = as_of =
 * served_at` (what the online store could have known) and, for vectors that served a feature
 * expired or missing, at `t = served_at` with the latest as_of (what training sees now). One
 * pass over the offline store for both.
 */
async function rebuild(
  deps: SkewCheckDeps,
  service: RegistryService,
  vectors: number,
): Promise<void> {
  const { duckdb } = deps;
  const late = await createSkewSpine(duckdb, service, TABLES.served, TABLES.spine, vectors);
  const { rows } = await deps.rebuild({
    service: service.name,
    spineTable: TABLES.spine,
    timeColumn: SKEW_COLUMNS.servedAt,
    asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
    into: TABLES.rebuilt,
  });
  if (rows !== vectors + late)
    throw new SkewCheckError(
      `the rebuild returned ${rows} rows for ${vectors} served vectors and ${late} late checks`,
      service.name,
    );
  const id = q(SKEW_COLUMNS.logId);
  await duckdb.run(
    `CREATE OR REPLACE TEMP VIEW ${q(TABLES.mainRebuilt)} AS
     SELECT * FROM ${q(TABLES.rebuilt)} WHERE ${id} < ${vectors}`,
  );
  await duckdb.run(
    `CREATE OR REPLACE TEMP VIEW ${q(TABLES.latest)} AS
     SELECT * REPLACE (${id} - ${vectors} AS ${id}) FROM ${q(TABLES.rebuilt)} WHERE ${id} >= ${vectors}`,
  );
}

/**
 * Served ⋈ rebuilt (⋈ transforms, ⟕ latest) on the log id (`TABLES.values`), materialized: the
 * served-record spine and the joined table both scan it.
 */
async function createValuesTable(
  duckdb: DuckDBConnection,
  service: RegistryService,
): Promise<void> {
  const stored = new Set(service.features.map((f) => f.output));
  const cols = [
    `l.${q(SKEW_COLUMNS.logId)}`,
    'l.request_id',
    'l."row"',
    'l.served_at',
    'l.registry_hash',
    'l.entity_key',
    ...service.joinKeys.map((k) => `l.${q(k.name)}`),
    ...service.request.map((r) => `l.${q(r.name)}`),
    ...service.outputs.flatMap((o) => {
      const c = joinedColumns(o.name);
      const latest = latestColumns(o.name);
      return [
        `l.${q(c.raw)}`,
        `${servedCast(o.name, o.dtype)} AS ${q(c.served)}`,
        stored.has(o.name)
          ? `r.${q(o.name)} AS ${q(c.rebuilt)}`
          : `t.${q(o.name)} AS ${q(c.rebuilt)}`,
        ...(stored.has(o.name)
          ? [
              `l.${q(c.servedStatus)}`,
              `l.${q(c.age)}`,
              `r.${q(statusColumnName(o.name))} AS ${q(c.rebuiltStatus)}`,
              `x.${q(o.name)} AS ${q(latest.value)}`,
              `x.${q(statusColumnName(o.name))} AS ${q(latest.status)}`,
            ]
          : []),
      ];
    }),
  ];
  const id = q(SKEW_COLUMNS.logId);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.values)} AS
     SELECT ${cols.join(',\n       ')}
     FROM ${q(TABLES.served)} l JOIN ${q(TABLES.mainRebuilt)} r ON r.${id} = l.${id}
     JOIN ${q(TABLES.transformed)} t ON t.${id} = l.${id}
     LEFT JOIN ${q(TABLES.latest)} x ON x.${id} = l.${id}`,
  );
}

/**
 * The served records: for each vector served a present value that differs from its present
 * rebuild, the rebuild at that value's own event time (`served_at − age`, as_of = served_at),
 * per view, so the causes can tell an older record the online store still held (ingest lag)
 * from a value no store ever held (unexplained). None on a day without such values.
 */
async function rebuildServedRecords(deps: SkewCheckDeps, service: RegistryService): Promise<void> {
  const { duckdb } = deps;
  const id = q(SKEW_COLUMNS.logId);
  const at = q(SKEW_COLUMNS.servedRecordAt);
  const perView = service.views.map((view, i) => {
    const features = service.features.filter((f) => f.view === view);
    const suspect = features.map((f) => {
      const c = joinedColumns(f.output);
      const cmp = comparisonSql(f.output, f.dtype, thresholdsFor(service, f.output).floatTolerance);
      return `(${q(c.servedStatus)} = 'present' AND ${q(c.rebuiltStatus)} = 'present' AND NOT ${cmp.match})`;
    });
    const age = q(joinedColumns(features[0]!.output).age);
    return (
      `SELECT ${id} AS log_id, ${i} AS view_index, ` +
      `${[...service.joinKeys.map((k) => q(k.name)), ...service.request.map((r) => q(r.name))].join(', ')}, ` +
      `served_at - to_milliseconds(${age}) AS ${at}, served_at ` +
      `FROM ${q(TABLES.values)} WHERE ${age} IS NOT NULL AND (${suspect.join(' OR ')})`
    );
  });
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.recordSpine)} AS
     SELECT row_number() OVER (ORDER BY log_id, view_index) - 1 AS ${id}, *
     FROM (${perView.join(' UNION ALL ')})`,
  );
  const columns = service.features.map((f) => q(joinedColumns(f.output).servedRecord));
  const counted = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM ${q(TABLES.recordSpine)}`,
  );
  if (Number(counted.getRowObjectsJson()[0]?.n ?? 0) === 0) {
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(TABLES.servedRecords)} AS
       SELECT CAST(NULL AS BIGINT) AS log_id, ${service.features
         .map(
           (f) => `CAST(NULL AS ${duckdbType(f.dtype)}) AS ${columns[service.features.indexOf(f)]}`,
         )
         .join(', ')} WHERE FALSE`,
    );
    return;
  }
  await deps.rebuild({
    service: service.name,
    spineTable: TABLES.recordSpine,
    timeColumn: SKEW_COLUMNS.servedRecordAt,
    asOf: { kind: 'column', column: SKEW_COLUMNS.servedAt },
    into: TABLES.records,
  });
  const picks = service.features.map((f, k) => {
    const i = service.views.indexOf(f.view);
    return `any_value(r.${q(f.output)}) FILTER (WHERE m.view_index = ${i}) AS ${columns[k]}`;
  });
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.servedRecords)} AS
     SELECT m.log_id, ${picks.join(', ')}
     FROM ${q(TABLES.records)} r JOIN ${q(TABLES.recordSpine)} m ON m.${id} = r.${id}
     GROUP BY m.log_id`,
  );
}

/**
 * The joined table: the values view with the served records and every output's cause, in one
 * pass. Fails loudly rather than report on a partial join.
 */
async function createJoinedTable(
  deps: SkewCheckDeps,
  service: RegistryService,
  changes: ReadonlyMap<string, readonly VersionChange[]>,
  vectors: number,
): Promise<void> {
  const { duckdb } = deps;
  const id = q(SKEW_COLUMNS.logId);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.joined)} AS
     SELECT v.*, ${service.features.map((f) => `s.${q(joinedColumns(f.output).servedRecord)}`).join(', ')},
            ${causeSelectList(deps.runtime.registry, service, changes).join(',\n            ')}
     FROM ${q(TABLES.values)} v LEFT JOIN ${q(TABLES.servedRecords)} s ON s.log_id = v.${id}`,
  );
  const reader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM ${q(TABLES.joined)}`,
  );
  const joined = Number(reader.getRowObjectsJson()[0]?.n ?? 0);
  if (joined !== vectors)
    throw new SkewCheckError(
      `only ${joined} of ${vectors} served vectors matched a rebuilt row`,
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
