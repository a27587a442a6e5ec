/**
 * The value types a feature or key can have, and the TypeScript type each one rides on.
 * Every projection (DynamoDB codec, Iceberg/DuckDB columns, zod schemas) switches on `Dtype`
 * with an exhaustive `never` check, so a new type fails to compile until all of them handle it.
 */
export const DTYPES = ['int64', 'float64', 'string', 'bool', 'timestamp', 'float64_list'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Join keys are restricted to types with one exact canonical string form. */
export const KEY_DTYPES = ['string', 'int64'] as const;
export type KeyDtype = (typeof KEY_DTYPES)[number];

/**
 * The runtime value of a dtype. `int64` is a JS number restricted to safe integers (±2^53),
 * timestamps are ISO-8601 UTC strings with milliseconds (`2001-01-01T00:00:00.000Z`).
 */
export type ValueOf<D extends Dtype> = D extends 'int64' | 'float64'
  ? number
  : D extends 'string'
    ? string
    : D extends 'bool'
      ? boolean
      : D extends 'timestamp'
        ? string
        : D extends 'float64_list'
          ? number[]
          : never;

export type FeatureValue = number | string | boolean | number[] | null;

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

// The value rules live in one place (lib/core/values.ts); re-exported for the DSL's users.
export { coerceValue, parseInstant } from '../core/values.ts';
