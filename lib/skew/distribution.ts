/**
 * Served values against the training baseline: the served values are counted in SQL over the
 * baseline's own bins (numeric: its quantile edges; categorical: its top values + `__other__`),
 * then PSI and KS are computed from the two count vectors (`distance.ts`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dtype } from '../define/dtypes.ts';
import { numberLiteral, quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { joinedColumns } from './compare-sql.ts';
import { ksStatistic, populationStabilityIndex } from './distance.ts';
import type { Distribution } from './types.ts';

/** The baseline of one output, in the form the check needs (adapted from the export artifact). */
export type BaselineOutput =
  | {
      readonly kind: 'numeric';
      readonly count: number;
      readonly nullCount: number;
      /** Ascending bin edges, `counts.length + 1` of them. */
      readonly edges: readonly number[];
      readonly counts: readonly number[];
    }
  | {
      readonly kind: 'categorical';
      readonly count: number;
      readonly nullCount: number;
      /** Top values (as text: `true`/`false` for bools) and their counts. */
      readonly values: readonly { readonly value: string; readonly count: number }[];
      readonly otherCount: number;
    };

export interface SkewBaseline {
  /** Where it came from (a file path or S3 URI), for the report. */
  readonly source: string;
  readonly outputs: Readonly<Record<string, BaselineOutput>>;
}

export const OTHER_LABEL = '__other__';

/**
 * Bin of a numeric value given edges `e_0 < … < e_k` (k bins): bin i holds `e_i <= v < e_{i+1}`,
 * the last bin also holds `v = e_k`; values below `e_0` fall in bin 0 and above `e_k` in the last
 * bin (served values outside the training range still count, at the ends).
 */
export function numericBinSql(valueSql: string, edges: readonly number[]): string {
  const k = edges.length - 1;
  if (k < 1) return '0';
  const whens: string[] = [];
  for (let i = 1; i < k; i++)
    whens.push(`WHEN ${valueSql} < ${numberLiteral(edges[i]!)} THEN ${i - 1}`);
  return whens.length === 0 ? '0' : `CASE ${whens.join(' ')} ELSE ${k - 1} END`;
}

/** The same rule in TypeScript (the tests' oracle, and the baseline side when given values). */
export function numericBin(value: number, edges: readonly number[]): number {
  const k = edges.length - 1;
  for (let i = 1; i < k; i++) if (value < edges[i]!) return i - 1;
  return Math.max(k - 1, 0);
}

/** Counts served values over the baseline's bins and computes PSI and KS. */
export async function compareDistribution(
  duckdb: DuckDBConnection,
  joined: string,
  output: string,
  dtype: Dtype,
  baseline: BaselineOutput,
): Promise<{ distribution: Distribution; psi: number | null; ks: number | null }> {
  const c = joinedColumns(output);
  const served = q(c.served);
  const nullsReader = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE ${q(c.raw)} IS NULL)::BIGINT AS nulls
     FROM ${q(joined)}`,
  );
  const totals = nullsReader.getRowObjectsJson()[0]!;
  const servedNullShare = Number(totals.n) === 0 ? 0 : Number(totals.nulls) / Number(totals.n);
  const baselineNullShare = baseline.count === 0 ? 0 : baseline.nullCount / baseline.count;

  if (baseline.kind === 'numeric') {
    const k = baseline.counts.length;
    const reader = await duckdb.runAndReadAll(
      `SELECT ${numericBinSql(served, baseline.edges)} AS bin, count(*)::BIGINT AS n
       FROM ${q(joined)} WHERE ${served} IS NOT NULL GROUP BY 1`,
    );
    const servedCounts = new Array<number>(k).fill(0);
    for (const row of reader.getRowObjectsJson()) servedCounts[Number(row.bin)] = Number(row.n);
    const bins = baseline.counts.map((count, i) => ({
      label: `[${fmtEdge(baseline.edges[i]!)}, ${fmtEdge(baseline.edges[i + 1]!)}${i === k - 1 ? ']' : ')'}`,
      baseline: count,
      served: servedCounts[i]!,
    }));
    return {
      distribution: { kind: 'numeric', bins, baselineNullShare, servedNullShare },
      psi: populationStabilityIndex(baseline.counts, servedCounts),
      ks: ksStatistic(baseline.counts, servedCounts),
    };
  }

  const labels = baseline.values.map((v) => v.value);
  const text = dtype === 'string' ? served : `CAST(${served} AS VARCHAR)`;
  const reader = await duckdb.runAndReadAll(
    `SELECT CASE WHEN ${text} IN (${labels.length ? labels.map(stringLiteral).join(', ') : 'NULL'})
                 THEN ${text} ELSE ${stringLiteral(OTHER_LABEL)} END AS label,
            count(*)::BIGINT AS n
     FROM ${q(joined)} WHERE ${served} IS NOT NULL GROUP BY 1`,
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
  ];
  return {
    distribution: { kind: 'categorical', bins, baselineNullShare, servedNullShare },
    psi: populationStabilityIndex(
      bins.map((b) => b.baseline),
      bins.map((b) => b.served),
    ),
    // KS needs an order; categories have none.
    ks: null,
  };
}

function fmtEdge(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
