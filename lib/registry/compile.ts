/**
 * Definitions → registry. Validates every rule, collects all problems (each naming its file,
 * object and rule), and emits one deterministic document whose hash covers all of it. The
 * rules of each kind live beside it: entities and views in `compile-view.ts`, transforms and
 * services in `compile-service.ts`, event streams and aggregations in `aggregation-rules.ts`.
 */
import type {
  Definition,
  Entity,
  FeatureService,
  FeatureView,
  RequestTransform,
} from '../define/definitions.ts';
import type { EventStream } from '../define/aggregations.ts';
import { DefinitionError, type DefinitionProblem } from '../core/errors.ts';
import { compileAggregationView, compileEventStream } from './aggregation-rules.ts';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { checkShadow, compileService, compileTransform } from './compile-service.ts';
import { compileEntity, compileView } from './compile-view.ts';
import { checkCandidateReaders, splitCandidates } from './candidate-rules.ts';
import { byName, deepFreeze, keysSignature, NAME, type Report } from './rules.ts';
// The reserved names and the output naming rule are part of the compiler's public face.
export { RESERVED_COLUMNS, RESERVED_PREFIX } from './rules.ts';
export { featureOutputName } from './compile-service.ts';
import {
  REGISTRY_FORMAT_VERSION,
  type Registry,
  type RegistryEventStream,
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

/** The definitions by kind, each once. */
interface ByKind {
  readonly entity: readonly Entity[];
  readonly view: readonly FeatureView[];
  readonly service: readonly FeatureService[];
  readonly transform: readonly RequestTransform[];
  readonly stream: readonly EventStream[];
}

/** Collects problems, each naming the definition's file and the object. */
class Problems {
  readonly list: DefinitionProblem[] = [];
  constructor(private readonly files: DefinitionFiles) {}
  fileOf(d: Definition): string {
    return this.files.get(d) ?? '<definitions>';
  }
  /** A `Report` for one object of one definition. */
  of(d: Definition, object: string): Report {
    return (rule, message) => this.list.push({ file: this.fileOf(d), object, rule, message });
  }
}

export function compileRegistry(
  definitions: readonly Definition[],
  files: DefinitionFiles = new Map(),
): RuntimeRegistry {
  const problems = new Problems(files);
  const byKind = sortByKind(definitions);
  checkNames(byKind, problems);

  const entitySet = new Set<Entity>(byKind.entity);
  const entities = byKind.entity.map((e) => compileEntity(e, problems.of(e, `entity '${e.name}'`)));
  const eventStreams = byKind.stream.map((s) =>
    compileEventStream(s, entitySet, problems.of(s, `event stream '${s.name}'`)),
  );
  const views = compileViews(byKind, entitySet, eventStreams, problems);
  checkSharedStreams(byKind, views, problems);
  const { served, candidates } = splitCandidates(
    byKind.view,
    views,
    (i) => problems.of(byKind.view[i]!, `feature view '${views[i]!.name}'`),
    (d) => problems.fileOf(d),
  );

  const viewSet = new Set<FeatureView>(byKind.view);
  const transforms = byKind.transform.map((t) =>
    compileTransform(t, viewSet, problems.of(t, `request transform '${t.name}'`)),
  );
  const transformSet = new Set<RequestTransform>(byKind.transform);
  const transformByName = new Map(transforms.map((t) => [t.name, t]));
  const viewOf = (name: string, version: number) =>
    views.find((v) => v.name === name && v.version === version);
  const services = byKind.service.map((s) =>
    compileService(
      s,
      viewSet,
      viewOf,
      transformSet,
      transformByName,
      problems.of(s, `feature service '${s.name}'`),
    ),
  );

  for (const [i, s] of services.entries()) {
    const report = problems.of(byKind.service[i]!, `feature service '${s.name}'`);
    checkShadow(s, services, report);
    checkCandidateReaders(s, candidates, report);
  }

  if (problems.list.length > 0) throw new DefinitionError(problems.list);

  const body: Omit<Registry, 'hash'> = {
    formatVersion: REGISTRY_FORMAT_VERSION,
    entities: byName(entities),
    featureViews: byName(served),
    // Absent when empty, so registries without candidates keep their hash.
    ...(candidates.length > 0 ? { candidateViews: byName(candidates) } : {}),
    featureServices: byName(services),
    requestTransforms: byName(transforms),
    // Absent when empty, so registries without event streams keep their hash.
    ...(eventStreams.length > 0 ? { eventStreams: byName(eventStreams) } : {}),
  };
  const registry: Registry = deepFreeze({ ...body, hash: registryHash(body) });
  return {
    registry,
    transforms: new Map(byKind.transform.map((t) => [t.name, t.fn])),
  };
}

/**
 * sha256 of the registry's canonical JSON. A view's `kind` is left out: it is implied by whether
 * the view has an `aggregation`, and leaving it out keeps the hash of every registry applied
 * before views carried a kind.
 */
export function registryHash(body: Omit<Registry, 'hash'>): string {
  const implied = ({ kind: _implied, ...view }: RegistryView) => view;
  const featureViews = body.featureViews.map(implied);
  const candidateViews = body.candidateViews?.map(implied);
  return sha256Hex(
    canonicalJson({ ...body, featureViews, ...(candidateViews ? { candidateViews } : {}) }),
  );
}

function sortByKind(definitions: readonly Definition[]): ByKind {
  const unique = [...new Set(definitions)];
  return {
    entity: unique.filter((d): d is Entity => d.kind === 'entity'),
    view: unique.filter((d): d is FeatureView => d.kind === 'feature_view'),
    service: unique.filter((d): d is FeatureService => d.kind === 'feature_service'),
    transform: unique.filter((d): d is RequestTransform => d.kind === 'request_transform'),
    stream: unique.filter((d): d is EventStream => d.kind === 'event_stream'),
  };
}

/**
 * Every name is a valid identifier, free of `__`, and unique within its kind; a view's name may
 * be defined twice, at two versions (`candidate-rules.ts` checks those).
 */
function checkNames(byKind: ByKind, problems: Problems): void {
  for (const [kind, list] of Object.entries(byKind) as [string, readonly Definition[]][]) {
    const seen = new Map<string, Definition>();
    for (const d of list) {
      const report = problems.of(d, `${kind} '${d.name}'`);
      if (!NAME.test(d.name)) {
        report('name', `name must match ${NAME} (lower case, digits, underscores)`);
      } else if (d.name.includes('__')) {
        report('name', `name must not contain '__' (it separates view and feature)`);
      }
      const first = seen.get(d.name);
      if (first && kind !== 'view') {
        report(
          'duplicate-name',
          `another ${kind} is also named '${d.name}' (in ${problems.fileOf(first)})`,
        );
      }
      seen.set(d.name, d);
    }
  }
}

/** Plain views, and aggregation views over their event stream; only the latter read one. */
function compileViews(
  byKind: ByKind,
  entitySet: ReadonlySet<Entity>,
  eventStreams: readonly RegistryEventStream[],
  problems: Problems,
): RegistryView[] {
  const streamOf = new Map(byKind.stream.map((s, i) => [s, eventStreams[i]!] as const));
  return byKind.view.map((v) => {
    const report = problems.of(v, `feature view '${v.name}'`);
    for (const e of v.entities) {
      if (!entitySet.has(e)) {
        report('unknown-entity', `entity '${e.name}' is not among the exported definitions`);
      }
    }
    const compiled = compileView(v, report);
    if (v.eventStream)
      return compileAggregationView(v, compiled, streamOf.get(v.eventStream), report);
    if (eventStreams.some((s) => s.name === v.source.stream))
      report(
        'source',
        `stream '${v.source.stream}' is an event stream; only aggregation views may read it`,
      );
    return compiled;
  });
}

/** Views that read one stream must agree on its partition key, the encoded join keys. */
function checkSharedStreams(
  byKind: ByKind,
  views: readonly RegistryView[],
  problems: Problems,
): void {
  const streamKeys = new Map<string, RegistryView>();
  for (const [i, v] of views.entries()) {
    // Aggregation views of one event stream may differ in keys (the partition-key rule holds).
    if (v.kind === 'aggregation') continue;
    const first = streamKeys.get(v.source.stream);
    if (first && keysSignature(first.joinKeys) !== keysSignature(v.joinKeys)) {
      // By position: a candidate version shares its served version's name.
      const d = byKind.view[i]!;
      problems.of(d, `feature view '${v.name}'`)(
        'source-keys',
        `shares stream '${v.source.stream}' with view '${first.name}' but its join keys differ`,
      );
    }
    if (!first) streamKeys.set(v.source.stream, v);
  }
}
