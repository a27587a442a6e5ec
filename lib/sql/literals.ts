/**
 * The one literal encoder: every user or registry value that reaches SQL text passes through
 * here (docs/semantics.md, "Bad input": SQL text never holds a raw user string). Trino and DuckDB share standard SQL
 * quoting, so the spelling differs only in type names, which the caller passes in.
 */
import { assertNever, type Dtype, type FeatureValue } from '../define/dtypes.ts';
import { parseInstant } from '../core/values.ts';
import { SkewlessError } from '../core/errors.ts';

export class SqlLiteralError extends SkewlessError {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** `"name"`, with embedded double quotes doubled. Rejects NUL, which neither engine accepts. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0'))
    throw new SqlLiteralError(`invalid SQL identifier ${JSON.stringify(name)}`, name);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, with embedded single quotes doubled (standard strings: no backslash escapes). */
export function stringLiteral(text: string): string {
  if (text.includes('\0'))
    throw new SqlLiteralError('a SQL string literal cannot hold a NUL character', text);
  return `'${text.replace(/'/g, "''")}'`;
}

/** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm'` of an epoch-ms instant (UTC), valid in Trino and DuckDB. */
export function timestampLiteral(epochMs: number): string {
  if (!Number.isSafeInteger(epochMs))
    throw new SqlLiteralError(`instant ${String(epochMs)} is not an integer of epoch ms`, epochMs);
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999)
    throw new SqlLiteralError(`instant ${String(epochMs)} is out of range`, epochMs);
  return `TIMESTAMP '${date.toISOString().slice(0, 23).replace('T', ' ')}'`;
}

/**
 * A finite number both engines parse back to the same value: integers as digits, doubles in
 * exponent form (shortest round-trip digits). A plain `0.000001003...` would be read as a
 * DECIMAL first and may not round back to the same double.
 */
export function numberLiteral(value: number, dtype: 'int64' | 'float64' = 'float64'): string {
  if (!Number.isFinite(value))
    throw new SqlLiteralError(`number ${String(value)} is not finite`, value);
  if (dtype === 'int64') {
    if (!Number.isSafeInteger(value))
      throw new SqlLiteralError(`number ${String(value)} is not a safe integer`, value);
    return String(value);
  }
  return value.toExponential().toUpperCase();
}

/** How a dialect spells a typed value (the encoder handles the values, the dialect the types). */
export interface TypeSpelling {
  /** SQL type name of a dtype. */
  type(dtype: Dtype): string;
  /** An array literal of already-encoded elements. */
  array(elements: readonly string[]): string;
}

/** A typed SQL literal of a feature value (a default, usually); null gives a typed NULL. */
export function valueLiteral(value: FeatureValue, dtype: Dtype, spell: TypeSpelling): string {
  const typed = (text: string) => `CAST(${text} AS ${spell.type(dtype)})`;
  if (value === null) return typed('NULL');
  switch (dtype) {
    case 'int64':
    case 'float64':
      if (typeof value !== 'number') break;
      return typed(numberLiteral(value, dtype));
    case 'string':
      if (typeof value !== 'string') break;
      return stringLiteral(value);
    case 'bool':
      if (typeof value !== 'boolean') break;
      return value ? 'TRUE' : 'FALSE';
    case 'timestamp': {
      const ms = parseInstant(value);
      if (ms === undefined) break;
      return timestampLiteral(ms);
    }
    case 'float64_list':
      if (!Array.isArray(value)) break;
      return typed(spell.array(value.map((x) => numberLiteral(x))));
    default:
      return assertNever(dtype, 'dtype');
  }
  throw new SqlLiteralError(`value ${JSON.stringify(value)} is not a ${dtype}`, value);
}
