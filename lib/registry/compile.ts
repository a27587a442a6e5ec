/**
 * Definitions → registry. Validates every rule, collects all problems (each naming its file,
 * object and rule), and emits one deterministic document whose hash covers all of it.
 */
import { DTYPES, KEY_DTYPES, type Dtype } from '../define/dtypes.ts';
import { coerceValue } from '../core/values.ts';
import { durationToMs } from '../define/duration.ts';
import {
  DEFAULT_SKEW_THRESHOLDS,
  type Definition,
  type Entity,
  type FeatureSelection,
  type FeatureService,
  type FeatureView,
  type RequestTransform,
  type SkewThresholds,
} from '../define/definitions.ts';
import type { EventStream } from '../define/aggregations.ts';
import { DefinitionError, type DefinitionProblem } from '../core/errors.ts';
import { compileAggregationView, compileEventStream } from './aggregation-rules.ts';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import {
  byName,
  checkColumnName,
  checkThresholds,
  columns,
  deepFreeze,
  keysSignature,
  NAME,
  pickThresholds,
  type Report,
} from './rules.ts';
// The reserved names are part of the compiler's public face.
export { RESERVED_COLUMNS, RESERVED_PREFIX } from './rules.ts';
import {
  REGISTRY_FORMAT_VERSION,
  type Registry,
  type RegistryColumn,
  type RegistryEntity,
  type RegistryKey,
  type RegistryService,
  type RegistryServiceFeature,
  type RegistryTransform,
  type RegistryView,
} from './types.ts';

export type TransformFn = RequestTransform['fn'];

/** The registry document plus the code it cannot hold: the request-transform functions. */
export interface RuntimeRegistry {
  readonly registry: Registry;
  readonly transforms: ReadonlyMap<string, TransformFn>;
}

/** Where each definition came from, for error messages. */
export type DefinitionFiles = ReadonlyMap<Definition, string>;

export function compileRegistry(
  definitions: readonly Definition[],
  files: DefinitionFiles = new Map(),
): RuntimeRegistry {
  const problems: DefinitionProblem[] = [];
  const fileOf = (d: Definition) => files.get(d) ?? '<definitions>';
  const problem = (d: Definition, object: string, rule: string, message: string) =>
    problems.push({ file: fileOf(d), object, rule, message });

  const unique = [...new Set(definitions)];
  const byKind = {
    entity: unique.filter((d): d is Entity => d.kind === 'entity'),
    view: unique.filter((d): d is FeatureView => d.kind === 'feature_view'),
    service: unique.filter((d): d is FeatureService => d.kind === 'feature_service'),
    transform: unique.filter((d): d is RequestTransform => d.kind === 'request_transform'),
    stream: unique.filter((d): d is EventStream => d.kind === 'event_stream'),
  };

  for (const [kind, list] of Object.entries(byKind)) {
    const seen = new Map<string, Definition>();
    for (const d of list) {
      const label = `${kind} '${d.name}'`;
      if (!NAME.test(d.name)) {
        problem(d, label, 'name', `name must match ${NAME} (lower case, digits, underscores)`);
      } else if (d.name.includes('__')) {
        problem(d, label, 'name', `name must not contain '__' (it separates view and feature)`);
      }
      const first = seen.get(d.name);
      if (first) {
        problem(
          d,
          label,
          'duplicate-name',
          `another ${kind} is also named '${d.name}' (in ${fileOf(first)})`,
        );
      }
      seen.set(d.name, d);
    }
  }

  const entities = byKind.entity.map((e) =>
    compileEntity(e, (rule, msg) => problem(e, `entity '${e.name}'`, rule, msg)),
  );
  const entitySet = new Set<Entity>(byKind.entity);
  const eventStreams = byKind.stream.map((s) =>
    compileEventStream(s, entitySet, (rule, msg) =>
      problem(s, `event stream '${s.name}'`, rule, msg),
    ),
  );
  const streamOf = new Map(byKind.stream.map((s, i) => [s, eventStreams[i]!] as const));

  const views: RegistryView[] = [];
  const viewSet = new Set<FeatureView>(byKind.view);
  for (const v of byKind.view) {
    const report = (rule: string, msg: string) => problem(v, `feature view '${v.name}'`, rule, msg);
    for (const e of v.entities) {
      if (!entitySet.has(e)) {
        report('unknown-entity', `entity '${e.name}' is not among the exported definitions`);
      }
    }
    const compiled = compileView(v, report);
    if (v.eventStream) {
      views.push(compileAggregationView(v, compiled, streamOf.get(v.eventStream), report));
    } else {
      if (eventStreams.some((s) => s.name === v.source.stream))
        report(
          'source',
          `stream '${v.source.stream}' is an event stream; only aggregation views may read it`,
        );
      views.push(compiled);
    }
  }

  // Views that read one stream must agree on its partition key, the encoded join keys.
  const streamKeys = new Map<string, RegistryView>();
  for (const v of views) {
    // Aggregation views of one event stream may differ in keys (the partition-key rule holds).
    if (v.aggregation) continue;
    const first = streamKeys.get(v.source.stream);
    if (first && keysSignature(first.joinKeys) !== keysSignature(v.joinKeys)) {
      const d = byKind.view.find((x) => x.name === v.name)!;
      problem(
        d,
        `feature view '${v.name}'`,
        'source-keys',
        `shares stream '${v.source.stream}' with view '${first.name}' but its join keys differ`,
      );
    }
    if (!first) streamKeys.set(v.source.stream, v);
  }

  const transformSet = new Set<RequestTransform>(byKind.transform);
  const transforms = byKind.transform.map((t) =>
    compileTransform(t, viewSet, (rule, msg) =>
      problem(t, `request transform '${t.name}'`, rule, msg),
    ),
  );
  const transformByName = new Map(transforms.map((t) => [t.name, t]));
  const viewByName = new Map(views.map((v) => [v.name, v]));

  const services = byKind.service.map((s) =>
    compileService(s, viewSet, viewByName, transformSet, transformByName, (rule, msg) =>
      problem(s, `feature service '${s.name}'`, rule, msg),
    ),
  );

  if (problems.length > 0) throw new DefinitionError(problems);

  const body = {
    formatVersion: REGISTRY_FORMAT_VERSION,
    entities: byName(entities),
    featureViews: byName(views),
    featureServices: byName(services),
    requestTransforms: byName(transforms),
    // Absent when empty, so registries without event streams keep their hash.
    ...(eventStreams.length > 0 ? { eventStreams: byName(eventStreams) } : {}),
  };
  const registry: Registry = deepFreeze({ ...body, hash: sha256Hex(canonicalJson(body)) });
  return {
    registry,
    transforms: new Map(byKind.transform.map((t) => [t.name, t.fn])),
  };
}

function compileEntity(e: Entity, report: Report): RegistryEntity {
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
  return { name: e.name, description: e.description, keys };
}

function compileView(v: FeatureView, report: Report): RegistryView {
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

function compileTransform(
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
  return { name: t.name, description: t.description, request, inputs, outputs };
}

function compileService(
  s: FeatureService,
  views: ReadonlySet<FeatureView>,
  viewByName: ReadonlyMap<string, RegistryView>,
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
    if (!transforms.has(t)) {
      report(
        'unknown-transform',
        `request transform '${t.name}' is not among the exported definitions`,
      );
      continue;
    }
    const compiled = transformByName.get(t.name);
    if (!compiled) continue;
    for (const input of compiled.inputs) {
      if (!features.some((f) => f.output === input)) {
        report(
          'transform-input',
          `transform '${t.name}' reads '${input}', which the service does not select`,
        );
      }
    }
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
  const joinKeys: RegistryKey[] = [];
  for (const name of viewNames) {
    for (const k of viewByName.get(name)?.joinKeys ?? []) {
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
  for (const r of request) {
    if (joinKeys.some((k) => k.name === r.name))
      report('name-clash', `request field '${r.name}' has the name of a join key`);
  }

  const defaults = { ...DEFAULT_SKEW_THRESHOLDS, ...pickThresholds(s.skew) };
  checkThresholds(defaults, 'skew', report);
  const perFeature: Record<string, Required<SkewThresholds>> = {};
  for (const [name, t] of Object.entries(s.skew.perFeature ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!seen.has(name))
      report(
        'skew-unknown-feature',
        `skew threshold for '${name}', which the service does not output`,
      );
    perFeature[name] = { ...defaults, ...pickThresholds(t) };
    checkThresholds(perFeature[name], `skew.perFeature.${name}`, report);
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
    skew: { defaults, perFeature },
  };
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
