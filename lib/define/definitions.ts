/**
 * The definitions DSL: entities, feature views, feature services and request transforms.
 * Each `define*` returns a frozen plain object with a `kind`; the static types ride on it, so a
 * lookup of a service is typed from its definition with no codegen (see `InferFeatures`).
 */
import type { Dtype, KeyDtype, ValueOf } from './dtypes.ts';
import type { Duration } from './duration.ts';
import type { EventStream } from './aggregations.ts';
import type { SkewSample, SkewThresholds } from './skew.ts';
import { catalogInfo, type CatalogInfo } from './catalog-info.ts';

export type { CatalogInfo };

// ---------------------------------------------------------------------------------------------
// Entities

export type KeySchema = Readonly<Record<string, KeyDtype>>;

export interface Entity<K extends KeySchema = KeySchema> extends CatalogInfo {
  readonly kind: 'entity';
  readonly name: string;
  /** Join keys in declared order: the order of the canonical encoded key. */
  readonly keys: K;
  readonly description: string;
}

/**
 * Declares an entity: the thing features describe, identified by one or more typed join keys.
 * @example
 * export const route = defineEntity({ name: 'route', keys: { origin: 'string', destination: 'string' } });
 */
export function defineEntity<const K extends KeySchema>(spec: {
  name: string;
  keys: K;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
}): Entity<K> {
  return Object.freeze({
    kind: 'entity',
    name: spec.name,
    keys: Object.freeze({ ...spec.keys }),
    description: spec.description ?? '',
    ...catalogInfo(spec),
  });
}

// ---------------------------------------------------------------------------------------------
// Fields

export interface Field<D extends Dtype = Dtype, Nullable extends boolean = boolean> {
  readonly kind: 'field';
  readonly dtype: D;
  /**
   * What the model sees when the value is absent — no record, an expired record, or a stored
   * null: a constant, or null. Applied by the lookup and the training export alike.
   */
  readonly default: Nullable extends true ? null : ValueOf<D>;
  readonly description: string;
}

type FieldOptions<D extends Dtype, Def extends ValueOf<D> | null> = {
  default?: Def;
  description?: string;
};

function makeField<D extends Dtype>(dtype: D) {
  return <const Def extends ValueOf<D> | null = null>(
    options: FieldOptions<D, Def> = {},
  ): Field<D, null extends Def ? true : false> =>
    Object.freeze({
      kind: 'field',
      dtype,
      default: (options.default ?? null) as never,
      description: options.description ?? '',
    });
}

/**
 * Typed feature columns. Without `default`, a missing value is served (and exported) as null.
 * @example
 * features: { dep_delay_mean: field.float64({ default: 0 }), last_destination: field.string() }
 */
export const field = {
  int64: makeField('int64'),
  float64: makeField('float64'),
  string: makeField('string'),
  bool: makeField('bool'),
  timestamp: makeField('timestamp'),
  float64List: makeField('float64_list'),
} as const;

export type FieldSchema = Readonly<Record<string, Field>>;

// ---------------------------------------------------------------------------------------------
// Feature views

export interface KinesisSource {
  /** Logical stream name; views that share a stream must share join keys. */
  readonly stream: string;
}

export interface FeatureView<
  N extends string = string,
  F extends FieldSchema = FieldSchema,
  E extends readonly Entity[] = readonly Entity[],
> {
  readonly kind: 'feature_view';
  readonly name: N;
  /** Bump when a feature's type changes, a feature is removed, or the keys change. */
  readonly version: number;
  readonly entities: E;
  readonly features: F;
  /** A value whose age at read time is `>= ttl` is expired (offline: `event_time > t - ttl`). */
  readonly ttl: Duration;
  readonly source: KinesisSource;
  /** Set on an aggregation view (`defineAggregationView`): the raw stream it aggregates. */
  readonly eventStream?: EventStream;
  readonly owner: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Declares a feature view: typed features of one or more entities, fed by one Kinesis source.
 * @example
 * export const airportDelays = defineFeatureView({
 *   name: 'airport_delays', version: 1, entities: [airport], ttl: '6h',
 *   owner: 'ml-platform@example.com',
 *   features: { dep_delay_mean_1h: field.float64({ default: 0 }) },
 * });
 */
export function defineFeatureView<
  const N extends string,
  const F extends FieldSchema,
  const E extends readonly Entity[],
>(spec: {
  name: N;
  version?: number;
  entities: E;
  features: F;
  ttl: Duration;
  source?: KinesisSource;
  owner: string;
  description?: string;
  tags?: Record<string, string>;
}): FeatureView<N, F, E> {
  return Object.freeze({
    kind: 'feature_view',
    name: spec.name,
    version: spec.version ?? 1,
    entities: Object.freeze([...spec.entities]) as unknown as E,
    features: Object.freeze({ ...spec.features }),
    ttl: spec.ttl,
    source: Object.freeze({ stream: spec.source?.stream ?? spec.name }),
    owner: spec.owner,
    description: spec.description ?? '',
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
  });
}

// ---------------------------------------------------------------------------------------------
// Selections of features (what services and transforms consume)

export interface FeatureSelection<
  V extends FeatureView = FeatureView,
  K extends keyof V['features'] & string = keyof V['features'] & string,
> {
  readonly kind: 'feature_selection';
  readonly view: V;
  readonly features: readonly K[];
}

/**
 * Selects some features of a view.
 * @example
 * defineFeatureService({ name: 'delay_model', features: [pick(airportDelays, ['dep_delay_mean_1h'])] });
 */
export function pick<V extends FeatureView, const K extends keyof V['features'] & string>(
  view: V,
  features: readonly K[],
): FeatureSelection<V, K> {
  return Object.freeze({ kind: 'feature_selection', view, features: Object.freeze([...features]) });
}

/** The output name of a view's feature, in lookups and exports alike: `view__feature`. */
export type FeatureRef<V extends string, F extends string> = `${V}__${F}`;

type SelectionOf<S> = S extends FeatureView
  ? FeatureSelection<S>
  : S extends FeatureSelection
    ? S
    : never;

// Read off `dtype` and `default` (not `Field`'s type arguments), so a field subtype such as an
// aggregation infers the same way.
type FieldValue<F> = F extends {
  readonly dtype: infer D extends Dtype;
  readonly default: infer Def;
}
  ? null extends Def
    ? ValueOf<D> | null
    : ValueOf<D>
  : never;

type ValuesOfSelection<S> =
  S extends FeatureSelection<infer V, infer K>
    ? { [P in K as FeatureRef<V['name'], P>]: FieldValue<V['features'][P]> }
    : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;

type Simplify<T> = { -readonly [K in keyof T]: T[K] } & {};
/** The identity of an intersection (an object type with no members). */
type Empty = Record<never, never>;

/** The typed feature values that a list of views or selections yields. */
export type ValuesOf<L extends readonly (FeatureView | FeatureSelection)[]> = Simplify<
  UnionToIntersection<ValuesOfSelection<SelectionOf<L[number]>>>
>;

// ---------------------------------------------------------------------------------------------
// Request transforms

export type RequestSchema = Readonly<Record<string, Dtype>>;
export type OutputSchema = Readonly<Record<string, Dtype>>;

type ValuesOfSchema<S extends Readonly<Record<string, Dtype>>> = {
  -readonly [K in keyof S]: ValueOf<S[K]> | null;
};

export interface RequestTransform<
  N extends string = string,
  R extends RequestSchema = RequestSchema,
  I extends readonly (FeatureView | FeatureSelection)[] = readonly (
    FeatureView | FeatureSelection
  )[],
  O extends OutputSchema = OutputSchema,
> extends CatalogInfo {
  readonly kind: 'request_transform';
  readonly name: N;
  readonly description: string;
  /** Fields the caller sends with each lookup (and the spine carries in an export). */
  readonly request: R;
  readonly inputs: I;
  readonly outputs: O;
  /**
   * A pure function: the lookup runs it per request, the export per row. (Method syntax, so a
   * specific transform is assignable to the general `RequestTransform`.)
   */
  fn(args: { request: ValuesOfSchema<R>; features: ValuesOf<I> }): {
    [K in keyof O]: ValueOf<O[K]> | null;
  };
}

/**
 * Declares a request-time transform: a pure function of request fields and stored features.
 * @example
 * export const delayRatio = defineRequestTransform({
 *   name: 'delay_ratio', request: { scheduled_hour: 'int64' },
 *   inputs: [pick(airportDelays, ['dep_delay_mean_1h'])], outputs: { late_evening: 'bool' },
 *   fn: ({ request }) => ({ late_evening: (request.scheduled_hour ?? 0) >= 20 }),
 * });
 */
export function defineRequestTransform<
  const N extends string,
  const R extends RequestSchema,
  const I extends readonly (FeatureView | FeatureSelection)[],
  const O extends OutputSchema,
>(spec: {
  name: N;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
  request: R;
  inputs: I;
  outputs: O;
  fn: RequestTransform<N, R, I, O>['fn'];
}): RequestTransform<N, R, I, O> {
  return Object.freeze({
    kind: 'request_transform',
    name: spec.name,
    description: spec.description ?? '',
    ...catalogInfo(spec),
    request: Object.freeze({ ...spec.request }),
    inputs: Object.freeze([...spec.inputs]) as unknown as I,
    outputs: Object.freeze({ ...spec.outputs }),
    fn: spec.fn,
  });
}

// ---------------------------------------------------------------------------------------------
// Feature services

export {
  DEFAULT_SKEW_SAMPLE,
  DEFAULT_SKEW_THRESHOLDS,
  type SkewSample,
  type SkewThresholds,
} from './skew.ts';

export interface FeatureService<
  N extends string = string,
  L extends readonly (FeatureView | FeatureSelection)[] = readonly (
    FeatureView | FeatureSelection
  )[],
  T extends readonly RequestTransform[] = readonly RequestTransform[],
> extends CatalogInfo {
  readonly kind: 'feature_service';
  readonly name: N;
  readonly description: string;
  readonly features: L;
  readonly transforms: T;
  /** Service-wide thresholds, and per-output overrides keyed by output name. */
  readonly skew: SkewThresholds & {
    readonly perFeature?: Readonly<Record<string, SkewThresholds>>;
    /** The check's sample; `DEFAULT_SKEW_SAMPLE` fills what is left out. */
    readonly sample?: SkewSample;
  };
  /** A shadow's served service: never served, replayed nightly (`docs/semantics.md`). */
  readonly shadowOf?: string;
}

/**
 * Declares a feature service: the named set of features (and transforms) a model consumes.
 * @example
 * export const delayModel = defineFeatureService({
 *   name: 'departure_delay_model', features: [airportDelays, pick(routeStats, ['distance'])],
 * });
 */
export function defineFeatureService<
  const N extends string,
  const L extends readonly (FeatureView | FeatureSelection)[],
  const T extends readonly RequestTransform[] = readonly [],
>(spec: {
  name: N;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
  features: L;
  transforms?: T;
  skew?: FeatureService['skew'];
  shadowOf?: FeatureService;
}): FeatureService<N, L, T> {
  return Object.freeze({
    kind: 'feature_service',
    name: spec.name,
    description: spec.description ?? '',
    ...catalogInfo(spec),
    features: Object.freeze([...spec.features]) as unknown as L,
    transforms: Object.freeze([...(spec.transforms ?? [])]) as unknown as T,
    skew: Object.freeze({ ...(spec.skew ?? {}) }),
    ...(spec.shadowOf ? { shadowOf: spec.shadowOf.name } : {}),
  });
}

type TransformOutputs<T> =
  T extends RequestTransform<
    string,
    RequestSchema,
    readonly (FeatureView | FeatureSelection)[],
    infer O
  >
    ? { [K in keyof O]: ValueOf<O[K]> | null }
    : never;

/** The typed vector one entity row of a service lookup returns. */
export type InferFeatures<S extends FeatureService> = Simplify<
  ValuesOf<S['features']> & UnionToIntersection<TransformOutputs<S['transforms'][number]> | Empty>
>;

type TransformRequest<T> = T extends RequestTransform<string, infer R> ? ValuesOfSchema<R> : never;

/** The request fields a service's transforms need. */
export type InferRequest<S extends FeatureService> = Simplify<
  UnionToIntersection<TransformRequest<S['transforms'][number]> | Empty>
>;

/** The entity keys a service lookup takes: every join key of every view it reads. */
export type InferEntityKeys<S extends FeatureService> = Simplify<
  UnionToIntersection<KeysOfList<S['features']> | Empty>
>;

type KeysOfList<L extends readonly (FeatureView | FeatureSelection)[]> = KeysOfView<
  ViewOf<L[number]>
>;
type ViewOf<S> = S extends FeatureView ? S : S extends FeatureSelection<infer V> ? V : never;
type KeysOfView<V> =
  V extends FeatureView<string, FieldSchema, infer E>
    ? UnionToIntersection<KeysOfEntity<E[number]>>
    : never;
type KeysOfEntity<E> =
  E extends Entity<infer K> ? { -readonly [P in keyof K]: ValueOf<K[P]> } : never;

export type Definition = Entity | EventStream | FeatureView | FeatureService | RequestTransform;
