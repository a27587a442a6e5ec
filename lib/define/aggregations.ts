/**
 * Raw event streams and the aggregations a view computes over them (docs/semantics.md,
 * "Windows and tiles"). A stream carries facts (a flight departed, with its delay); an aggregation
 * view declares `count`, `sum`, `mean`, `min`, `max` or `last` of a column over sliding windows,
 * and skewless computes it online (tiles in DynamoDB) and offline (the export SQL) by one rule.
 * The output types ride on the definition, so `InferFeatures` types them like stored features.
 */
import type { Dtype, ValueOf } from './dtypes.ts';
import type { Duration } from './duration.ts';
import type { Entity, FeatureView, Field } from './definitions.ts';
import { catalogInfo, type CatalogInfo } from './catalog-info.ts';

export type ColumnSchema = Readonly<Record<string, Dtype>>;

export interface EventStream<
  N extends string = string,
  C extends ColumnSchema = ColumnSchema,
  E extends readonly Entity[] = readonly Entity[],
> extends CatalogInfo {
  readonly kind: 'event_stream';
  readonly name: N;
  /** Every entity a view of this stream may be keyed by: each record carries all their keys. */
  readonly entities: E;
  /** The non-key columns of each event. */
  readonly columns: C;
  /**
   * The Kinesis partition key: a subset of the join keys that every view of the stream shares,
   * so each view entity's events land on one shard, in order.
   */
  readonly partitionKey: readonly string[];
  /** A column naming the event: records with the same event id (and keys) count once. */
  readonly eventId: string | null;
  readonly description: string;
}

/**
 * Declares a raw event stream: records pushed once, read by any number of aggregation views.
 * @example
 * export const flights = defineEventStream({
 *   name: 'flights', entities: [airport, route], partitionKey: ['origin'],
 *   columns: { delay: 'int64', distance: 'int64' },
 * });
 */
export function defineEventStream<
  const N extends string,
  const C extends ColumnSchema,
  const E extends readonly Entity[],
>(spec: {
  name: N;
  entities: E;
  columns: C;
  partitionKey: readonly string[];
  eventId?: keyof C & string;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
}): EventStream<N, C, E> {
  return Object.freeze({
    kind: 'event_stream',
    name: spec.name,
    entities: Object.freeze([...spec.entities]) as unknown as E,
    columns: Object.freeze({ ...spec.columns }),
    partitionKey: Object.freeze([...spec.partitionKey]),
    eventId: spec.eventId ?? null,
    description: spec.description ?? '',
    ...catalogInfo(spec),
  });
}

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'mean', 'min', 'max', 'last'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export const FILTER_OPS = ['>', '>=', '<', '<=', '=', '!='] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/**
 * A filter declared as data (`delay > 15`), so the ingest fold and the SQL render it from one
 * definition. An event whose column is null never passes.
 */
export interface AggregateFilter<C extends ColumnSchema = ColumnSchema> {
  readonly column: keyof C & string;
  readonly op: FilterOp;
  readonly value: number | string | boolean;
}

export interface AggregateSpec {
  readonly fn: AggregateFunction;
  /** The aggregated column; null for `count` (which counts events). */
  readonly column: string | null;
  readonly window: Duration;
  /** The tile (hop) size; null takes the default of `defaultTileMs`. */
  readonly tile: Duration | null;
  readonly where: AggregateFilter | null;
}

/** A feature computed by an aggregation: a `Field` (so the types flow) plus its spec. */
export interface AggregateField<
  D extends Dtype = Dtype,
  Nullable extends boolean = boolean,
> extends Field<D, Nullable> {
  readonly aggregate: AggregateSpec;
}

type NumericColumn<C extends ColumnSchema> = {
  [K in keyof C & string]: C[K] extends 'int64' | 'float64' ? K : never;
}[keyof C & string];
type ScalarColumn<C extends ColumnSchema> = {
  [K in keyof C & string]: C[K] extends 'float64_list' ? never : K;
}[keyof C & string];

interface WindowOptions<C extends ColumnSchema> {
  /** e.g. `'1h'`, `'24h'`, `'7d'`: the value at `t` covers `(s, t]`, `s = ceil((t - w)/g)*g`. */
  window: Duration;
  /** Must divide the window. @default 5m for windows < 12h, 1h for < 12d, 1d beyond */
  tile?: Duration;
  description?: string;
  /** count/sum/mean only: e.g. `{ column: 'delay', op: '>', value: 15 }`. */
  where?: AggregateFilter<C>;
}

interface NullableOptions<C extends ColumnSchema, Def> extends Omit<WindowOptions<C>, 'where'> {
  /** What an empty window yields instead of null. */
  default?: Def;
}

function aggregate<D extends Dtype, N extends boolean>(
  fn: AggregateFunction,
  dtype: D,
  column: string | null,
  options: {
    window: Duration;
    tile?: Duration;
    description?: string;
    where?: { readonly column: string; readonly op: FilterOp; readonly value: unknown };
    default?: unknown;
  },
  emptyValue: unknown,
): AggregateField<D, N> {
  return Object.freeze({
    kind: 'field',
    dtype,
    default: (options.default ?? emptyValue) as never,
    description: options.description ?? '',
    aggregate: Object.freeze({
      fn,
      column,
      window: options.window,
      tile: options.tile ?? null,
      where: options.where ? (Object.freeze({ ...options.where }) as AggregateFilter) : null,
    }),
  });
}

/** The aggregation builders of one stream, typed by its columns. */
export interface Aggregates<C extends ColumnSchema> {
  /** Events in the window (passing `where`); an empty window counts 0. */
  count(options: WindowOptions<C>): AggregateField<'int64', false>;
  /** Sum of the non-null values; an empty window sums to 0. */
  sum<K extends NumericColumn<C>>(
    column: K,
    options: WindowOptions<C>,
  ): AggregateField<C[K], false>;
  /** Mean of the non-null values; null (then `default`) for an empty window. */
  mean<K extends NumericColumn<C>, const Def extends number | null = null>(
    column: K,
    options: WindowOptions<C> & { default?: Def },
  ): AggregateField<'float64', null extends Def ? true : false>;
  min<K extends NumericColumn<C>, const Def extends ValueOf<C[K]> | null = null>(
    column: K,
    options: NullableOptions<C, Def>,
  ): AggregateField<C[K], null extends Def ? true : false>;
  max<K extends NumericColumn<C>, const Def extends ValueOf<C[K]> | null = null>(
    column: K,
    options: NullableOptions<C, Def>,
  ): AggregateField<C[K], null extends Def ? true : false>;
  /** The newest non-null value by `(event_time, record id)`. */
  last<K extends ScalarColumn<C>, const Def extends ValueOf<C[K]> | null = null>(
    column: K,
    options: NullableOptions<C, Def>,
  ): AggregateField<C[K], null extends Def ? true : false>;
}

function aggregatesOf<C extends ColumnSchema>(columns: C): Aggregates<C> {
  const dtypeOf = (column: string) => columns[column] as Dtype;
  return {
    count: (options) => aggregate('count', 'int64', null, options, 0),
    sum: (column, options) => aggregate('sum', dtypeOf(column), column, options, 0) as never,
    mean: (column, options) => aggregate('mean', 'float64', column, options, null) as never,
    min: (column, options) => aggregate('min', dtypeOf(column), column, options, null) as never,
    max: (column, options) => aggregate('max', dtypeOf(column), column, options, null) as never,
    last: (column, options) => aggregate('last', dtypeOf(column), column, options, null) as never,
  };
}

type AggregateSchema = Readonly<Record<string, AggregateField>>;

/**
 * Declares a view computed from a raw event stream: each feature an aggregation over a window.
 * @example
 * export const airportDelays = defineAggregationView({
 *   name: 'airport_delays', entities: [airport], stream: flights, owner: 'ml@example.com',
 *   features: (a) => ({
 *     dep_delay_mean_1h: a.mean('delay', { window: '1h', default: 0 }),
 *     late_24h: a.count({ window: '24h', where: { column: 'delay', op: '>', value: 15 } }),
 *   }),
 * });
 */
export function defineAggregationView<
  const N extends string,
  const E extends readonly Entity[],
  S extends EventStream,
  const F extends AggregateSchema,
>(spec: {
  name: N;
  version?: number;
  entities: E;
  stream: S;
  features: (aggregates: Aggregates<S['columns']>) => F;
  owner: string;
  description?: string;
  tags?: Record<string, string>;
}): FeatureView<N, F, E> {
  const features = spec.features(aggregatesOf(spec.stream.columns));
  return Object.freeze({
    kind: 'feature_view',
    name: spec.name,
    version: spec.version ?? 1,
    entities: Object.freeze([...spec.entities]) as unknown as E,
    features: Object.freeze({ ...features }),
    // An aggregate never expires: its window is its freshness. The registry sets the view's
    // ttl to its longest window (what DynamoDB's TTL attribute collects after).
    ttl: 0,
    source: Object.freeze({ stream: spec.stream.name }),
    eventStream: spec.stream,
    owner: spec.owner,
    description: spec.description ?? '',
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
  });
}

/** Chronon's hops, our default tile sizes: 5 min for windows < 12 h, 1 h for < 12 d, 1 d beyond. */
export function defaultTileMs(windowMs: number): number {
  const hour = 3_600_000;
  if (windowMs < 12 * hour) return 5 * 60_000;
  if (windowMs < 12 * 24 * hour) return hour;
  return 24 * hour;
}
