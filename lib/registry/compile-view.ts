/** The compilers of entities and feature views (an aggregation view adds its own rules). */
import { DTYPES, KEY_DTYPES, type Dtype } from '../define/dtypes.ts';
import { coerceValue } from '../core/values.ts';
import { durationToMs } from '../define/duration.ts';
import type { Entity, FeatureView } from '../define/definitions.ts';
import { catalogFields, checkColumnName, NAME, type Report } from './rules.ts';
import type { PlainRegistryView, RegistryEntity, RegistryKey } from './types.ts';

export function compileEntity(e: Entity, report: Report): RegistryEntity {
  const keys = Object.entries(e.keys).map(([name, dtype]) => ({ name, dtype }));
  if (keys.length === 0) report('no-keys', 'an entity needs at least one join key');
  for (const k of keys) {
    checkColumnName(k.name, `join key '${k.name}'`, report);
    if (!(KEY_DTYPES as readonly string[]).includes(k.dtype)) {
      report(
        'key-type',
        `join key '${k.name}' has type '${k.dtype}'; keys must be one of ${KEY_DTYPES.join(', ')}`,
      );
    }
  }
  return { name: e.name, description: e.description, keys, ...catalogFields(e, report) };
}

/** A view's common rules; an aggregation view then completes it (`aggregation-rules.ts`). */
export function compileView(v: FeatureView, report: Report): PlainRegistryView {
  if (!Number.isSafeInteger(v.version) || v.version < 1) {
    report('version', `version must be a positive integer, got ${v.version}`);
  }
  const ttlMs = durationToMs(v.ttl);
  if (!v.eventStream && (!Number.isFinite(ttlMs) || ttlMs <= 0)) {
    report('ttl', `ttl must be a positive duration (e.g. '6h'), got ${JSON.stringify(v.ttl)}`);
  }
  if (v.entities.length === 0) report('no-entities', 'a feature view needs at least one entity');
  if (!v.owner) report('owner', 'a feature view needs an owner');

  const joinKeys: RegistryKey[] = [];
  for (const e of v.entities) {
    for (const [name, dtype] of Object.entries(e.keys)) {
      const existing = joinKeys.find((k) => k.name === name);
      if (!existing) joinKeys.push({ name, dtype });
      else if (existing.dtype !== dtype) {
        report(
          'key-type-clash',
          `join key '${name}' is ${existing.dtype} in one entity and ${dtype} in entity '${e.name}'`,
        );
      }
    }
  }

  const features = Object.entries(v.features).map(([name, f]) => {
    checkColumnName(name, `feature '${name}'`, report);
    if (joinKeys.some((k) => k.name === name)) {
      report('name-clash', `feature '${name}' has the name of a join key`);
    }
    if (!(DTYPES as readonly string[]).includes(f.dtype)) {
      report('feature-type', `feature '${name}' has unknown type '${f.dtype}'`);
    }
    const coerced = coerceValue(f.dtype as Dtype, f.default);
    if (!coerced.ok) report('default-type', `default of feature '${name}': ${coerced.error}`);
    return {
      name,
      dtype: f.dtype,
      default: coerced.ok ? coerced.value : null,
      description: f.description,
    };
  });
  if (features.length === 0) report('no-features', 'a feature view needs at least one feature');
  // A stream named after its view inherits the view's name check.
  if (v.source.stream !== v.name && !NAME.test(v.source.stream))
    report('source', `stream name '${v.source.stream}' must match ${NAME}`);

  return {
    kind: 'plain',
    name: v.name,
    version: v.version,
    entities: v.entities.map((e) => e.name),
    joinKeys,
    features,
    ttlMs,
    source: { stream: v.source.stream },
    owner: v.owner,
    description: v.description,
    tags: v.tags,
  };
}
