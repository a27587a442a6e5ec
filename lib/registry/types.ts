/**
 * The compiled registry: one deterministic JSON document derived from the definitions. The CDK
 * app, the handlers, the SQL generator and the tests all read this, never the DSL objects. The
 * types ride on the zod schema of `schema.ts` (imported here as types only, so what imports these
 * types at run time carries no schema).
 */
import type { z } from 'zod';
import type {
  aggregationViewSchema,
  plainViewSchema,
  registryAggregateFeatureSchema,
  registryAggregateSchema,
  registryColumnSchema,
  registryEntitySchema,
  registryEventStreamSchema,
  registryFeatureSchema,
  registryFilterSchema,
  registryKeySchema,
  registrySchema,
  registryServiceFeatureSchema,
  registryServiceSchema,
  registryTransformSchema,
  registryViewAggregationSchema,
} from './schema.ts';

/** A registry of another format is refused by name rather than misread. */
export const REGISTRY_FORMAT_VERSION = 1;

export type RegistryKey = z.infer<typeof registryKeySchema>;
export type RegistryColumn = z.infer<typeof registryColumnSchema>;
export type RegistryEntity = z.infer<typeof registryEntitySchema>;
/** A feature of a plain view. */
export type RegistryFeature = z.infer<typeof registryFeatureSchema>;
/** A feature of an aggregation view: a `RegistryFeature` with what it folds. */
export type RegistryAggregateFeature = z.infer<typeof registryAggregateFeatureSchema>;
export type RegistryFilter = z.infer<typeof registryFilterSchema>;
export type RegistryAggregate = z.infer<typeof registryAggregateSchema>;
export type RegistryEventStream = z.infer<typeof registryEventStreamSchema>;
export type RegistryViewAggregation = z.infer<typeof registryViewAggregationSchema>;
/** A view whose records carry its feature values. */
export type PlainRegistryView = z.infer<typeof plainViewSchema>;
/** A view whose features fold the events of an event stream over windows. */
export type AggregationRegistryView = z.infer<typeof aggregationViewSchema>;
/** A view of either kind: switch on `kind` (with a `never` default) where behaviour differs. */
export type RegistryView = PlainRegistryView | AggregationRegistryView;
export type RegistryViewKind = RegistryView['kind'];
export type RegistryServiceFeature = z.infer<typeof registryServiceFeatureSchema>;
export type RegistryTransform = z.infer<typeof registryTransformSchema>;
export type RegistryService = z.infer<typeof registryServiceSchema>;
export type Registry = z.infer<typeof registrySchema>;
