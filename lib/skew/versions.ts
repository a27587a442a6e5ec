/**
 * Definition versions: a vector served under another registry (an older deployment of the lookup)
 * may have computed an output from another version of its view, another type, default, ttl,
 * window, filter or aggregate, or another transform. Given the registries known by hash, name per
 * output the hashes under which its definition differed from the current one. The replay of
 * `skewless plan --replay` reads the same list to find what a candidate changes.
 */
import { canonicalJson } from '../core/canonical-json.ts';
import type { Registry, RegistryService, RegistryView } from '../registry/types.ts';
import { durationText } from './headline.ts';
import { readsHistoryOf, viewAtVersion } from '../registry/candidates.ts';

/** `7d`, `2h`, else the headline's unit (`90m`, `3.5h`). */
export function spanText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return durationText(ms);
}

export interface VersionChange {
  readonly hash: string;
  /** e.g. `airport_hourly v1 (now v2)`, or `not served by that registry`. */
  readonly was: string;
}

/** Per output of `service`: the known registries under which its definition was different. */
export function changedOutputs(
  current: Registry,
  service: RegistryService,
  known: readonly Registry[],
): ReadonlyMap<string, readonly VersionChange[]> {
  const out = new Map<string, VersionChange[]>();
  for (const old of known) {
    if (old.hash === current.hash) continue;
    const oldService = old.featureServices.find((s) => s.name === service.name);
    for (const output of service.outputs) {
      const was = describeChange(current, service, old, oldService, output.name);
      if (was === null) continue;
      const list = out.get(output.name) ?? [];
      list.push({ hash: old.hash, was });
      out.set(output.name, list);
    }
  }
  return out;
}

/**
 * The candidate's views at a version the applied registry does not have yet whose offline rows
 * the applied version already stores (`readsHistoryOf`: the same stream, every offline column of
 * the new version there with its type — an aggregation view's stream columns, a plain view's
 * keys and features with none added or retyped), each with that version: the records the new
 * version would have stored had it been ingesting all along, as a new version's first
 * `materialize --from-version` reads them. The replay reads those (its table holds nothing until
 * ingested), as a shadow's candidate version reads its history (`candidateHistory`).
 */
export function recordsFromApplied(
  applied: Registry,
  candidate: Registry,
): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const view of candidate.featureViews) {
    const old = applied.featureViews.find((v) => v.name === view.name);
    if (old && old.version < view.version && readsHistoryOf(old, view))
      out.set(view.name, old.version);
  }
  return out;
}

function describeChange(
  current: Registry,
  service: RegistryService,
  old: Registry,
  oldService: RegistryService | undefined,
  output: string,
): string | null {
  if (!oldService || !oldService.outputs.some((o) => o.name === output))
    return 'not served by that registry';
  const now = service.features.find((f) => f.output === output);
  const then = oldService.features.find((f) => f.output === output);
  if (now && then) {
    const stored = () =>
      storedChange(
        viewOf(old, then.view, then.version),
        viewOf(current, now.view, now.version),
        now.feature,
      );
    if (now.version !== then.version) {
      // A version bump names what else it changes (a window, a filter), when something does.
      const also = now.dtype === then.dtype ? stored() : `type ${then.dtype} (now ${now.dtype})`;
      return `${then.view} v${then.version} (now v${now.version})${also ? `: ${also}` : ''}`;
    }
    if (now.dtype !== then.dtype) return `type ${then.dtype} (now ${now.dtype})`;
    if (canonicalJson(now.default) !== canonicalJson(then.default))
      return `default ${JSON.stringify(then.default)} (now ${JSON.stringify(now.default)})`;
    return stored();
  }
  if (now || then) return 'another kind of output (stored feature vs transform)';
  // A transform output: compare the transform's spec and the versions of what it reads. (The
  // function body is not in the registry: the replay finds a changed body from the served
  // inputs, `transform-fixes.ts`; the nightly check sees it as value mismatches.)
  const transformOf = (r: Registry, s: RegistryService) =>
    r.requestTransforms.find(
      (t) => s.transforms.includes(t.name) && t.outputs.some((o) => o.name === output),
    );
  const a = transformOf(old, oldService);
  const b = transformOf(current, service);
  if (!a || !b) return 'no transform with that output';
  if (canonicalJson(a) !== canonicalJson(b)) return `transform '${a.name}' as defined then`;
  const inputVersions = (s: RegistryService, names: readonly string[]) =>
    names.map((n) => s.features.find((f) => f.output === n)?.version ?? null);
  if (
    canonicalJson(inputVersions(oldService, a.inputs)) !==
    canonicalJson(inputVersions(service, b.inputs))
  )
    return `inputs of '${a.name}' at other view versions`;
  for (const input of b.inputs) {
    const was = describeChange(current, service, old, oldService, input);
    if (was !== null) return `input ${input} of '${a.name}': ${was}`;
  }
  return null;
}

function viewOf(registry: Registry, name: string, version: number): RegistryView | undefined {
  return (
    viewAtVersion(registry, name, version) ?? registry.featureViews.find((v) => v.name === name)
  );
}

/** A stored feature of one version whose ttl or aggregation (window, filter, function) differs. */
function storedChange(
  old: RegistryView | undefined,
  now: RegistryView | undefined,
  feature: string,
): string | null {
  if (!old || !now) return null;
  // An aggregation view's ttl is its longest window (its windows are its freshness), not a change.
  if (now.kind === 'plain' && old.ttlMs !== now.ttlMs)
    return `ttl ${spanText(old.ttlMs)} (now ${spanText(now.ttlMs)})`;
  const aggregateOf = (v: RegistryView) =>
    v.kind === 'aggregation' ? v.features.find((f) => f.name === feature)?.aggregate : undefined;
  const a = aggregateOf(old);
  const b = aggregateOf(now);
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return null;
  if (!a || !b) return 'another kind of view';
  if (a.windowMs !== b.windowMs)
    return `window ${spanText(a.windowMs)} (now ${spanText(b.windowMs)})`;
  if (canonicalJson(a.where) !== canonicalJson(b.where))
    return `filter ${filterText(a.where)} (now ${filterText(b.where)})`;
  return `aggregate ${a.fn}(${a.column ?? ''}) in ${a.tileMs} ms tiles (now ${b.fn}(${b.column ?? ''}) in ${b.tileMs} ms tiles)`;
}

function filterText(where: { column: string; op: string; value: unknown } | null): string {
  return where === null ? 'none' : `${where.column} ${where.op} ${JSON.stringify(where.value)}`;
}
