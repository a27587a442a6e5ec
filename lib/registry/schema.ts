/**
 * The compiled registry's shape as a zod schema: the static types in `types.ts` ride on it, and
 * `parseRegistry` (`read.ts`) checks a registry read back from JSON against it (strictly: a key
 * it does not know is named, never dropped). Only the readers
 * of JSON import this module at run time, so the Lambda bundles that compile the registry from
 * the definitions carry no schema.
 */
import { z } from 'zod';
import { DTYPES, KEY_DTYPES, type FeatureValue } from '../define/dtypes.ts';
import { AGGREGATE_FUNCTIONS, FILTER_OPS } from '../define/aggregations.ts';
import { REGISTRY_FORMAT_VERSION } from './types.ts';

const name = z.string().min(1);
const dtype = z.enum(DTYPES);
const names = z.array(name).readonly();

function isFeatureValue(value: unknown): value is FeatureValue {
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return true;
  return Array.isArray(value) && value.every((x) => typeof x === 'number');
}

const thresholds = z
  .object({
    exactMatchMin: z.number(),
    nullMismatchMax: z.number(),
    staleMax: z.number(),
    psiMax: z.number(),
    ksMax: z.number(),
    floatTolerance: z.number(),
  })
  .readonly();

/** Owner and tags of an entity, stream, transform or service: present only when declared. */
const catalogInfo = {
  owner: z.string().optional(),
  tags: z.record(z.string(), z.string()).readonly().optional(),
};

export const registryKeySchema = z.strictObject({ name, dtype: z.enum(KEY_DTYPES) }).readonly();
export const registryColumnSchema = z.strictObject({ name, dtype }).readonly();
const columns = z.array(registryColumnSchema).readonly();

export const registryEntitySchema = z
  .object({
    name,
    description: z.string(),
    keys: z.array(registryKeySchema).readonly(),
    ...catalogInfo,
  })
  .readonly();

/** A filter of an aggregation, as data (`delay > 15`). */
export const registryFilterSchema = z
  .object({
    column: name,
    op: z.enum(FILTER_OPS),
    value: z.union([z.number(), z.string(), z.boolean()]),
  })
  .readonly();

/** One aggregation: `fn` of `column` over windows of `windowMs`, in tiles of `tileMs`. */
export const registryAggregateSchema = z
  .object({
    fn: z.enum(AGGREGATE_FUNCTIONS),
    /** null for `count`. */
    column: name.nullable(),
    windowMs: z.number().int().positive(),
    tileMs: z.number().int().positive(),
    where: registryFilterSchema.nullable(),
  })
  .readonly();

const featureFields = {
  name,
  dtype,
  default: z.custom<FeatureValue>(isFeatureValue, 'a feature value (number, string, bool, list)'),
  description: z.string(),
};
export const registryFeatureSchema = z.strictObject(featureFields).readonly();
/** A feature of an aggregation view: what it folds, and over which window. */
export const registryAggregateFeatureSchema = z
  .object({ ...featureFields, aggregate: registryAggregateSchema })
  .readonly();

/** A raw event stream: what producers push, and what its aggregation views fold. */
export const registryEventStreamSchema = z
  .object({
    name,
    description: z.string(),
    entities: names,
    /** Every join key of every entity, in declared order: what each record carries. */
    keys: z.array(registryKeySchema).readonly(),
    /** The Kinesis partition key columns, a subset of every consuming view's join keys. */
    partitionKey: names,
    columns,
    eventId: name.nullable(),
    ...catalogInfo,
  })
  .readonly();

/** What makes a view an aggregation view: the stream it reads and the raw columns it keeps. */
export const registryViewAggregationSchema = z
  .object({
    stream: name,
    /** The stream's columns, stored per event in the view's offline table (after the view keys). */
    columns,
    eventId: name.nullable(),
    ...catalogInfo,
  })
  .readonly();

const viewFields = {
  name,
  version: z.number().int().positive(),
  entities: names,
  /** Every join key of every entity, in declared order: the order of the encoded key. */
  joinKeys: z.array(registryKeySchema).readonly(),
  ttlMs: z.number().positive(),
  source: z.strictObject({ stream: name }).readonly(),
  owner: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()).readonly(),
};

/** A view whose records carry its feature values. */
export const plainViewSchema = z
  .object({
    kind: z.literal('plain'),
    ...viewFields,
    features: z.array(registryFeatureSchema).readonly(),
  })
  .readonly();

/** A view whose features fold the events of an event stream over windows. */
export const aggregationViewSchema = z
  .object({
    kind: z.literal('aggregation'),
    ...viewFields,
    features: z.array(registryAggregateFeatureSchema).readonly(),
    aggregation: registryViewAggregationSchema,
  })
  .readonly();

export const registryViewSchema = z.discriminatedUnion('kind', [
  plainViewSchema,
  aggregationViewSchema,
]);

/** One feature a service serves, named `view__feature` in lookups and exports. */
export const registryServiceFeatureSchema = z
  .object({
    output: name,
    view: name,
    version: z.number().int().positive(),
    feature: name,
    dtype,
    default: featureFields.default,
  })
  .readonly();

export const registryTransformSchema = z
  .object({
    name,
    description: z.string(),
    request: columns,
    /** Output names (`view__feature`) of the stored features the function reads. */
    inputs: names,
    outputs: columns,
    ...catalogInfo,
  })
  .readonly();

export const registryServiceSchema = z
  .object({
    name,
    description: z.string(),
    features: z.array(registryServiceFeatureSchema).readonly(),
    /** Names of the views read, in first-use order. */
    views: names,
    /** Every join key of every view read: what each entity row of a lookup or spine must carry. */
    joinKeys: z.array(registryKeySchema).readonly(),
    transforms: names,
    /** Request fields the transforms need. */
    request: columns,
    /** Every output in order: the features, then the transform outputs. */
    outputs: columns,
    skew: z
      .object({
        defaults: thresholds,
        perFeature: z.record(z.string(), thresholds).readonly(),
        /** Present only when the service declares one (so other registries keep their hash). */
        sample: z
          .object({ rate: z.number().gt(0).max(1), maxVectorsPerDay: z.number().int().positive() })
          .readonly()
          .optional(),
      })
      .readonly(),
    /** A shadow's served service (`shadowOf`); present only when declared. */
    shadowOf: name.optional(),
    ...catalogInfo,
  })
  .readonly();

export const registrySchema = z
  .object({
    formatVersion: z.literal(REGISTRY_FORMAT_VERSION),
    entities: z.array(registryEntitySchema).readonly(),
    featureViews: z.array(registryViewSchema).readonly(),
    /**
     * Views defined at a second, higher version that only shadow services read
     * (`candidates.ts`); absent when there are none (so older registries keep their hash).
     */
    candidateViews: z.array(registryViewSchema).readonly().optional(),
    featureServices: z.array(registryServiceSchema).readonly(),
    requestTransforms: z.array(registryTransformSchema).readonly(),
    /** Raw event streams; absent when there are none (so older registries keep their hash). */
    eventStreams: z.array(registryEventStreamSchema).readonly().optional(),
    /** sha256 of the canonical JSON of everything above, views' `kind` left out (`compile.ts`). */
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
  })
  .readonly();
