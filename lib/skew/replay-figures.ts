/**
 * The replay's figures of one service: each logged vector's served value against what the
 * candidate definitions give for it, read from the skew check's values view (`TABLES.values`:
 * served ⋈ rebuilt ⋈ transforms) and compared by the check's one rule (`comparisonSql`). One
 * aggregate pass gives every output's match count, null and type mismatches, null and default
 * rates on both sides, mean and max absolute difference, and the log ids of a few changed values;
 * PSI is the check's (`compareDistribution`), the served values standing where the training
 * baseline stands in the nightly check.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dtype } from '../define/dtypes.ts';
import { buildBaseline } from '../export/baseline.ts';
import type { RegistryColumn, RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { ABSENT_STATUSES, comparisonSql, joinedColumns } from './compare-sql.ts';
import { compareDistribution, type DistributionFigures } from './distribution.ts';
import { SKEW_COLUMNS } from './logs.ts';
import { exampleColumnsSql, exampleOfRow } from './measure.ts';
import { TABLES } from './rebuilds.ts';
import { thresholdsFor } from './thresholds.ts';
import type { Cause, MismatchExample } from './types.ts';

/** Changed values kept per output as examples (both values, with the entity). */
export const REPLAY_EXAMPLES = 3;

/** The replay's scratch tables (dropped by the replay with the check's). */
export const REPLAY_TABLES = {
  /** The served values, one column per output named as the output (a baseline's input). */
  served: '_sk_replay_served',
  /** The candidate's values as the served columns the distribution reads (`__raw`, `__served`). */
  candidate: '_sk_replay_candidate',
  examples: '_sk_replay_examples',
} as const;

export interface ReplayFigures {
  readonly output: string;
  readonly dtype: Dtype;
  /** What the candidate changes in the output's definition (`versions.ts`); null: unchanged. */
  readonly change: string | null;
  readonly rows: number;
  readonly matches: number;
  /** `matches / rows` (1 on no rows). */
  readonly matchRate: number;
  /** Rows with a null on one side only. */
  readonly nullMismatches: number;
  /** Rows with a null served and a value from the candidate. */
  readonly servedNullOnly: number;
  /** Served values that are not of the candidate's dtype. */
  readonly typeMismatches: number;
  /** Over rows where both sides are numbers (int64, float64 outputs); null for other dtypes. */
  readonly meanAbsDiff: number | null;
  readonly maxAbsDiff: number | null;
  readonly servedNullRate: number;
  readonly candidateNullRate: number;
  /** Share of rows whose feature is expired or missing (its default stands in); null: a transform. */
  readonly servedDefaultRate: number | null;
  readonly candidateDefaultRate: number | null;
  /** The candidate's values against the served ones; null when every value matched. */
  readonly distribution: DistributionFigures | null;
  readonly examples: readonly MismatchExample[];
}

const NUMERIC: readonly Dtype[] = ['int64', 'float64'];

/** The aggregates of output `i` (suffixed `_<i>`) over the values view. */
function replayAggregates(service: RegistryService, o: RegistryColumn, i: number): string[] {
  const c = joinedColumns(o.name);
  const cmp = comparisonSql(o.name, o.dtype, thresholdsFor(service, o.name).floatTolerance);
  const count = (name: string, cond: string) =>
    `coalesce(count_if(${cond}), 0)::BIGINT AS "${name}_${i}"`;
  const out = [
    count('m', cmp.match),
    count('nm', cmp.nullMismatch),
    count('sno', `${cmp.nullMismatch} AND ${cmp.servedNullOnly}`),
    count('tm', cmp.typeMismatch),
    count('sn', `${q(c.raw)} IS NULL`),
    count('cn', `${q(c.rebuilt)} IS NULL`),
    // Changed values spread over the day (hash order), as the check picks its examples.
    `min_by(${q(SKEW_COLUMNS.logId)}, CASE WHEN NOT ${cmp.match} THEN hash(${q(SKEW_COLUMNS.logId)}) END, ${REPLAY_EXAMPLES}) AS "ex_${i}"`,
  ];
  if (service.features.some((f) => f.output === o.name))
    out.push(
      count('sd', `${q(c.servedStatus)} IN ${ABSENT_STATUSES}`),
      count('cd', `${q(c.rebuiltStatus)} IN ${ABSENT_STATUSES}`),
    );
  if (NUMERIC.includes(o.dtype)) {
    const diff = `abs(CAST(${q(c.served)} AS DOUBLE) - CAST(${q(c.rebuilt)} AS DOUBLE))`;
    out.push(`avg(${diff}) AS "mad_${i}"`, `max(${diff}) AS "xad_${i}"`);
  }
  return out;
}

/**
 * Every output's figures over the values view of the replayed vectors. `changes` names what the
 * candidate changed per output; `independent` caps the vectors PSI's noise counts (a sample's
 * entities), as in the nightly check.
 */
export async function measureReplay(
  duckdb: DuckDBConnection,
  service: RegistryService,
  changes: ReadonlyMap<string, string>,
  independent: number,
): Promise<ReplayFigures[]> {
  const aggregates = ['count(*)::BIGINT AS "rows"'];
  service.outputs.forEach((o, i) => aggregates.push(...replayAggregates(service, o, i)));
  const reader = await duckdb.runAndReadAll(
    `SELECT ${aggregates.join(',\n  ')} FROM ${q(TABLES.values)}`,
  );
  const row = reader.getRowObjectsJson()[0] ?? {};
  const num = (key: string) => Number(row[key] ?? 0);
  const orNull = (key: string) => (row[key] == null ? null : Number(row[key]));
  const rows = num('rows');
  const share = (n: number) => (rows === 0 ? 0 : n / rows);
  const ids = service.outputs.map((_o, i) =>
    ((row[`ex_${i}`] as unknown[] | null) ?? []).map(Number),
  );
  await copyExampleRows(duckdb, ids.flat());
  const changed = service.outputs.filter((_o, i) => num(`m_${i}`) < rows);
  const distributions = await distributionsOf(duckdb, service, changed, independent);
  const figures: ReplayFigures[] = [];
  for (const [i, o] of service.outputs.entries()) {
    const stored = service.features.some((f) => f.output === o.name);
    const change = changes.get(o.name) ?? null;
    figures.push({
      output: o.name,
      dtype: o.dtype,
      change,
      rows,
      matches: num(`m_${i}`),
      matchRate: rows === 0 ? 1 : num(`m_${i}`) / rows,
      nullMismatches: num(`nm_${i}`),
      servedNullOnly: num(`sno_${i}`),
      typeMismatches: num(`tm_${i}`),
      meanAbsDiff: orNull(`mad_${i}`),
      maxAbsDiff: orNull(`xad_${i}`),
      servedNullRate: share(num(`sn_${i}`)),
      candidateNullRate: share(num(`cn_${i}`)),
      servedDefaultRate: stored ? share(num(`sd_${i}`)) : null,
      candidateDefaultRate: stored ? share(num(`cd_${i}`)) : null,
      distribution: distributions.get(o.name) ?? null,
      examples: await examplesOf(duckdb, o, ids[i]!, stored, change ? 'version' : 'unexplained'),
    });
  }
  return figures;
}

async function copyExampleRows(duckdb: DuckDBConnection, ids: readonly number[]): Promise<void> {
  const id = q(SKEW_COLUMNS.logId);
  const list = [...new Set(ids)].sort((a, b) => a - b);
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(REPLAY_TABLES.examples)} AS
     SELECT * FROM ${q(TABLES.values)} WHERE ${list.length ? `${id} IN (${list.join(', ')})` : 'FALSE'}`,
  );
}

/** The example rows of one output: served and candidate values, with the entity and time. */
async function examplesOf(
  duckdb: DuckDBConnection,
  o: RegistryColumn,
  ids: readonly number[],
  stored: boolean,
  cause: Cause,
): Promise<MismatchExample[]> {
  if (ids.length === 0) return [];
  const id = q(SKEW_COLUMNS.logId);
  const reader = await duckdb.runAndReadAll(
    `SELECT ${exampleColumnsSql(o.name, o.dtype, stored)}
     FROM ${q(REPLAY_TABLES.examples)} WHERE ${id} IN (${ids.join(', ')})
     ORDER BY hash(${id})`,
  );
  return reader.getRowObjectsJson().map((r) => exampleOfRow(r, cause));
}

/**
 * PSI (and KS) of the candidate's values against the served ones, for the outputs given: the
 * served values are binned as a training baseline is (`buildBaseline`) and the candidate's counted
 * in those bins by the nightly check's own comparison (`compareDistribution`). Both sides are
 * copied to narrow tables first, so each output's few queries scan one column.
 */
async function distributionsOf(
  duckdb: DuckDBConnection,
  service: RegistryService,
  outputs: readonly RegistryColumn[],
  independent: number,
): Promise<Map<string, DistributionFigures>> {
  const out = new Map<string, DistributionFigures>();
  if (outputs.length === 0) return out;
  const cols = outputs.map((o) => joinedColumns(o.name));
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(REPLAY_TABLES.served)} AS
     SELECT ${outputs.map((o, k) => `${q(cols[k]!.served)} AS ${q(o.name)}`).join(', ')}
     FROM ${q(TABLES.values)}`,
  );
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(REPLAY_TABLES.candidate)} AS
     SELECT ${outputs
       .map(
         (o, k) =>
           `${q(cols[k]!.rebuilt)} AS ${q(cols[k]!.served)}, ` +
           `CAST(${q(cols[k]!.rebuilt)} AS VARCHAR) AS ${q(cols[k]!.raw)}`,
       )
       .join(', ')}
     FROM ${q(TABLES.values)}`,
  );
  const served = await buildBaseline(
    duckdb,
    REPLAY_TABLES.served,
    { ...service, outputs },
    { registryHash: '', exportId: 'replay' },
  );
  for (const o of outputs) {
    const base = served.outputs[o.name];
    if (!base) continue;
    const figures = await compareDistribution(
      duckdb,
      REPLAY_TABLES.candidate,
      o.name,
      o.dtype,
      base,
      independent,
    );
    if (figures) out.set(o.name, figures);
  }
  return out;
}

/** The served label of the distribution's "baseline" side, for the report. */
export function servedSource(date: string): string {
  return `the values served on ${date} (replay: the candidate's values are counted against them)`;
}
