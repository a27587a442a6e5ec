/**
 * Served values against the training baseline: the served values are counted in SQL over the
 * baseline's own bins (numeric: its quantile edges; categorical: its top values + `__other__`;
 * both plus a null bin),
 * then PSI and KS are computed from the two count vectors (`distance.ts`). A baseline of another
 * kind than the output's current dtype (another definition version) is not compared.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dtype } from '../define/dtypes.ts';
import { numberLiteral, quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { joinedColumns } from './compare-sql.ts';
import { ksNoise, ksStatistic, populationStabilityIndex, psiNoise } from './distance.ts';
import type { Distribution } from './types.ts';
import { BASELINE_OTHER, baselineKind, type BaselineOutput } from '../export/baseline.ts';

export type { BaselineOutput };

/** The training baseline the check compares with: the export's artifact, and where it came from. */
export interface SkewBaseline {
  /** A file path or S3 URI, for the report. */
  readonly source: string;
  readonly outputs: Readonly<Record<string, BaselineOutput>>;
}

/** An output's distribution against the baseline: PSI and KS, each with its sampling noise. */
export interface DistributionFigures {
  readonly distribution: Distribution;
  readonly psi: number | null;
  readonly ks: number | null;
  /** The level PSI reaches by sampling alone at the sizes compared (`psiNoise`). */
  readonly psiNoise: number | null;
  /** The level KS reaches by sampling alone at the sizes compared (`ksNoise`). */
  readonly ksNoise: number | null;
}

export const OTHER_LABEL = BASELINE_OTHER;
/** The bin of null values (PSI only). */
export const NULL_LABEL = 'null';

/**
 * SQL of the bin of a numeric value, the baseline's rule (`binOf` in `lib/export/baseline.ts`,
 * which the tests cross-check): given edges `e_0 < … < e_k`, bin i holds `e_i <= v < e_{i+1}`, the
 * last bin also `v = e_k`; values below `e_0` fall in bin 0 and above `e_k` in the last bin, so
 * served values outside the training range still count, at the ends.
 */
export function numericBinSql(valueSql: string, edges: readonly number[]): string {
  const k = edges.length - 1;
  if (k < 1) return '0';
  const whens: string[] = [];
  for (let i = 1; i < k; i++)
    whens.push(`WHEN ${valueSql} < ${numberLiteral(edges[i]!)} THEN ${i - 1}`);
  return whens.length === 0 ? '0' : `CASE ${whens.join(' ')} ELSE ${k - 1} END`;
}

/**
 * Counts served values over the baseline's bins and computes PSI and KS; `served` is the
 * served-vector table (`<output>__raw` and `__served`). `independent` caps the number of served
 * values their noise levels count as independent: a sample by entity keeps every vector of an
 * entity, and one entity's values move together, so a sampled day counts its entities (the most
 * cautious design effect) and cannot page for the luck of which entities it drew.
 */
export async function compareDistribution(
  duckdb: DuckDBConnection,
  served: string,
  output: string,
  dtype: Dtype,
  baseline: BaselineOutput,
  independent = Infinity,
): Promise<DistributionFigures | null> {
  if (baseline.kind !== baselineKind(dtype)) return null;
  const c = joinedColumns(output);
  const value = q(c.served);
  const nullsReader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE ${q(c.raw)} IS NULL)::BIGINT AS nulls
     FROM ${q(served)}`,
  );
  const totals = nullsReader.getRowObjectsJson()[0]!;
  const servedNulls = Number(totals.nulls);
  const servedNullShare = Number(totals.n) === 0 ? 0 : servedNulls / Number(totals.n);
  const baselineNullShare = baseline.count === 0 ? 0 : baseline.nullCount / baseline.count;
  // Nulls are a bin of their own in PSI: a feature that starts serving its null default (an
  // expired value, a dropped column) has shifted even if its non-null values have not.
  const nullBin = { label: NULL_LABEL, baseline: baseline.nullCount, served: servedNulls };
  const compared = { duckdb, served, value, dtype, nullBin, independent };
  const shares = { baselineNullShare, servedNullShare };
  return baseline.kind === 'numeric'
    ? compareNumeric(compared, baseline, shares)
    : compareCategorical(compared, baseline, shares);
}

/** What both comparisons read: the served table, its value column, and the null bin. */
interface Compared {
  readonly duckdb: DuckDBConnection;
  readonly served: string;
  /** The quoted served-value column. */
  readonly value: string;
  readonly dtype: Dtype;
  readonly nullBin: { readonly label: string; readonly baseline: number; readonly served: number };
  readonly independent: number;
}

type NullShares = { readonly baselineNullShare: number; readonly servedNullShare: number };

/** Numeric values over the baseline's edges: PSI and KS. */
async function compareNumeric(
  { duckdb, served, value, dtype, nullBin, independent }: Compared,
  baseline: Extract<BaselineOutput, { kind: 'numeric' }>,
  shares: NullShares,
): Promise<DistributionFigures> {
  const k = baseline.counts.length;
  const reader = await duckdb.runAndReadAll(
    `SELECT ${numericBinSql(numericSql(value, dtype), baseline.edges)} AS bin, count(*)::BIGINT AS n
     FROM ${q(served)} WHERE ${value} IS NOT NULL GROUP BY 1`,
  );
  const servedCounts = new Array<number>(k).fill(0);
  for (const row of reader.getRowObjectsJson()) servedCounts[Number(row.bin)] = Number(row.n);
  const valueBins = baseline.counts.map((count, i) => ({
    label: `[${fmtEdge(baseline.edges[i]!, dtype)}, ${fmtEdge(baseline.edges[i + 1]!, dtype)}${i === k - 1 ? ']' : ')'}`,
    baseline: count,
    served: servedCounts[i]!,
  }));
  const bins = [...valueBins, nullBin];
  return {
    distribution: { kind: 'numeric', bins, ...shares },
    ...psiFigures(bins, independent),
    // KS compares the ordered (non-null) values only.
    ks: ksStatistic(baseline.counts, servedCounts),
    ksNoise: ksNoise(Math.min(total(servedCounts), independent), total(baseline.counts)),
  };
}

/** Categories over the baseline's most frequent values (the rest as one): PSI, no KS. */
async function compareCategorical(
  { duckdb, served, value, dtype, nullBin, independent }: Compared,
  baseline: Extract<BaselineOutput, { kind: 'categorical' }>,
  shares: NullShares,
): Promise<DistributionFigures> {
  const labels = baseline.values.map((v) => v.value);
  const text = dtype === 'string' ? value : `CAST(${value} AS VARCHAR)`;
  const reader = await duckdb.runAndReadAll(
    `SELECT CASE WHEN ${text} IN (${labels.length ? labels.map(stringLiteral).join(', ') : 'NULL'})
                 THEN ${text} ELSE ${stringLiteral(OTHER_LABEL)} END AS label,
            count(*)::BIGINT AS n
     FROM ${q(served)} WHERE ${value} IS NOT NULL GROUP BY 1`,
  );
  const servedByLabel = new Map(
    reader.getRowObjectsJson().map((r) => [String(r.label), Number(r.n)] as const),
  );
  const bins = [
    ...baseline.values.map((v) => ({
      label: v.value,
      baseline: v.count,
      served: servedByLabel.get(v.value) ?? 0,
    })),
    {
      label: OTHER_LABEL,
      baseline: baseline.otherCount,
      served: servedByLabel.get(OTHER_LABEL) ?? 0,
    },
    nullBin,
  ];
  return {
    distribution: { kind: 'categorical', bins, ...shares },
    ...psiFigures(bins, independent),
    // KS needs an order; categories have none.
    ks: null,
    ksNoise: null,
  };
}

/** PSI over the bins (the null bin included), and its noise at the sizes compared. */
function psiFigures(
  bins: readonly { baseline: number; served: number }[],
  independent: number,
): Pick<DistributionFigures, 'psi' | 'psiNoise'> {
  const baseline = bins.map((b) => b.baseline);
  const served = bins.map((b) => b.served);
  return {
    psi: populationStabilityIndex(baseline, served),
    psiNoise: psiNoise(baseline, Math.min(total(served), independent)),
  };
}

function total(counts: readonly number[]): number {
  return counts.reduce((a, b) => a + b, 0);
}

/** The number a numeric output is binned by (timestamps: epoch ms, as in the baseline). */
function numericSql(value: string, dtype: Dtype): string {
  return dtype === 'timestamp' ? `epoch_ms(${value})` : `CAST(${value} AS DOUBLE)`;
}

function fmtEdge(x: number, dtype: Dtype): string {
  if (dtype === 'timestamp') return new Date(x).toISOString().slice(0, 16).replace('T', ' ');
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}
