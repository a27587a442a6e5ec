/**
 * The compiled registry: one deterministic JSON document derived from the definitions. The CDK
 * app, the handlers, the SQL generator and the tests all read this, never the DSL objects.
 */
import type { Dtype, FeatureValue, KeyDtype } from '../define/dtypes.ts';
import type { SkewThresholds } from '../define/definitions.ts';

export const REGISTRY_FORMAT_VERSION = 1;

export interface RegistryKey {
  readonly name: string;
  readonly dtype: KeyDtype;
}

export interface RegistryColumn {
  readonly name: string;
  readonly dtype: Dtype;
}

export interface RegistryEntity {
  readonly name: string;
  readonly description: string;
  readonly keys: readonly RegistryKey[];
}

export interface RegistryFeature {
  readonly name: string;
  readonly dtype: Dtype;
  readonly default: FeatureValue;
  readonly description: string;
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

export interface RegistryTransform {
  readonly name: string;
  readonly description: string;
  readonly request: readonly RegistryColumn[];
  /** Output names (`view__feature`) of the stored features the function reads. */
  readonly inputs: readonly string[];
  readonly outputs: readonly RegistryColumn[];
}

export interface RegistryService {
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
  };
}

export interface Registry {
  readonly formatVersion: number;
  readonly entities: readonly RegistryEntity[];
  readonly featureViews: readonly RegistryView[];
  readonly featureServices: readonly RegistryService[];
  readonly requestTransforms: readonly RegistryTransform[];
  /** sha256 of the canonical JSON of everything above. */
  readonly hash: string;
}
