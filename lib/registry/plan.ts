/**
 * `skewless plan`: what changes between the last applied registry and the current definitions.
 * A change that would make stored data unreadable under the same version — a feature's type
 * changed, a feature removed, the join keys changed — is breaking unless the view's version
 * was bumped (a new version is a new table and a new set of online items).
 */
import { canonicalJson } from '../core/canonical-json.ts';
import type { Registry, RegistryView } from './types.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface RegistryChange {
  readonly kind: ChangeKind;
  /** e.g. `feature_view airport_hourly`, `feature_view airport_hourly.flights_1h` */
  readonly path: string;
  readonly message: string;
  readonly breaking: boolean;
}

export interface RegistryPlan {
  readonly fromHash: string | null;
  readonly toHash: string;
  readonly changes: readonly RegistryChange[];
  readonly breaking: readonly RegistryChange[];
}

export function planRegistry(applied: Registry | undefined, current: Registry): RegistryPlan {
  const changes: RegistryChange[] = [];
  const add = (kind: ChangeKind, path: string, message: string, breaking = false) =>
    changes.push({ kind, path, message, breaking });

  diffNamed(applied?.entities ?? [], current.entities, 'entity', add);
  diffNamed(applied?.featureServices ?? [], current.featureServices, 'feature_service', add);
  diffNamed(applied?.requestTransforms ?? [], current.requestTransforms, 'request_transform', add);

  const before = new Map((applied?.featureViews ?? []).map((v) => [v.name, v]));
  for (const view of current.featureViews) {
    const old = before.get(view.name);
    before.delete(view.name);
    if (!old) add('added', `feature_view ${view.name}`, `new view, version ${view.version}`);
    else diffView(old, view, add);
  }
  for (const old of before.values()) {
    add(
      'removed',
      `feature_view ${old.name}`,
      `view removed (its stored data stays; nothing reads it)`,
    );
  }

  diffCandidates(applied, current, add);

  return {
    fromHash: applied?.hash ?? null,
    toHash: current.hash,
    changes,
    breaking: changes.filter((c) => c.breaking),
  };
}

type Add = (kind: ChangeKind, path: string, message: string, breaking?: boolean) => void;

/** Candidate versions (`candidates.ts`) come and go: added, promoted to served, or dropped. */
function diffCandidates(applied: Registry | undefined, current: Registry, add: Add): void {
  const key = (v: RegistryView) => `${v.name} v${v.version}`;
  const before = new Set((applied?.candidateViews ?? []).map(key));
  const now = new Set((current.candidateViews ?? []).map(key));
  for (const v of current.candidateViews ?? [])
    if (!before.has(key(v)))
      add(
        'added',
        `feature_view ${key(v)}`,
        `candidate version beside the served one: a new table and new online items, read only by shadow services`,
      );
  for (const v of applied?.candidateViews ?? []) {
    if (now.has(key(v))) continue;
    const promoted = current.featureViews.some((x) => key(x) === key(v));
    add(
      promoted ? 'changed' : 'removed',
      `feature_view ${key(v)}`,
      promoted
        ? 'candidate promoted: now the served version'
        : 'candidate removed (its stored data stays; nothing reads it)',
    );
  }
}

function diffView(old: RegistryView, view: RegistryView, add: Add): void {
  const path = `feature_view ${view.name}`;
  if (view.version < old.version) {
    add('changed', path, `version went down from ${old.version} to ${view.version}`, true);
    return;
  }
  const bumped = view.version > old.version;
  if (bumped)
    add(
      'changed',
      path,
      `version ${old.version} → ${view.version}: a new table and new online items`,
    );
  const breaking = !bumped;
  const why = ' without a version bump';

  const keys = (v: RegistryView) => v.joinKeys.map((k) => `${k.name}:${k.dtype}`).join(', ');
  if (keys(old) !== keys(view)) {
    add(
      'changed',
      `${path}.keys`,
      `join keys changed from (${keys(old)}) to (${keys(view)})${bumped ? '' : why}`,
      breaking,
    );
  }
  const oldFeatures = new Map(old.features.map((f) => [f.name, f]));
  for (const f of view.features) {
    const prev = oldFeatures.get(f.name);
    oldFeatures.delete(f.name);
    if (!prev) {
      add('added', `${path}.${f.name}`, `new feature (${f.dtype})`);
      continue;
    }
    if (prev.dtype !== f.dtype) {
      add(
        'changed',
        `${path}.${f.name}`,
        `type changed from ${prev.dtype} to ${f.dtype}${bumped ? '' : why}`,
        breaking,
      );
    }
    if (canonicalJson(prev.default) !== canonicalJson(f.default)) {
      add(
        'changed',
        `${path}.${f.name}`,
        `default changed from ${JSON.stringify(prev.default)} to ${JSON.stringify(f.default)} (served and exported values change)`,
      );
    }
    if (prev.description !== f.description)
      add('changed', `${path}.${f.name}`, 'description changed');
    const aggregate = (x: typeof f) => ('aggregate' in x ? canonicalJson(x.aggregate) : null);
    if (aggregate(prev) !== aggregate(f))
      add(
        'changed',
        `${path}.${f.name}`,
        `aggregation changed from ${aggregate(prev)} to ${aggregate(f)} (served and exported values change)`,
      );
  }
  for (const f of oldFeatures.values()) {
    add('removed', `${path}.${f.name}`, `feature removed${bumped ? '' : why}`, breaking);
  }
  if (old.ttlMs !== view.ttlMs)
    add('changed', `${path}.ttl`, `ttl changed from ${old.ttlMs} ms to ${view.ttlMs} ms`);
  if (old.source.stream !== view.source.stream) {
    add(
      'changed',
      `${path}.source`,
      `source stream changed from '${old.source.stream}' to '${view.source.stream}'`,
    );
  }
  for (const key of ['owner', 'description'] as const) {
    if (old[key] !== view[key]) add('changed', `${path}.${key}`, `${key} changed`);
  }
  if (canonicalJson(old.tags) !== canonicalJson(view.tags))
    add('changed', `${path}.tags`, 'tags changed');
}

function diffNamed<T extends { name: string }>(
  before: readonly T[],
  after: readonly T[],
  kind: string,
  add: Add,
): void {
  const old = new Map(before.map((x) => [x.name, x]));
  for (const item of after) {
    const prev = old.get(item.name);
    old.delete(item.name);
    if (!prev) add('added', `${kind} ${item.name}`, `new ${kind.replace('_', ' ')}`);
    else if (canonicalJson(prev) !== canonicalJson(item))
      add('changed', `${kind} ${item.name}`, `${kind.replace('_', ' ')} changed`);
  }
  for (const item of old.values())
    add('removed', `${kind} ${item.name}`, `${kind.replace('_', ' ')} removed`);
}

/** A readable plan, one line per change, breaking ones marked. */
export function formatPlan(plan: RegistryPlan): string {
  if (plan.changes.length === 0) return `No changes (registry ${plan.toHash.slice(0, 12)}).`;
  const sign = { added: '+', removed: '-', changed: '~' } as const;
  const lines = plan.changes.map(
    (c) => `${c.breaking ? '!' : ' '} ${sign[c.kind]} ${c.path}: ${c.message}`,
  );
  const head = `Plan ${plan.fromHash ? plan.fromHash.slice(0, 12) : '(nothing applied)'} → ${plan.toHash.slice(0, 12)}: ${plan.changes.length} change(s), ${plan.breaking.length} breaking`;
  return [head, ...lines].join('\n');
}
