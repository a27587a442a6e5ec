/**
 * The training baseline: per service output, the distribution of the exported values, saved
 * next to each export. The nightly skew check compares served values against it (PSI, KS), so
 * its bins are the ones served values are counted in.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertNever, type Dtype } from '../define/dtypes.ts';
import type { RegistryService } from '../registry/types.ts';
import { numberLiteral, quoteIdentifier as q } from '../sql/literals.ts';

export const BASELINE_FORMAT_VERSION = 1;
/** Quantile bins per numeric output. */
export const BASELINE_BINS = 10;
/** Most frequent values kept per string / bool output; the rest count as `__other__`. */
export const BASELINE_TOP_VALUES = 20;
export const BASELINE_OTHER = '__other__';

export type BaselineOutput =
  | {
      readonly kind: 'numeric';
      readonly dtype: Dtype;
      /** Rows, nulls included. */
      readonly count: number;
      readonly nullCount: number;
      /**
       * Ascending, distinct quantile edges `e_0 < … < e_k` (k ≤ 10 bins; fewer when quantiles
       * coincide; `[v, v]` when every value is v). Bin i holds `e_i <= v < e_{i+1}`; the last bin
       * also holds `v = e_k`. Timestamps are epoch ms.
       */
      readonly edges: readonly number[];
      /** Non-null values per bin, `edges.length - 1` of them. */
      readonly counts: readonly number[];
    }
  | {
      readonly kind: 'categorical';
      readonly dtype: Dtype;
      readonly count: number;
      readonly nullCount: number;
      /** The top values as text (`true`/`false` for bools), most frequent first, ties by value. */
      readonly values: readonly { readonly value: string; readonly count: number }[];
      /** Non-null values outside the top: the `__other__` bucket. */
      readonly otherCount: number;
    };

export interface TrainingBaseline {
  readonly formatVersion: number;
  readonly service: string;
  readonly registryHash: string;
  readonly rows: number;
  /** The export it describes (its manifest's export id). */
  readonly exportId: string;
  /** By output name; `float64_list` outputs have no baseline. */
  readonly outputs: Readonly<Record<string, BaselineOutput>>;
}

/** How a dtype's baseline is kept: bins for numbers, frequencies for categories, none for lists. */
export function baselineKind(dtype: Dtype): 'numeric' | 'categorical' | 'none' {
  switch (dtype) {
    case 'int64':
    case 'float64':
    case 'timestamp':
      return 'numeric';
    case 'string':
    case 'bool':
      return 'categorical';
    case 'float64_list':
      return 'none';
    default:
      return assertNever(dtype, 'dtype');
  }
}

/** Bin index of `value` over `edges`, the rule documented on `BaselineOutput`. */
export function binOf(value: number, edges: readonly number[]): number {
  const k = edges.length - 1;
  for (let i = 1; i < k; i++) if (value < edges[i]!) return i - 1;
  return Math.max(k - 1, 0);
}

/** Computes the baseline of every output of `service` over `table` (an export's rows). */
export async function buildBaseline(
  duckdb: DuckDBConnection,
  table: string,
  service: RegistryService,
  meta: { readonly registryHash: string; readonly exportId: string },
): Promise<TrainingBaseline> {
  const rel = q(table);
  const total = await scalar(duckdb, `SELECT count(*) FROM ${rel}`);
  const outputs: Record<string, BaselineOutput> = {};
  for (const output of service.outputs) {
    const kind = baselineKind(output.dtype);
    if (kind === 'none') continue;
    const col = q(output.name);
    const nullCount = await scalar(
      duckdb,
      `SELECT count(*) FILTER (WHERE ${col} IS NULL) FROM ${rel}`,
    );
    const column = { duckdb, rel, col, count: total, nullCount };
    outputs[output.name] =
      kind === 'numeric'
        ? await numericBaseline(column, output.dtype)
        : await categoricalBaseline(column, output.dtype);
  }
  return {
    formatVersion: BASELINE_FORMAT_VERSION,
    service: service.name,
    registryHash: meta.registryHash,
    rows: total,
    exportId: meta.exportId,
    outputs,
  };
}

/** One output's column of the export's rows, with its row and null counts. */
interface BaselineColumn {
  readonly duckdb: DuckDBConnection;
  readonly rel: string;
  /** The quoted column. */
  readonly col: string;
  readonly count: number;
  readonly nullCount: number;
}

/** Deciles of the non-null values (repeated edges merged), and the count in each bin. */
async function numericBaseline(
  { duckdb, rel, col, count, nullCount }: BaselineColumn,
  dtype: Dtype,
): Promise<BaselineOutput> {
  const v = dtype === 'timestamp' ? `epoch_ms(${col})` : `CAST(${col} AS DOUBLE)`;
  const quantiles = Array.from({ length: BASELINE_BINS + 1 }, (_, i) => i / BASELINE_BINS);
  const reader = await duckdb.runAndReadAll(
    `SELECT quantile_disc(${v}, [${quantiles.map((x) => numberLiteral(x)).join(', ')}]) AS e FROM ${rel} WHERE ${col} IS NOT NULL`,
  );
  const raw = (reader.getRowObjectsJS()[0]?.['e'] ?? null) as (number | bigint)[] | null;
  const distinct = [...new Set((raw ?? []).map(Number))].sort((a, b) => a - b);
  const edges = distinct.length === 1 ? [distinct[0]!, distinct[0]!] : distinct;
  const k = edges.length - 1;
  const counts = new Array<number>(Math.max(k, 0)).fill(0);
  if (k >= 1) {
    const whens = edges
      .slice(1, k)
      .map((e, i) => `WHEN ${v} < ${numberLiteral(e)} THEN ${i}`)
      .join(' ');
    const bin = whens ? `CASE ${whens} ELSE ${k - 1} END` : '0';
    const binned = await duckdb.runAndReadAll(
      `SELECT ${bin} AS b, count(*) AS n FROM ${rel} WHERE ${col} IS NOT NULL GROUP BY 1`,
    );
    for (const row of binned.getRowObjectsJS()) counts[Number(row['b'])] = Number(row['n']);
  }
  return { kind: 'numeric', dtype, count, nullCount, edges, counts };
}

/** The most frequent values with their counts, the rest counted as one. */
async function categoricalBaseline(
  { duckdb, rel, col, count, nullCount }: BaselineColumn,
  dtype: Dtype,
): Promise<BaselineOutput> {
  const reader = await duckdb.runAndReadAll(
    `SELECT CAST(${col} AS VARCHAR) AS v, count(*) AS n FROM ${rel} WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v`,
  );
  const all = reader
    .getRowObjectsJS()
    .map((r) => ({ value: String(r['v']), count: Number(r['n']) }));
  const values = all.slice(0, BASELINE_TOP_VALUES);
  const otherCount = all.slice(BASELINE_TOP_VALUES).reduce((s, x) => s + x.count, 0);
  return { kind: 'categorical', dtype, count, nullCount, values, otherCount };
}

async function scalar(duckdb: DuckDBConnection, sql: string): Promise<number> {
  const reader = await duckdb.runAndReadAll(sql);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
