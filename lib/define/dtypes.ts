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

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * Checks that `value` is a valid `dtype` value and returns it in canonical form
 * (timestamps normalised to millisecond ISO). Returns an error string when it is not.
 */
export function coerceValue(
  dtype: Dtype,
  value: unknown,
): { ok: true; value: FeatureValue } | { ok: false; error: string } {
  if (value === null) return { ok: true, value: null };
  switch (dtype) {
    case 'int64':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, error: `expected int64 (a safe integer), got ${describe(value)}` };
    case 'float64':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, error: `expected float64 (a finite number), got ${describe(value)}` };
    case 'string':
      return typeof value === 'string'
        ? { ok: true, value }
        : { ok: false, error: `expected string, got ${describe(value)}` };
    case 'bool':
      return typeof value === 'boolean'
        ? { ok: true, value }
        : { ok: false, error: `expected bool, got ${describe(value)}` };
    case 'timestamp': {
      const ms = parseInstant(value);
      return ms === undefined
        ? {
            ok: false,
            error: `expected a UTC timestamp (ISO-8601 ending in Z, or epoch ms), got ${describe(value)}`,
          }
        : { ok: true, value: new Date(ms).toISOString() };
    }
    case 'float64_list':
      return Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isFinite(x))
        ? { ok: true, value: value as number[] }
        : {
            ok: false,
            error: `expected float64_list (an array of finite numbers), got ${describe(value)}`,
          };
    default:
      return assertNever(dtype, 'dtype');
  }
}

/**
 * Parses a UTC instant: an ISO-8601 string that ends in `Z` (no local times, by design), or
 * epoch milliseconds. Returns epoch ms, or undefined when the input is not such an instant.
 */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !ISO_UTC_MS.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  const shown =
    text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `${Array.isArray(value) ? 'array' : typeof value} ${shown}`;
}
