/**
 * Moving feature values between DuckDB and TypeScript: the export runs request transforms over
 * exported rows, so values cross in both directions with the registry's dtypes.
 */
import {
  listValue,
  timestampValue,
  type DuckDBAppender,
  type DuckDBValue,
  type JS,
} from '@duckdb/node-api';
import { assertNever, type Dtype, type FeatureValue } from '../define/dtypes.ts';
import { coerceValue } from '../core/values.ts';
import { ValidationError } from '../core/errors.ts';

/** A DuckDB JS value (`getRowObjectsJS`) as the registry's runtime value of `dtype`. */
export function fromDuckdbValue(dtype: Dtype, value: JS, what: string): FeatureValue {
  const plain =
    typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : value;
  if (typeof value === 'bigint' && !Number.isSafeInteger(plain))
    throw new ValidationError(`${what}: ${String(value)} is not a safe integer`, what);
  // A value read back from a store is taken as written (see ValueSource).
  const coerced = coerceValue(dtype, plain, 'store');
  if (!coerced.ok) throw new ValidationError(`${what}: ${coerced.error}`, what);
  return coerced.value;
}

/** Appends one value of `dtype` to the current appender row. */
export function appendFeatureValue(
  appender: DuckDBAppender,
  dtype: Dtype,
  value: FeatureValue,
): void {
  if (value === null) return appender.appendNull();
  switch (dtype) {
    case 'int64':
      return appender.appendBigInt(BigInt(value as number));
    case 'float64':
      return appender.appendDouble(value as number);
    case 'string':
      return appender.appendVarchar(value as string);
    case 'bool':
      return appender.appendBoolean(value as boolean);
    case 'timestamp':
      return appender.appendTimestamp(timestampValue(BigInt(Date.parse(value as string)) * 1000n));
    case 'float64_list':
      return appender.appendList(listValue((value as number[]).map((x): DuckDBValue => x)));
    default:
      return assertNever(dtype, 'dtype');
  }
}
