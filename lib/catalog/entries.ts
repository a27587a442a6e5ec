/**
 * The catalog's entries: one per entity, event stream, view, request transform and service of
 * the registry, with the owner, tags and description people search, the page each has, and the
 * search index the search page embeds (features included, linking into their view's page).
 */
import type { Registry } from '../registry/types.ts';
import type { NodeKind } from './graph.ts';

export const ENTRY_KINDS = ['entity', 'stream', 'view', 'transform', 'service'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const KIND_TITLES: Readonly<Record<EntryKind, string>> = {
  entity: 'Entities',
  stream: 'Event streams',
  view: 'Feature views',
  transform: 'Request transforms',
  service: 'Feature services',
};

export interface Entry {
  readonly kind: EntryKind;
  readonly name: string;
  readonly description: string;
  readonly owner: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One row of the search index (short keys: 5,000 features make a large page). */
export interface SearchDoc {
  /** kind */
  readonly k: EntryKind | 'feature';
  /** name (`view.feature` for a feature) */
  readonly n: string;
  /** description */
  readonly d: string;
  /** owner */
  readonly o: string;
  /** tags, `key=value` joined by spaces */
  readonly t: string;
  /** link, relative to the catalog root */
  readonly u: string;
}

/** A page's path relative to the catalog root. */
export function entryPath(kind: EntryKind, name: string): string {
  return `${kind}/${encodeURIComponent(name)}.html`;
}

/** The page of a lineage node (a Kinesis source has none). */
export function nodePath(kind: NodeKind, name: string): string | null {
  return kind === 'source' ? null : entryPath(kind, name);
}

export function entriesOf(registry: Registry): Entry[] {
  const entry = (
    kind: EntryKind,
    d: {
      name: string;
      description: string;
      owner?: string;
      tags?: Readonly<Record<string, string>>;
    },
  ): Entry => ({
    kind,
    name: d.name,
    description: d.description,
    owner: d.owner ?? '',
    tags: d.tags ?? {},
  });
  return [
    ...registry.entities.map((x) => entry('entity', x)),
    ...(registry.eventStreams ?? []).map((x) => entry('stream', x)),
    ...registry.featureViews.map((x) => entry('view', x)),
    ...registry.requestTransforms.map((x) => entry('transform', x)),
    ...registry.featureServices.map((x) => entry('service', x)),
  ];
}

export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Every entry and every feature of every view. */
export function searchIndex(registry: Registry): SearchDoc[] {
  const docs: SearchDoc[] = entriesOf(registry).map((x) => ({
    k: x.kind,
    n: x.name,
    d: x.description,
    o: x.owner,
    t: tagsText(x.tags),
    u: entryPath(x.kind, x.name),
  }));
  for (const v of registry.featureViews) {
    for (const f of v.features) {
      docs.push({
        k: 'feature',
        n: `${v.name}.${f.name}`,
        d: f.description,
        o: v.owner,
        t: tagsText(v.tags),
        u: `${entryPath('view', v.name)}#feature-${encodeURIComponent(f.name)}`,
      });
    }
  }
  return docs;
}
