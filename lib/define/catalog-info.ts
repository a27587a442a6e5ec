/**
 * Who answers for a definition and how people find it in the catalog (`skewless ui`). Optional
 * on entities, event streams, transforms and services; set only when given, so a registry
 * compiled from definitions without them keeps its hash.
 */
export interface CatalogInfo {
  readonly owner?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** `owner`/`tags` as given, frozen; absent keys stay absent. */
export function catalogInfo(spec: { owner?: string; tags?: Record<string, string> }): CatalogInfo {
  return {
    ...(spec.owner !== undefined ? { owner: spec.owner } : {}),
    ...(spec.tags !== undefined ? { tags: Object.freeze({ ...spec.tags }) } : {}),
  };
}
