/**
 * The compiled registry: one deterministic JSON document derived from the definitions. The CDK
 * app, the handlers, the SQL generator and the tests all read this, never the DSL objects.
 */
import type { Dtype, FeatureValue, KeyDtype } from '../define/dtypes.ts';
import type { SkewSample, SkewThresholds } from '../define/definitions.ts';
import type { AggregateFunction, FilterOp } from '../define/aggregations.ts';

export const REGISTRY_FORMAT_VERSION = 1;

/** Owner and tags of an entity, stream, transform or service: present only when declared. */
export interface RegistryCatalogInfo {
  readonly owner?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface RegistryKey {
  readonly name: string;
  readonly dtype: KeyDtype;
}

export interface RegistryColumn {
  readonly name: string;
  readonly dtype: Dtype;
}

export interface RegistryEntity extends RegistryCatalogInfo {
  readonly name: string;
  readonly description: string;
  readonly keys: readonly RegistryKey[];
}

export interface RegistryFeature {
  readonly name: string;
  readonly dtype: Dtype;
  readonly default: FeatureValue;
  readonly description: string;
  /** Present on the features of an aggregation view. */
  readonly aggregate?: RegistryAggregate;
}

/** A filter of an aggregation, as data (`delay > 15`). */
export interface RegistryFilter {
  readonly column: string;
  readonly op: FilterOp;
  readonly value: number | string | boolean;
}

/** One aggregation: `fn` of `column` over windows of `windowMs`, in tiles of `tileMs`. */
export interface RegistryAggregate {
  readonly fn: AggregateFunction;
  /** null for `count`. */
  readonly column: string | null;
  readonly windowMs: number;
  readonly tileMs: number;
  readonly where: RegistryFilter | null;
}

/** A raw event stream: what producers push, and what its aggregation views fold. */
export interface RegistryEventStream extends RegistryCatalogInfo {
  readonly name: string;
  readonly description: string;
  readonly entities: readonly string[];
  /** Every join key of every entity, in declared order: what each record carries. */
  readonly keys: readonly RegistryKey[];
  /** The Kinesis partition key columns, a subset of every consuming view's join keys. */
  readonly partitionKey: readonly string[];
  readonly columns: readonly RegistryColumn[];
  readonly eventId: string | null;
}

/** What makes a view an aggregation view: the stream it reads and the raw columns it keeps. */
export interface RegistryViewAggregation {
  readonly stream: string;
  /** The stream's columns, stored per event in the view's offline table (after the view keys). */
  readonly columns: readonly RegistryColumn[];
  readonly eventId: string | null;
}

export interface RegistryView {
  readonly name: string;
  readonly version: number;
  readonly entities: readonly string[];
  /** Every join key of every entity, in declared order: the order of the encoded key. */
  readonly joinKeys: readonly RegistryKey[];
  readonly features: readonly RegistryFeature[];
  readonly ttlMs: number;
  readonly source: { readonly stream: string };
  /** Present on an aggregation view; its features then each carry `aggregate`. */
  readonly aggregation?: RegistryViewAggregation;
  readonly owner: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One feature a service serves, named `view__feature` in lookups and exports. */
export interface RegistryServiceFeature {
  readonly output: string;
  readonly view: string;
  readonly version: number;
  readonly feature: string;
  readonly dtype: Dtype;
  readonly default: FeatureValue;
}

export interface RegistryTransform extends RegistryCatalogInfo {
  readonly name: string;
  readonly description: string;
  readonly request: readonly RegistryColumn[];
  /** Output names (`view__feature`) of the stored features the function reads. */
  readonly inputs: readonly string[];
  readonly outputs: readonly RegistryColumn[];
}

export interface RegistryService extends RegistryCatalogInfo {
  readonly name: string;
  readonly description: string;
  readonly features: readonly RegistryServiceFeature[];
  /** Names of the views read, in first-use order. */
  readonly views: readonly string[];
  /** Every join key of every view read: what each entity row of a lookup or spine must carry. */
  readonly joinKeys: readonly RegistryKey[];
  readonly transforms: readonly string[];
  /** Request fields the transforms need. */
  readonly request: readonly RegistryColumn[];
  /** Every output in order: the features, then the transform outputs. */
  readonly outputs: readonly RegistryColumn[];
  readonly skew: {
    readonly defaults: Required<SkewThresholds>;
    readonly perFeature: Readonly<Record<string, Required<SkewThresholds>>>;
    /** Present only when the service declares one (so other registries keep their hash). */
    readonly sample?: Required<SkewSample>;
  };
}

export interface Registry {
  readonly formatVersion: number;
  readonly entities: readonly RegistryEntity[];
  readonly featureViews: readonly RegistryView[];
  readonly featureServices: readonly RegistryService[];
  readonly requestTransforms: readonly RegistryTransform[];
  /** Raw event streams; absent when there are none (so older registries keep their hash). */
  readonly eventStreams?: readonly RegistryEventStream[];
  /** sha256 of the canonical JSON of everything above. */
  readonly hash: string;
}
