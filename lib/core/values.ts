/**
 * The one validation of values: what every path that takes a value from outside (ingest, push,
 * backfill, the lookup request, the export spine) accepts, so the rule cannot drift between
 * them. A value accepted here is stored identically by every store: DynamoDB, Parquet/Iceberg,
 * the export and the inference log ("Bad input" in docs/semantics.md). So:
 * - strings are well-formed Unicode (no lone surrogate: UTF-8 cannot encode one);
 * - numbers are finite and within DynamoDB's range (|x| ≤ 9.99e125, and ≥ 1e-130 unless 0);
 *   `-0` becomes `0` (DynamoDB has no negative zero);
 * - int64 values are safe integers (±(2^53 - 1)), exact as JS numbers and as JSON;
 * - timestamps are real calendar instants in years 0001–9999, at millisecond precision.
 */
import { DYNAMODB } from '../aws-rules/dynamodb.ts';
import type { Dtype, FeatureValue } from '../define/dtypes.ts';

/** DynamoDB's number range: magnitudes from 1e-130 to 9.99...e125 (and zero). */
export const NUMBER_LIMITS = {
  maxMagnitude: DYNAMODB.numberRange.value.maxMagnitude,
  minMagnitude: DYNAMODB.numberRange.value.minMagnitude,
} as const;

/** Years 0001-9999: what Iceberg, Athena, DuckDB and ISO-8601 without an expanded year share. */
export const INSTANT_LIMITS = {
  /** 0001-01-01T00:00:00.000Z */
  minMs: -62135596800000,
  /** 9999-12-31T23:59:59.999Z */
  maxMs: 253402300799999,
} as const;

/**
 * JSON values nest at most this deep in a request or record. No feature value nests more than
 * two levels (a record holding a list), and recursive code (JSON.stringify, zod) over a deeper
 * value could exhaust the stack.
 */
export const MAX_JSON_DEPTH = 16;

export type Coerced = { ok: true; value: FeatureValue } | { ok: false; error: string };

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why a string cannot be stored, or undefined. */
export function stringProblem(text: string): string | undefined {
  const match = LONE_SURROGATE.exec(text);
  if (!match) return undefined;
  const unit = text.charCodeAt(match.index).toString(16).toUpperCase();
  return `holds a lone surrogate (U+${unit} at index ${match.index}): not well-formed Unicode, which no store can hold`;
}

/** Why a float64 cannot be stored, or undefined. */
export function numberProblem(x: number): string | undefined {
  if (!Number.isFinite(x)) return notFinite(x);
  const magnitude = Math.abs(x);
  if (magnitude > NUMBER_LIMITS.maxMagnitude)
    return `${String(x)} is beyond the largest number DynamoDB stores (±${NUMBER_LIMITS.maxMagnitude})`;
  if (magnitude !== 0 && magnitude < NUMBER_LIMITS.minMagnitude)
    return `${String(x)} is closer to zero than the smallest number DynamoDB stores (${NUMBER_LIMITS.minMagnitude})`;
  return undefined;
}

function notFinite(x: number): string {
  return Number.isNaN(x)
    ? 'NaN is not a number any store keeps'
    : `${String(x)} is not a finite number (a JSON number beyond ±1.8e308, such as 1e400, overflows to Infinity)`;
}

/** Why an int64 cannot be stored, or undefined. */
export function int64Problem(x: number): string | undefined {
  if (!Number.isFinite(x)) return notFinite(x);
  if (!Number.isInteger(x)) return `${String(x)} is not an integer`;
  if (!Number.isSafeInteger(x))
    return `${String(x)} is outside the exact integer range ±${Number.MAX_SAFE_INTEGER}`;
  return undefined;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/**
 * Parses a UTC instant: an ISO-8601 string ending in `Z` (no local times, by design) that names
 * a real calendar instant, or epoch milliseconds; years 0001-9999 either way. Returns epoch ms,
 * or undefined (see `instantProblem` for why).
 */
export function parseInstant(value: unknown): number | undefined {
  return instantOf(value).ms;
}

/** Why `value` is not a UTC instant, or undefined when it is one. */
export function instantProblem(value: unknown): string | undefined {
  return instantOf(value).problem;
}

function instantOf(value: unknown): { ms?: number; problem?: string } {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      return { problem: `epoch ms must be an integer, got ${String(value)}` };
    return inRange(value, String(value));
  }
  if (typeof value !== 'string')
    return { problem: `expected ISO-8601 UTC ending in Z or epoch ms, got ${typeof value}` };
  const m = ISO_INSTANT.exec(value);
  if (!m) return { problem: `'${clip(value)}' is not ISO-8601 UTC (YYYY-MM-DDTHH:MM:SS[.mmm]Z)` };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  if (year < 1) return { problem: `'${value}': year 0000 is outside 0001-9999` };
  if (month < 1 || month > 12) return { problem: `'${value}': month ${m[2]} does not exist` };
  if (day < 1 || day > daysInMonth(year, month))
    return { problem: `'${value}': ${m[1]}-${m[2]} has no day ${m[3]}` };
  if (hour > 23 || minute > 59 || second > 59)
    return {
      problem: `'${value}': ${m[4]}:${m[5]}:${m[6]} is not a time of day (00:00:00-23:59:59)`,
    };
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { ms: date.getTime() };
}

function inRange(ms: number, shown: string): { ms?: number; problem?: string } {
  if (ms < INSTANT_LIMITS.minMs || ms > INSTANT_LIMITS.maxMs)
    return { problem: `${shown} ms is outside years 0001-9999` };
  return { ms };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Where a value comes from. `input` (ingest, requests, files, transform outputs) must pass every
 * rule above. `store`: a value read back from a store (an export reading Parquet) is taken as
 * it was written, checked for its type only, so reading never fails on data an older version or
 * another writer stored.
 */
export type ValueSource = 'input' | 'store';

/**
 * Checks that `value` is a storable `dtype` value and returns its canonical form (timestamps as
 * millisecond ISO, `-0` as `0`), or an error naming what is wrong.
 */
export function coerceValue(dtype: Dtype, value: unknown, source: ValueSource = 'input'): Coerced {
  if (value === null) return { ok: true, value: null };
  const strict = source === 'input';
  switch (dtype) {
    case 'int64':
      return typed(strict, value, 'number', 'int64 (a safe integer)', (x) =>
        strict ? int64Problem(x) : Number.isSafeInteger(x) ? undefined : int64Problem(x),
      );
    case 'float64':
      return typed(strict, value, 'number', 'float64', (x) =>
        strict ? numberProblem(x) : Number.isFinite(x) ? undefined : notFinite(x),
      );
    case 'string':
      return typed(strict, value, 'string', 'string', (x) =>
        strict ? stringProblem(x) : undefined,
      );
    case 'bool':
      return typed(strict, value, 'boolean', 'bool', () => undefined);
    case 'timestamp': {
      const { ms, problem } =
        !strict &&
        typeof value === 'number' &&
        Math.abs(value) <= 8.64e15 &&
        Number.isInteger(value)
          ? { ms: value, problem: undefined }
          : instantOf(value);
      return ms === undefined
        ? { ok: false, error: `expected a UTC timestamp, got ${describe(value, problem)}` }
        : { ok: true, value: new Date(ms).toISOString() };
    }
    case 'float64_list':
      return coerceList(value, strict);
    default: {
      const never: never = dtype;
      throw new Error(`Unhandled dtype: ${String(never)}`);
    }
  }
}

function typed<T extends 'number' | 'string' | 'boolean'>(
  strict: boolean,
  value: unknown,
  type: T,
  expected: string,
  problemOf: (
    x: T extends 'number' ? number : T extends 'string' ? string : boolean,
  ) => string | undefined,
): Coerced {
  // `+ 0` turns -0 into 0 (DynamoDB has no negative zero); a store's value is kept as written.
  const problem = typeof value === type ? problemOf(value as never) : undefined;
  if (typeof value !== type || problem)
    return { ok: false, error: `expected ${expected}, got ${describe(value, problem)}` };
  return {
    ok: true,
    value: strict && typeof value === 'number' ? value + 0 : (value as FeatureValue),
  };
}

function coerceList(value: unknown, strict: boolean): Coerced {
  const expected = 'expected float64_list (an array of numbers)';
  if (!Array.isArray(value)) return { ok: false, error: `${expected}, got ${describe(value)}` };
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    const problem =
      typeof x !== 'number'
        ? describe(x)
        : strict
          ? numberProblem(x)
          : Number.isFinite(x)
            ? undefined
            : notFinite(x);
    if (problem) return { ok: false, error: `${expected}: element ${i}: ${problem}` };
    out.push(strict ? (x as number) + 0 : (x as number));
  }
  return { ok: true, value: out };
}

const INT64_TEXT = /^-?\d+$/;
const FLOAT64_TEXT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A value written as text (a CSV cell, a CLI argument) to its JSON value, before `coerceValue`:
 * the one text form every reader shares. An int64 is decimal digits with an optional minus
 * (no `0x10`, `0b101`, `1e3`, spaces, `+`); a float64 is a decimal number (exponent allowed);
 * a bool is `true`/`false` (any case); a float64_list is a JSON array; strings and timestamps
 * stay text. Throws an Error naming the problem.
 */
export function valueFromText(dtype: Dtype, text: string): unknown {
  switch (dtype) {
    case 'int64':
      if (!INT64_TEXT.test(text))
        throw new Error(`'${clip(text)}' is not an int64 (decimal digits, optional minus)`);
      return Number(text);
    case 'float64':
      if (!FLOAT64_TEXT.test(text)) throw new Error(`'${clip(text)}' is not a decimal number`);
      return Number(text);
    case 'bool':
      if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
      throw new Error(`'${clip(text)}' is not true or false`);
    case 'float64_list':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`'${clip(text)}' is not a JSON array of numbers`);
      }
    case 'string':
    case 'timestamp':
      return text;
    default: {
      const never: never = dtype;
      throw new Error(`Unhandled dtype: ${String(never)}`);
    }
  }
}

/** An event time written as text: epoch ms when it is an int64 text, else the ISO string. */
export function instantFromText(text: string): unknown {
  return INT64_TEXT.test(text) ? Number(text) : text;
}

/** How deep a parsed JSON value nests (a scalar is 0), counted without recursion; stops past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d]);
  }
  return deepest;
}

/** Why a parsed JSON document nests too deep, or undefined. */
export function depthProblem(value: unknown, what: string): string | undefined {
  const depth = jsonDepth(value);
  return depth > MAX_JSON_DEPTH
    ? `${what} nests more than ${MAX_JSON_DEPTH} levels deep (the limit)`
    : undefined;
}

/** A short, safe description of any value for an error message (never recursive). */
export function describe(value: unknown, problem?: string): string {
  if (problem) return `${typeof value} ${problem}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string '${clip(value)}'`;
  return `${typeof value} ${String(value)}`;
}

function clip(text: string): string {
  const safe = text.replace(LONE_SURROGATE_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
}

const LONE_SURROGATE_GLOBAL = /[\uD800-\uDFFF]/gu;
