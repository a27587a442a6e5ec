/**
 * Candidate view versions (`docs/semantics.md`, "Shadow services"): a view defined twice, at two
 * versions, holds its served version in `featureViews` and the higher one in `candidateViews`.
 * Both are ingested and stored (each version has its own table and online items); only shadow
 * services read a candidate. Everything that stores reads `storedViews`; everything that serves
 * reads `featureViews`, where each name has one version.
 */
import { offlineColumns } from '../core/columns.ts';
import type { Registry, RegistryService, RegistryView } from './types.ts';

/** The candidate versions (none in a registry that declares none). */
export function candidateViews(registry: Registry): readonly RegistryView[] {
  return registry.candidateViews ?? [];
}

/** Every view version ingest writes: the served ones and the candidates. */
export function storedViews(registry: Registry): readonly RegistryView[] {
  const candidates = candidateViews(registry);
  return candidates.length === 0
    ? registry.featureViews
    : [...registry.featureViews, ...candidates];
}

/** One version of a view, served or candidate. */
export function viewAtVersion(
  registry: Registry,
  name: string,
  version: number,
): RegistryView | undefined {
  return storedViews(registry).find((v) => v.name === name && v.version === version);
}

/** The candidate versions a service reads (a shadow's; a served service reads none). */
export function candidatesReadBy(registry: Registry, service: RegistryService): RegistryView[] {
  return candidateViews(registry).filter((c) =>
    service.features.some((f) => f.view === c.name && f.version === c.version),
  );
}

/**
 * The registry as one that serves `service`'s candidate versions: each takes its served
 * version's place in `featureViews`, so every reader of a view by name sees the version the
 * service reads.
 */
export function servingCandidatesOf(registry: Registry, service: RegistryService): Registry {
  const read = candidatesReadBy(registry, service);
  if (read.length === 0) return registry;
  const byName = new Map(read.map((v) => [v.name, v]));
  const left = candidateViews(registry).filter((c) => !read.includes(c));
  const { candidateViews: _all, ...rest } = registry;
  return {
    ...rest,
    featureViews: registry.featureViews.map((v) => byName.get(v.name) ?? v),
    ...(left.length > 0 ? { candidateViews: left } : {}),
  };
}

/**
 * Candidates whose history the served version's table already holds, each with that version:
 * the same source stream, and every offline column of the candidate there with its type. Both
 * versions are written every record of the stream from the candidate's deployment on; before it,
 * only the served version's table has them, so a candidate read from there has full windows and
 * full ttl from its first night (an aggregation view's columns are its event stream's, so every
 * candidate of the same event stream qualifies).
 */
export function candidateHistory(registry: Registry): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const candidate of candidateViews(registry)) {
    const served = registry.featureViews.find((v) => v.name === candidate.name);
    if (served && readsHistoryOf(served, candidate)) out.set(candidate.name, served.version);
  }
  return out;
}

/** `candidateHistory` of the candidates a service reads: where its reads of them go. */
export function candidateHistoryOf(
  registry: Registry,
  service: RegistryService,
): ReadonlyMap<string, number> {
  const read = new Set(candidatesReadBy(registry, service).map((v) => v.name));
  return new Map([...candidateHistory(registry)].filter(([name]) => read.has(name)));
}

/** `next`'s rows can be read from `earlier`'s table: same stream, its columns there, same types. */
export function readsHistoryOf(earlier: RegistryView, next: RegistryView): boolean {
  if (earlier.kind !== next.kind || earlier.source.stream !== next.source.stream) return false;
  const had = new Map(offlineColumns(earlier).map((c) => [c.name, c.dtype] as const));
  return offlineColumns(next).every((c) => had.get(c.name) === c.dtype);
}
