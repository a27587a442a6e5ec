/**
 * The naming and threshold rules every definition is checked against, and small helpers of
 * the compiler. A broken rule is reported (file, object, rule), never thrown.
 */
import { DTYPES, type Dtype } from '../define/dtypes.ts';
import {
  DEFAULT_SKEW_SAMPLE,
  DEFAULT_SKEW_THRESHOLDS,
  type SkewSample,
  type CatalogInfo,
  type SkewThresholds,
} from '../define/definitions.ts';
import type { RegistryColumn, RegistryKey } from './types.ts';

/** Columns every offline row carries; no key, feature, request field or output may use them. */
export const RESERVED_COLUMNS = ['event_time', 'ingested_at', 'record_id'] as const;
/** Prefix kept for skewless's own columns (spine row numbers, statuses, ...). */
export const RESERVED_PREFIX = '_sk';

export const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export type Report = (rule: string, message: string) => void;

export function columns(
  schema: Readonly<Record<string, Dtype>>,
  what: string,
  report: Report,
): RegistryColumn[] {
  return Object.entries(schema).map(([name, dtype]) => {
    checkColumnName(name, `${what} '${name}'`, report);
    if (!(DTYPES as readonly string[]).includes(dtype))
      report('feature-type', `${what} '${name}' has unknown type '${dtype}'`);
    return { name, dtype };
  });
}

export function checkColumnName(name: string, what: string, report: Report): void {
  if ((RESERVED_COLUMNS as readonly string[]).includes(name) || name.startsWith(RESERVED_PREFIX)) {
    report(
      'reserved-name',
      `${what}: '${name}' is reserved (${RESERVED_COLUMNS.join(', ')}, ${RESERVED_PREFIX}*)`,
    );
  } else if (!NAME.test(name)) {
    report('name', `${what}: name must match ${NAME}`);
  } else if (name.includes('__')) {
    report('name', `${what}: name must not contain '__'`);
  }
}

export function pickThresholds(t: SkewThresholds): SkewThresholds {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_SKEW_THRESHOLDS) as (keyof SkewThresholds)[]) {
    const v = t[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function checkThresholds(t: Required<SkewThresholds>, where: string, report: Report): void {
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value < 0)
      report('skew-threshold', `${where}.${key} must be a non-negative number`);
  }
  for (const key of ['exactMatchMin', 'nullMismatchMax', 'staleMax'] as const) {
    if (t[key] > 1) report('skew-threshold', `${where}.${key} is a rate and must be at most 1`);
  }
}

/**
 * A definition's optional `owner` and `tags`, checked and carried only when given: a registry
 * of definitions without them keeps its hash.
 */
export function catalogFields(
  d: CatalogInfo,
  report: Report,
): { owner?: string; tags?: Readonly<Record<string, string>> } {
  if (d.owner !== undefined && (typeof d.owner !== 'string' || d.owner === ''))
    report('owner', 'owner must be a non-empty string when given');
  for (const [key, value] of Object.entries(d.tags ?? {})) {
    if (typeof value !== 'string') report('tags', `tag '${key}' must have a string value`);
  }
  const tags = d.tags && Object.keys(d.tags).length > 0 ? { tags: { ...d.tags } } : {};
  return { ...(d.owner ? { owner: d.owner } : {}), ...tags };
}

export function keysSignature(keys: readonly RegistryKey[]): string {
  return keys.map((k) => `${k.name}:${k.dtype}`).join(',');
}

export function byName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A declared sample, filled with `DEFAULT_SKEW_SAMPLE`: the rate is a share of entities in
 * (0, 1], the cap a whole number of vectors of at least 1.
 */
export function checkSample(
  sample: SkewSample | undefined,
  where: string,
  report: Report,
): Required<SkewSample> | undefined {
  if (sample === undefined) return undefined;
  const filled = { ...DEFAULT_SKEW_SAMPLE, ...sample };
  if (!Number.isFinite(filled.rate) || filled.rate <= 0 || filled.rate > 1)
    report(
      'skew-sample',
      `${where}.rate must be a share of entities in (0, 1], got ${filled.rate}`,
    );
  if (!Number.isSafeInteger(filled.maxVectorsPerDay) || filled.maxVectorsPerDay < 1)
    report(
      'skew-sample',
      `${where}.maxVectorsPerDay must be a whole number of vectors of at least 1, got ${filled.maxVectorsPerDay}`,
    );
  return { rate: filled.rate, maxVectorsPerDay: filled.maxVectorsPerDay };
}
