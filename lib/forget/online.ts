/**
 * Forgetting online: every item of every version of every view holding the entity, plain items
 * and tile items alike (one item per entity and view version, `lib/core/online-item.ts`). A view
 * keyed by exactly the entity's keys is addressed by key; a wider view (its keys also hold
 * another entity's) cannot be, so its items are found by one Scan of keys only, decoded and
 * matched here. Deleting an absent item is a no-op, so a rerun deletes nothing more.
 */
import { decodeEntityKey, encodeEntityKey, type EntityKey } from '../core/entity-key.ts';
import { ONLINE_KEY, type Item } from '../core/online-item.ts';
import { mapLimit } from '../core/retry.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { keyedExactlyBy, viewsHolding, type ForgetKey } from './keys.ts';
import { tombstonePut, type Tombstone } from './tombstone.ts';

/** The online table as forgetting needs it. */
export interface OnlineForgetStore {
  /** Deletes one item; resolves whether it existed. */
  deleteItem(key: Item): Promise<boolean>;
  /** Every item's key (partition and sort key only), page by page. */
  scanKeys(): AsyncIterable<readonly Item[]>;
  /** A conditional put (the tombstone's: it only moves forward). */
  putIfNewer(put: ReturnType<typeof tombstonePut>): Promise<'written' | 'stale'>;
}

/** Items deleted per view (`<view>#v<version>`). */
export type OnlineCounts = Record<string, number>;

export async function writeTombstones(
  store: OnlineForgetStore,
  tombstones: readonly Tombstone[],
): Promise<void> {
  await mapLimit(tombstones, 16, (t) => store.putIfNewer(tombstonePut(t)));
}

/** The sort keys of every version of a view, up to the registry's. */
function versionSortKeys(view: RegistryView): string[] {
  return Array.from({ length: view.version }, (_, i) => `${view.name}#v${i + 1}`);
}

export async function forgetOnline(
  store: OnlineForgetStore,
  registry: Registry,
  groups: ReadonlyMap<string, readonly ForgetKey[]>,
): Promise<OnlineCounts> {
  const counts: OnlineCounts = {};
  const direct: { key: Item; pk: string; sk: string }[] = [];
  const wide: { view: RegistryView; keys: readonly ForgetKey[] }[] = [];
  for (const keys of groups.values()) {
    const joinKeys = keys[0]!.joinKeys;
    for (const view of viewsHolding(registry, joinKeys)) {
      if (!keyedExactlyBy(view, joinKeys)) {
        wide.push({ view, keys });
        continue;
      }
      for (const k of keys) {
        const pk = encodeEntityKey(view.joinKeys, k.values);
        // A candidate's versions include its served version's: each item once.
        for (const sk of versionSortKeys(view))
          if (!direct.some((d) => d.sk === sk && d.pk === pk))
            direct.push({ key: itemKey(pk, sk), pk, sk });
      }
    }
  }
  const deleted = await mapLimit(direct, 16, (d) => store.deleteItem(d.key));
  direct.forEach((d, i) => {
    if (deleted[i]) counts[d.sk] = (counts[d.sk] ?? 0) + 1;
  });
  if (wide.length > 0) await forgetWide(store, wide, counts);
  return counts;
}

/** The items of wider views, found by one scan of the table's keys. */
async function forgetWide(
  store: OnlineForgetStore,
  wide: readonly { view: RegistryView; keys: readonly ForgetKey[] }[],
  counts: OnlineCounts,
): Promise<void> {
  const bySortKey = new Map<string, { view: RegistryView; keys: ForgetKey[] }>();
  for (const { view, keys } of wide)
    for (const sk of versionSortKeys(view)) {
      const entry = bySortKey.get(sk) ?? { view, keys: [] };
      entry.keys.push(...keys);
      bySortKey.set(sk, entry);
    }
  const doomed: { key: Item; sk: string }[] = [];
  for await (const page of store.scanKeys()) {
    for (const item of page) {
      const sk = text(item[ONLINE_KEY.sort]);
      const entry = sk === undefined ? undefined : bySortKey.get(sk);
      const pk = text(item[ONLINE_KEY.partition]);
      if (!entry || pk === undefined || pk.startsWith('_sk#')) continue;
      const values = decodeEntityKey(entry.view.joinKeys, pk as EntityKey);
      if (entry.keys.some((k) => k.joinKeys.every((j) => values[j.name] === k.values[j.name])))
        doomed.push({ key: itemKey(pk, sk!), sk: sk! });
    }
  }
  const deleted = await mapLimit(doomed, 16, (d) => store.deleteItem(d.key));
  doomed.forEach((d, i) => {
    if (deleted[i]) counts[d.sk] = (counts[d.sk] ?? 0) + 1;
  });
}

function itemKey(pk: string, sk: string): Item {
  return { [ONLINE_KEY.partition]: { S: pk }, [ONLINE_KEY.sort]: { S: sk } };
}

function text(attr: Item[string] | undefined): string | undefined {
  return attr && 'S' in attr ? attr.S : undefined;
}
