/**
 * What `forget` removes and refuses, as data (docs/semantics.md, "Forgetting an entity"): a
 * forgotten key is the full key of one declared entity; every view, table, log row, export row
 * and future record whose keys include that entity's keys with those values holds it. The
 * key is kept only as a hash: the tombstone and the audit trail name it by
 * `forgottenKeyHash`, never by its values.
 */
import { createHash } from 'node:crypto';
import { checkKeyValue, encodeEntityKey, type KeyValue } from '../core/entity-key.ts';
import { ValidationError } from '../core/errors.ts';
import type { Registry, RegistryEntity, RegistryKey, RegistryView } from '../registry/types.ts';
import { storedViews } from '../registry/candidates.ts';

/** One forgotten key: an entity and its key values. */
export interface ForgetKey {
  readonly entity: string;
  /** The entity's keys, in declared order. */
  readonly joinKeys: readonly RegistryKey[];
  readonly values: Readonly<Record<string, KeyValue>>;
  /** sha256 of the key names and the canonical key: what tombstones and audits hold. */
  readonly hash: string;
}

/** The hash a key is known by once forgotten; ingest computes the same from a record's keys. */
export function forgottenKeyHash(
  joinKeys: readonly RegistryKey[],
  values: Readonly<Record<string, unknown>>,
): string {
  const names = joinKeys.map((k) => k.name).join('|');
  return createHash('sha256')
    .update(`${names}\n${encodeEntityKey(joinKeys, values)}`)
    .digest('hex');
}

/**
 * The declared entity whose keys are exactly `values`' names, with the values checked
 * (`checkKeyValue`): an unknown or partial key set is refused naming the entities.
 */
export function forgetKeyOf(
  registry: Registry,
  values: Readonly<Record<string, unknown>>,
): ForgetKey {
  const names = Object.keys(values).sort();
  const entity = registry.entities.find(
    (e) => e.keys.length === names.length && e.keys.every((k) => names.includes(k.name)),
  );
  if (!entity)
    throw new ValidationError(
      `keys {${names.join(', ')}} are not the keys of one entity; forget takes one entity's full key (${registry.entities.map(describeEntity).join('; ')})`,
    );
  const checked: Record<string, KeyValue> = {};
  for (const key of entity.keys) checked[key.name] = checkKeyValue(key, values[key.name]);
  return {
    entity: entity.name,
    joinKeys: entity.keys,
    values: checked,
    hash: forgottenKeyHash(entity.keys, checked),
  };
}

function describeEntity(e: RegistryEntity): string {
  return `${e.name}: ${e.keys.map((k) => `${k.name} (${k.dtype})`).join(', ')}`;
}

/** True when a table or record keyed by `keyNames` carries every key of `joinKeys`. */
export function holdsKeys(keyNames: readonly string[], joinKeys: readonly RegistryKey[]): boolean {
  return joinKeys.every((k) => keyNames.includes(k.name));
}

/**
 * The view versions whose rows carry the entity's keys: the entity's own views and wider ones,
 * candidates included.
 */
export function viewsHolding(registry: Registry, joinKeys: readonly RegistryKey[]): RegistryView[] {
  return storedViews(registry).filter((v) =>
    holdsKeys(
      v.joinKeys.map((k) => k.name),
      joinKeys,
    ),
  );
}

/** True when the view is keyed by exactly these keys (its items are addressed by the key). */
export function keyedExactlyBy(view: RegistryView, joinKeys: readonly RegistryKey[]): boolean {
  return (
    view.joinKeys.length === joinKeys.length &&
    holdsKeys(
      view.joinKeys.map((k) => k.name),
      joinKeys,
    )
  );
}

/**
 * The entities a record of a stream with these keys can hold: each declared entity whose keys
 * the stream carries. Ingest checks one tombstone per such entity and record.
 */
export function entitiesCarried(
  registry: Registry,
  streamKeys: readonly RegistryKey[],
): RegistryEntity[] {
  const names = streamKeys.map((k) => k.name);
  return registry.entities.filter((e) => holdsKeys(names, e.keys));
}

/** The forgotten keys grouped by entity (one matching table per group). */
export function byEntity(keys: readonly ForgetKey[]): Map<string, ForgetKey[]> {
  const groups = new Map<string, ForgetKey[]>();
  for (const k of keys) groups.set(k.entity, [...(groups.get(k.entity) ?? []), k]);
  return groups;
}

/** One request's keys without repeats, in a stable order (by hash). */
export function distinctKeys(keys: readonly ForgetKey[]): ForgetKey[] {
  const seen = new Map<string, ForgetKey>();
  for (const k of keys) seen.set(k.hash, k);
  return [...seen.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
}
