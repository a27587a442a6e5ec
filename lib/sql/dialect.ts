/**
 * The small dialect interface the point-in-time renderer speaks through. Athena (Trino) and
 * DuckDB differ only here: type names, struct spelling, intervals, the ignore-nulls spelling,
 * and whether the pick may use DuckDB's ASOF JOIN.
 */
import { ATHENA_RULES } from '../aws-rules/athena.ts';
import { assertNever, type Dtype } from '../define/dtypes.ts';
import { duckdbType } from '../core/columns.ts';
import { quoteIdentifier, type TypeSpelling } from './literals.ts';

export const DIALECT_NAMES = ['athena', 'duckdb', 'duckdb-asof'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export interface StructField {
  readonly name: string;
  readonly dtype: Dtype;
}

export interface SqlDialect extends TypeSpelling {
  readonly name: DialectName;
  /**
   * How each spine row finds its record: `window` is the union-and-window shape that Athena
   * runs (no ASOF JOIN in Trino); `asof` is DuckDB's ASOF JOIN over ties pre-aggregated per
   * (keys, event_time) — faster in DuckDB, same result (the property tests run both).
   */
  readonly pick: 'window' | 'asof';
  /** An interval of `ms` milliseconds, to subtract from a timestamp. */
  interval(ms: number): string;
  /** `last_value(expr) IGNORE NULLS` in this dialect's spelling (the OVER clause follows). */
  lastValueIgnoreNulls(expr: string): string;
  /** The type of a struct / row with named fields. */
  structType(fields: readonly StructField[]): string;
  /** A non-null struct / row value of `exprs` (one per field, in order). */
  struct(fields: readonly StructField[], exprs: readonly string[]): string;
  /** An array of the integers `0 .. n-1`, to UNNEST. */
  integerSeries(n: number): string;
  /** The type of an array of `dtype` values. */
  arrayType(dtype: Dtype): string;
  /**
   * `SELECT <each element of array> AS alias, ...columns FROM from WHERE where`: one row per
   * element (Trino: CROSS JOIN UNNEST; DuckDB: unnest in the select list, which needs no
   * lateral join).
   */
  /** md5 of a string's UTF-8 bytes as 32 lowercase hex digits (the skew check's sample buckets). */
  md5Hex(expr: string): string;
  unnestSelect(
    array: string,
    alias: string,
    columns: readonly string[],
    from: string,
    where: string,
  ): string;
}

function intervalParts(ms: number): { days: number; h: number; m: number; s: number; ms: number } {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`bad interval ${String(ms)} ms`);
  return {
    days: Math.floor(ms / 86_400_000),
    h: Math.floor(ms / 3_600_000) % 24,
    m: Math.floor(ms / 60_000) % 60,
    s: Math.floor(ms / 1000) % 60,
    ms: ms % 1000,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function trinoType(dtype: Dtype): string {
  switch (dtype) {
    case 'int64':
      return 'bigint';
    case 'float64':
      return 'double';
    case 'string':
      return 'varchar';
    case 'bool':
      return 'boolean';
    case 'timestamp':
      // Iceberg stores timestamps with microseconds; Athena reads them as timestamp(6).
      return `timestamp(${ATHENA_RULES.icebergTimestampPrecision.value})`;
    case 'float64_list':
      return 'array(double)';
    default:
      return assertNever(dtype, 'dtype');
  }
}

export const athenaDialect: SqlDialect = {
  name: 'athena',
  pick: 'window',
  type: trinoType,
  array: (elements) => `ARRAY[${elements.join(', ')}]`,
  interval(ms) {
    const p = intervalParts(ms);
    return `INTERVAL '${p.days} ${pad(p.h)}:${pad(p.m)}:${pad(p.s)}.${pad(p.ms, 3)}' DAY TO SECOND`;
  },
  lastValueIgnoreNulls: (expr) => `last_value(${expr}) IGNORE NULLS`,
  structType: (fields) =>
    `ROW(${fields.map((f) => `${quoteIdentifier(f.name)} ${trinoType(f.dtype)}`).join(', ')})`,
  struct(fields, exprs) {
    return `CAST(ROW(${exprs.join(', ')}) AS ${this.structType(fields)})`;
  },
  integerSeries: (n) => `sequence(0, ${seriesEnd(n)})`,
  arrayType: (dtype) => `array(${trinoType(dtype)})`,
  md5Hex: (expr) => `lower(to_hex(md5(to_utf8(${expr}))))`,
  unnestSelect: (array, alias, columns, from, where) =>
    `SELECT ${[`u.${alias}`, ...columns].join(', ')}\nFROM ${from}\nCROSS JOIN UNNEST(${array}) AS u(${alias})\nWHERE ${where}`,
};

const duckdbBase: Omit<SqlDialect, 'name' | 'pick'> = {
  type: duckdbType,
  array: (elements) => `[${elements.join(', ')}]`,
  interval(ms) {
    intervalParts(ms);
    return `INTERVAL '${ms} milliseconds'`;
  },
  lastValueIgnoreNulls: (expr) => `last_value(${expr} IGNORE NULLS)`,
  structType: (fields) =>
    `STRUCT(${fields.map((f) => `${quoteIdentifier(f.name)} ${duckdbType(f.dtype)}`).join(', ')})`,
  struct: (fields, exprs) =>
    `struct_pack(${fields.map((f, i) => `${quoteIdentifier(f.name)} := ${exprs[i] ?? 'NULL'}`).join(', ')})`,
  integerSeries: (n) => `range(0, ${seriesEnd(n) + 1})`,
  arrayType: (dtype) => `${duckdbType(dtype)}[]`,
  md5Hex: (expr) => `md5(${expr})`,
  unnestSelect: (array, alias, columns, from, where) =>
    `SELECT ${[`unnest(${array}) AS ${alias}`, ...columns].join(', ')}\nFROM ${from}\nWHERE ${where}`,
};

function seriesEnd(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bad series length ${String(n)}`);
  return n - 1;
}

/** DuckDB rendering of the Athena shape: what proves Athena's plan on every local test run. */
export const duckdbDialect: SqlDialect = { ...duckdbBase, name: 'duckdb', pick: 'window' };
/** DuckDB with ASOF JOIN: the local fast path. */
export const duckdbAsofDialect: SqlDialect = { ...duckdbBase, name: 'duckdb-asof', pick: 'asof' };

export function dialectByName(name: DialectName): SqlDialect {
  switch (name) {
    case 'athena':
      return athenaDialect;
    case 'duckdb':
      return duckdbDialect;
    case 'duckdb-asof':
      return duckdbAsofDialect;
    default:
      return assertNever(name, 'dialect');
  }
}

/**
 * `floor(a / b)` of an epoch-ms BIGINT `a` and a positive integer `b`, as a BIGINT. SQL's integer
 * division truncates toward zero (Trino's `/`, DuckDB's `//`), which differs from the core's
 * `Math.ceil`/`Math.floor` for instants before 1970; this floors for both signs. It divides in
 * DOUBLE, which is exact here: `a` converts exactly (|a| < 2^53), and a quotient that is not an
 * integer lies at least 1/b from one while the rounding error is below |a|/b · 2^-53 < 1/b.
 */
export function floorDivSql(a: string, b: number, dialect: SqlDialect): string {
  return `CAST(floor(CAST(${a} AS ${dialect.type('float64')}) / ${b}) AS ${dialect.type('int64')})`;
}
