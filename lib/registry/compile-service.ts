/** The compilers of request transforms and feature services, and the feature naming rule. */
import { coerceValue } from '../core/values.ts';
import {
  DEFAULT_SKEW_THRESHOLDS,
  type FeatureSelection,
  type FeatureService,
  type FeatureView,
  type RequestTransform,
  type SkewThresholds,
} from '../define/definitions.ts';
import {
  catalogFields,
  checkSample,
  checkThresholds,
  columns,
  pickThresholds,
  type Report,
} from './rules.ts';
import type {
  RegistryColumn,
  RegistryKey,
  RegistryService,
  RegistryServiceFeature,
  RegistryTransform,
  RegistryView,
} from './types.ts';

export function compileTransform(
  t: RequestTransform,
  views: ReadonlySet<FeatureView>,
  report: Report,
): RegistryTransform {
  const request = columns(t.request, 'request field', report);
  const outputs = columns(t.outputs, 'output', report);
  if (outputs.length === 0) report('no-outputs', 'a request transform needs at least one output');
  if (typeof t.fn !== 'function') report('fn', 'fn must be a function');
  const inputs = t.inputs.flatMap((item) =>
    selectionRefs(item, views, report).map((r) => r.output),
  );
  return {
    name: t.name,
    description: t.description,
    request,
    inputs,
    outputs,
    ...catalogFields(t, report),
  };
}

export function compileService(
  s: FeatureService,
  views: ReadonlySet<FeatureView>,
  viewOf: ViewOf,
  transforms: ReadonlySet<RequestTransform>,
  transformByName: ReadonlyMap<string, RegistryTransform>,
  report: Report,
): RegistryService {
  const features = s.features.flatMap((item) => selectionRefs(item, views, report));
  if (s.features.length === 0 && s.transforms.length === 0)
    report('empty', 'a feature service needs at least one feature');
  const outputs: RegistryColumn[] = features.map((f) => ({ name: f.output, dtype: f.dtype }));
  const request: RegistryColumn[] = [];
  for (const t of s.transforms) {
    const compiled = serviceTransform(t, features, transforms, transformByName, report);
    if (!compiled) continue;
    for (const r of compiled.request) {
      const existing = request.find((x) => x.name === r.name);
      if (!existing) request.push(r);
      else if (existing.dtype !== r.dtype)
        report('request-type-clash', `request field '${r.name}' has two types`);
    }
    outputs.push(...compiled.outputs);
  }
  const seen = new Set<string>();
  for (const o of outputs) {
    if (seen.has(o.name)) report('duplicate-output', `output '${o.name}' appears twice`);
    seen.add(o.name);
  }
  const viewNames = [...new Set(features.map((f) => f.view))];
  const joinKeys = serviceJoinKeys(features, viewOf, report);
  for (const r of request) {
    if (joinKeys.some((k) => k.name === r.name))
      report('name-clash', `request field '${r.name}' has the name of a join key`);
  }
  return {
    name: s.name,
    description: s.description,
    features,
    views: viewNames,
    joinKeys,
    transforms: s.transforms.map((t) => t.name),
    request,
    outputs,
    skew: serviceSkew(s, seen, report),
    ...(s.shadowOf ? { shadowOf: s.shadowOf } : {}),
    ...catalogFields(s, report),
  };
}

/**
 * A shadow replays its served service's logged vectors: that service must exist and be served
 * (not a shadow), and every join key and request field the shadow needs must be in its log.
 */
export function checkShadow(
  shadow: RegistryService,
  services: readonly RegistryService[],
  report: Report,
): void {
  if (!shadow.shadowOf) return;
  const served = services.find((x) => x.name === shadow.shadowOf);
  if (!served) {
    report('shadow-of', `shadows '${shadow.shadowOf}', which is not an exported feature service`);
    return;
  }
  if (served.shadowOf)
    report(
      'shadow-of',
      `shadows '${served.name}', which is itself a shadow (of '${served.shadowOf}')`,
    );
  const has = (list: readonly RegistryColumn[], c: RegistryColumn) =>
    list.some((x) => x.name === c.name && x.dtype === c.dtype);
  for (const k of shadow.joinKeys)
    if (!has(served.joinKeys, k))
      report(
        'shadow-keys',
        `join key '${k.name}' (${k.dtype}) is not a join key of '${served.name}', whose log it replays`,
      );
  for (const r of shadow.request)
    if (!has(served.request, r))
      report(
        'shadow-request',
        `request field '${r.name}' (${r.dtype}) is not a request field of '${served.name}', whose log it replays`,
      );
}

/** A transform the service runs: exported, and reading only features the service selects. */
function serviceTransform(
  t: RequestTransform,
  features: readonly RegistryServiceFeature[],
  transforms: ReadonlySet<RequestTransform>,
  transformByName: ReadonlyMap<string, RegistryTransform>,
  report: Report,
): RegistryTransform | undefined {
  if (!transforms.has(t)) {
    report(
      'unknown-transform',
      `request transform '${t.name}' is not among the exported definitions`,
    );
    return undefined;
  }
  const compiled = transformByName.get(t.name);
  for (const input of compiled?.inputs ?? []) {
    if (!features.some((f) => f.output === input)) {
      report(
        'transform-input',
        `transform '${t.name}' reads '${input}', which the service does not select`,
      );
    }
  }
  return compiled;
}

/** A compiled view by name and version (a view may have a served and a candidate version). */
export type ViewOf = (name: string, version: number) => RegistryView | undefined;

/** The union of the views' join keys; one name must have one type across views. */
function serviceJoinKeys(
  features: readonly RegistryServiceFeature[],
  viewOf: ViewOf,
  report: Report,
): RegistryKey[] {
  const joinKeys: RegistryKey[] = [];
  const read = new Map(features.map((f) => [`${f.view}#${f.version}`, f] as const));
  for (const { view: name, version } of read.values()) {
    for (const k of viewOf(name, version)?.joinKeys ?? []) {
      const existing = joinKeys.find((x) => x.name === k.name);
      if (!existing) joinKeys.push(k);
      else if (existing.dtype !== k.dtype) {
        report(
          'key-type-clash',
          `join key '${k.name}' has type ${existing.dtype} in one view and ${k.dtype} in view '${name}'`,
        );
      }
    }
  }
  return joinKeys;
}

/** The service's skew thresholds: its defaults, and per output feature over them. */
function serviceSkew(
  s: FeatureService,
  outputs: ReadonlySet<string>,
  report: Report,
): RegistryService['skew'] {
  const defaults = { ...DEFAULT_SKEW_THRESHOLDS, ...pickThresholds(s.skew) };
  checkThresholds(defaults, 'skew', report);
  const perFeature: Record<string, Required<SkewThresholds>> = {};
  for (const [name, t] of Object.entries(s.skew.perFeature ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!outputs.has(name))
      report(
        'skew-unknown-feature',
        `skew threshold for '${name}', which the service does not output`,
      );
    perFeature[name] = { ...defaults, ...pickThresholds(t) };
    checkThresholds(perFeature[name], `skew.perFeature.${name}`, report);
  }
  const sample = checkSample(s.skew.sample, 'skew.sample', report);
  return { defaults, perFeature, ...(sample ? { sample } : {}) };
}

function selectionRefs(
  item: FeatureView | FeatureSelection,
  views: ReadonlySet<FeatureView>,
  report: Report,
): RegistryServiceFeature[] {
  const view = item.kind === 'feature_view' ? item : item.view;
  if (!views.has(view)) {
    report('unknown-view', `feature view '${view.name}' is not among the exported definitions`);
    return [];
  }
  const names = item.kind === 'feature_view' ? Object.keys(view.features) : item.features;
  const refs: RegistryServiceFeature[] = [];
  for (const feature of names) {
    const f = view.features[feature];
    if (!f) {
      report('unknown-feature', `feature '${feature}' does not exist in view '${view.name}'`);
      continue;
    }
    const coerced = coerceValue(f.dtype, f.default);
    refs.push({
      output: featureOutputName(view.name, feature),
      view: view.name,
      version: view.version,
      feature,
      dtype: f.dtype,
      default: coerced.ok ? coerced.value : null,
    });
  }
  return refs;
}

/** `view__feature`: the one naming rule for a view's feature in lookups and exports. */
export function featureOutputName(view: string, feature: string): string {
  return `${view}__${feature}`;
}
