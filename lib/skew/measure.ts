/**
 * Per-output figures from the joined (served vs rebuilt) table: one aggregate scan for every
 * output at once (matches, null mismatches, rows per cause, statuses, ages), then a few example
 * rows of each cause found. `output-report.ts` turns them into an `OutputReport`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dtype, FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import type { RegistryColumn, RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { causeColumn, causeIn, latestColumns, SKEW_CAUSES } from './causes.ts';
import { comparisonSql, joinedColumns, statusSql } from './compare-sql.ts';
import { SKEW_COLUMNS } from './logs.ts';
import { thresholdsFor } from './thresholds.ts';
import { CAUSES, type Cause, type MismatchExample } from './types.ts';
import type { VersionChange } from './versions.ts';

/** The column of the measured rows ordering each cause's examples (a hash of the log id). */
const EXAMPLE_ORDER = '_sk_example_order';

/** Examples kept per cause of one output (the alert shows three). */
export const EXAMPLES_PER_CAUSE = 3;

export interface OutputFigures {
  readonly output: string;
  readonly dtype: Dtype;
  readonly rows: number;
  readonly matches: number;
  readonly nullMismatches: number;
  readonly servedNullOnly: number;
  /** Null mismatches whose cause is a skew cause (stale rows are judged apart). */
  readonly skewNullMismatches: number;
  readonly typeMismatches: number;
  readonly versionMismatches: number;
  readonly versionChanges: readonly VersionChange[];
  readonly causeCounts: Readonly<Record<Cause, number>>;
  readonly status: {
    readonly servedStale: number;
    readonly servedFresher: number;
    readonly expectedStale: number;
    readonly present: number;
    readonly expired: number;
    readonly missing: number;
    readonly ages: readonly (number | null)[];
  } | null;
  readonly examples: readonly MismatchExample[];
}

/**
 * Figures of every output in one aggregate pass over the joined view (which carries the
 * `<output>__cause` columns); then the log ids of each cause's examples, whose rows are copied
 * to `examples` (a few rows) and read from there.
 */
export async function measureOutputs(
  duckdb: DuckDBConnection,
  tables: { readonly joined: string; readonly examples: string },
  service: RegistryService,
  versionChanges: ReadonlyMap<string, readonly VersionChange[]>,
): Promise<OutputFigures[]> {
  const stored = new Set(service.features.map((f) => f.output));
  const aggregates: string[] = ['count(*)::BIGINT AS "rows"'];
  service.outputs.forEach((o, i) =>
    aggregates.push(...outputAggregates(service, o, i, versionChanges, stored.has(o.name))),
  );
  const reader = await duckdb.runAndReadAll(
    `SELECT ${aggregates.join(',\n  ')} FROM ${q(tables.joined)}`,
  );
  const row = reader.getRowObjectsJson()[0] ?? {};
  const num = (key: string) => Number(row[key] ?? 0);
  const found = service.outputs.flatMap((o, i) =>
    CAUSES.filter((_c, k) => num(`c${k}_${i}`) > 0).map((cause) => ({ output: o.name, cause })),
  );
  const exampleIds = await exampleLogIds(duckdb, tables.joined, found);
  const id = q(SKEW_COLUMNS.logId);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(tables.examples)} AS
     SELECT * FROM ${q(tables.joined)}
     WHERE ${exampleIds.size ? `${id} IN (${[...exampleIds].sort((a, b) => a - b).join(', ')})` : 'FALSE'}`,
  );

  const figures: OutputFigures[] = [];
  for (const [i, o] of service.outputs.entries()) {
    const causeCounts = Object.fromEntries(CAUSES.map((c, k) => [c, num(`c${k}_${i}`)])) as Record<
      Cause,
      number
    >;
    figures.push({
      output: o.name,
      dtype: o.dtype,
      rows: num('rows'),
      matches: num(`m_${i}`),
      nullMismatches: num(`nm_${i}`),
      servedNullOnly: num(`sn_${i}`),
      skewNullMismatches: num(`snm_${i}`),
      typeMismatches: num(`tm_${i}`),
      versionMismatches: num(`vm_${i}`),
      versionChanges: versionChanges.get(o.name) ?? [],
      causeCounts,
      status: stored.has(o.name) ? statusFigures(row, i) : null,
      examples: CAUSES.some((c) => causeCounts[c] > 0)
        ? await examplesOf(duckdb, tables.examples, o.name, o.dtype, stored.has(o.name))
        : [],
    });
  }
  return figures;
}

/**
 * The log ids of up to `EXAMPLES_PER_CAUSE` rows of each (output, cause) found, spread over the
 * day (hash order, not the first minutes only). A second scan, apart from the figures': it
 * evaluates only the causes of the outputs that have any, over the rows that have one, where
 * picking examples inside the figures' pass cost as much as every figure together.
 */
async function exampleLogIds(
  duckdb: DuckDBConnection,
  joined: string,
  found: readonly { readonly output: string; readonly cause: Cause }[],
): Promise<Set<number>> {
  if (found.length === 0) return new Set();
  const id = q(SKEW_COLUMNS.logId);
  const columns = [...new Set(found.map((f) => q(causeColumn(f.output))))];
  // A row of another cause has no order (NULL), which min_by skips.
  const picks = found.map(
    (f, j) =>
      `min_by(${id}, CASE WHEN ${q(causeColumn(f.output))} = ${stringLiteral(f.cause)} ` +
      `THEN ${EXAMPLE_ORDER} END, ${EXAMPLES_PER_CAUSE}) AS "ex${j}"`,
  );
  const reader = await duckdb.runAndReadAll(
    `SELECT ${picks.join(', ')}
     FROM (SELECT ${id}, hash(${id}) AS ${EXAMPLE_ORDER}, ${columns.join(', ')} FROM ${q(joined)}
           WHERE ${columns.map((c) => `${c} IS NOT NULL`).join(' OR ')})`,
  );
  const row = reader.getRowObjectsJson()[0] ?? {};
  return new Set(found.flatMap((_f, j) => ((row[`ex${j}`] as unknown[] | null) ?? []).map(Number)));
}

/** The aggregates of output `i` (suffixed `_<i>`): matches, mismatches, causes, statuses. */
function outputAggregates(
  service: RegistryService,
  o: RegistryColumn,
  i: number,
  versionChanges: ReadonlyMap<string, readonly VersionChange[]>,
  stored: boolean,
): string[] {
  const t = thresholdsFor(service, o.name);
  const cmp = comparisonSql(o.name, o.dtype, t.floatTolerance);
  const cause = q(causeColumn(o.name));
  const hashes = (versionChanges.get(o.name) ?? []).map((v) => stringLiteral(v.hash));
  // count_if, not count(*) FILTER: DuckDB slices the aggregate's whole input for each FILTER,
  // and with a few hundred aggregates over a million rows that slicing took most of the pass.
  const count = (name: string, cond: string) =>
    `coalesce(count_if(${cond}), 0)::BIGINT AS "${name}_${i}"`;
  const aggregates = [
    count('m', cmp.match),
    count('nm', cmp.nullMismatch),
    count('sn', `${cmp.nullMismatch} AND ${cmp.servedNullOnly}`),
    count('snm', `${cmp.nullMismatch} AND ${causeIn(cause, SKEW_CAUSES)}`),
    count('tm', cmp.typeMismatch),
    hashes.length
      ? count('vm', `registry_hash IN (${hashes.join(', ')})`)
      : `0::BIGINT AS "vm_${i}"`,
    ...CAUSES.map((c, k) => count(`c${k}`, `${cause} = ${stringLiteral(c)}`)),
  ];
  if (!stored) return aggregates;
  const c = joinedColumns(o.name);
  const st = statusSql(o.name);
  const age = q(c.age);
  const served = (status: string) => `${q(c.servedStatus)} = ${stringLiteral(status)}`;
  return [
    ...aggregates,
    count('ss', st.servedStale),
    count('sf', st.servedFresher),
    count('es', st.expectedStale),
    count('pr', served('present')),
    count('ex', served('expired')),
    count('mi', served('missing')),
    `quantile_cont(${age}, [0.5, 0.9, 0.99]) AS "aq_${i}"`,
    `max(${age})::BIGINT AS "amax_${i}"`,
  ];
}

/** A stored feature's status figures, read from the aggregate row. */
function statusFigures(row: Record<string, unknown>, i: number): OutputFigures['status'] {
  const num = (key: string) => Number(row[key] ?? 0);
  const quantiles = (row[`aq_${i}`] as (number | null)[] | null) ?? [null, null, null];
  const amax = row[`amax_${i}`];
  return {
    servedStale: num(`ss_${i}`),
    servedFresher: num(`sf_${i}`),
    expectedStale: num(`es_${i}`),
    present: num(`pr_${i}`),
    expired: num(`ex_${i}`),
    missing: num(`mi_${i}`),
    ages: [
      ...quantiles.map((x) => (x === null ? null : Number(x))),
      amax == null ? null : Number(amax),
    ],
  };
}

/**
 * Up to `EXAMPLES_PER_CAUSE` rows of each cause found on one output, from the example rows of
 * every output: the ones picked for this output are the first of its causes in hash order there.
 */
async function examplesOf(
  duckdb: DuckDBConnection,
  examples: string,
  output: string,
  dtype: Dtype,
  stored: boolean,
): Promise<MismatchExample[]> {
  const cause = q(causeColumn(output));
  const latest = q(latestColumns(output).value);
  const reader = await duckdb.runAndReadAll(
    `SELECT ${exampleColumnsSql(output, dtype, stored)}, ${cause} AS cause,
            ${stored ? `CAST(${jsonSql(latest, dtype)} AS VARCHAR)` : 'NULL'} AS latest
     FROM ${q(examples)} WHERE ${cause} IS NOT NULL
     QUALIFY row_number() OVER (PARTITION BY ${cause} ORDER BY hash(${q(SKEW_COLUMNS.logId)})) <= ${EXAMPLES_PER_CAUSE}
     ORDER BY ${cause}, hash(${q(SKEW_COLUMNS.logId)})`,
  );
  return reader.getRowObjectsJson().map((r) => exampleOfRow(r, r.cause as Cause));
}

/**
 * The columns of one output's example in a joined table (served and rebuilt values as JSON text,
 * statuses when the output is stored), as `exampleOfRow` reads them.
 */
export function exampleColumnsSql(output: string, dtype: Dtype, stored: boolean): string {
  const c = joinedColumns(output);
  const statuses = stored
    ? `${q(c.servedStatus)} AS sstatus, ${q(c.rebuiltStatus)} AS rstatus`
    : 'NULL AS sstatus, NULL AS rstatus';
  return `request_id, "row", strftime(served_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS served_at,
            registry_hash, entity_key, ${q(c.raw)} AS raw,
            ${q(c.served)} IS NULL AND ${q(c.raw)} IS NOT NULL AS type_mismatch,
            CAST(${jsonSql(q(c.served), dtype)} AS VARCHAR) AS served,
            CAST(${jsonSql(q(c.rebuilt), dtype)} AS VARCHAR) AS rebuilt, ${statuses}`;
}

/** One row of `exampleColumnsSql` (with `latest` for late data) as an example of `cause`. */
export function exampleOfRow(r: Readonly<Record<string, unknown>>, cause: Cause): MismatchExample {
  return {
    requestId: String(r.request_id),
    row: Number(r.row),
    servedAt: String(r.served_at),
    entityKey: String(r.entity_key),
    registryHash: String(r.registry_hash),
    served: r.type_mismatch ? null : parseJson(r.served),
    rebuilt: parseJson(r.rebuilt),
    servedStatus: (r.sstatus ?? null) as FeatureStatus | null,
    rebuiltStatus: (r.rstatus ?? null) as FeatureStatus | null,
    ...(r.type_mismatch ? { servedRaw: String(r.raw) } : {}),
    cause,
    ...(cause === 'late data' ? { latest: parseJson(r.latest) } : {}),
  };
}

/** A value as JSON text; timestamps as ISO-8601 UTC with milliseconds, like the log. */
export function jsonSql(expr: string, dtype: Dtype): string {
  return dtype === 'timestamp'
    ? `to_json(strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%gZ'))`
    : `to_json(${expr})`;
}

/** A value of `jsonSql`'s text. */
export function parseJson(text: unknown): FeatureValue {
  if (text === null || text === undefined) return null;
  return JSON.parse(String(text)) as FeatureValue;
}
