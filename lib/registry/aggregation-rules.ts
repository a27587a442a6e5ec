/**
 * Raw event streams and aggregation views → registry, with their rules (each broken rule is
 * reported with the file, the object and the rule, never thrown).
 */
import {
  AGGREGATE_FUNCTIONS,
  defaultTileMs,
  FILTER_OPS,
  type AggregateField,
  type EventStream,
} from '../define/aggregations.ts';
import type { Entity, FeatureView } from '../define/definitions.ts';
import { DTYPES, type Dtype } from '../define/dtypes.ts';
import { durationToMs } from '../define/duration.ts';
import { catalogFields, checkColumnName, type Report } from './rules.ts';
import type {
  RegistryAggregate,
  RegistryColumn,
  RegistryEventStream,
  RegistryAggregateFeature,
  RegistryFilter,
  RegistryKey,
  RegistryView,
  PlainRegistryView,
} from './types.ts';

export function compileEventStream(
  s: EventStream,
  entities: ReadonlySet<Entity>,
  report: Report,
): RegistryEventStream {
  const keys: RegistryKey[] = [];
  for (const e of s.entities) {
    if (!entities.has(e))
      report('unknown-entity', `entity '${e.name}' is not among the exported definitions`);
    for (const [name, dtype] of Object.entries(e.keys)) {
      const existing = keys.find((k) => k.name === name);
      if (!existing) keys.push({ name, dtype });
      else if (existing.dtype !== dtype)
        report('key-type-clash', `join key '${name}' has two types among the stream's entities`);
    }
  }
  if (keys.length === 0) report('no-keys', 'an event stream needs at least one entity');
  const columns: RegistryColumn[] = Object.entries(s.columns).map(([name, dtype]) => {
    checkColumnName(name, `column '${name}'`, report);
    if (!(DTYPES as readonly string[]).includes(dtype))
      report('column-type', `column '${name}' has unknown type '${dtype}'`);
    if (keys.some((k) => k.name === name))
      report('name-clash', `column '${name}' has the name of a join key`);
    return { name, dtype };
  });
  if (s.partitionKey.length === 0)
    report('partition-key', 'an event stream needs a partition key (a subset of its join keys)');
  for (const k of s.partitionKey) {
    if (!keys.some((x) => x.name === k))
      report('partition-key', `partition key '${k}' is not a join key of the stream's entities`);
  }
  if (s.eventId !== null) {
    const column = columns.find((c) => c.name === s.eventId);
    if (!column) report('event-id', `event id column '${s.eventId}' is not a column of the stream`);
    else if (column.dtype !== 'string' && column.dtype !== 'int64')
      report('event-id', `event id column '${s.eventId}' must be string or int64`);
  }
  return {
    name: s.name,
    description: s.description,
    entities: s.entities.map((e) => e.name),
    keys,
    partitionKey: [...s.partitionKey],
    columns,
    eventId: s.eventId,
    ...catalogFields(s, report),
  };
}

/** Completes a compiled view that reads an event stream: its aggregates and raw columns. */
export function compileAggregationView(
  v: FeatureView,
  base: PlainRegistryView,
  stream: RegistryEventStream | undefined,
  report: Report,
): RegistryView {
  if (!stream) {
    report(
      'unknown-stream',
      `event stream '${v.source.stream}' is not among the exported definitions`,
    );
    return base;
  }
  for (const k of base.joinKeys) {
    if (!stream.keys.some((x) => x.name === k.name && x.dtype === k.dtype))
      report('view-keys', `join key '${k.name}' is not carried by event stream '${stream.name}'`);
  }
  for (const k of stream.partitionKey) {
    if (!base.joinKeys.some((x) => x.name === k))
      report(
        'partition-key',
        `stream '${stream.name}' is partitioned by '${k}', which is not a join key of this view (an entity's events would spread over shards)`,
      );
  }
  const features = base.features.flatMap((f): RegistryAggregateFeature[] => {
    const field = v.features[f.name] as Partial<AggregateField> | undefined;
    if (!field?.aggregate) {
      report('aggregate', `feature '${f.name}' of an aggregation view must be an aggregation`);
      return [];
    }
    const aggregate = compileAggregate(f.name, field.aggregate, stream, report);
    if (aggregate && outputDtype(aggregate, stream) !== f.dtype)
      report(
        'aggregate-type',
        `feature '${f.name}' is declared ${f.dtype}, its aggregation yields ${outputDtype(aggregate, stream)}`,
      );
    return aggregate ? [{ ...f, aggregate }] : [];
  });
  // A feature left out above was reported, so the registry is refused as a whole.
  const windows = features.map((f) => f.aggregate.windowMs);
  return {
    ...base,
    kind: 'aggregation',
    features,
    // An aggregate never expires (its window is its freshness): the ttl only sizes GC.
    ttlMs: Math.max(1, ...windows),
    aggregation: {
      stream: stream.name,
      columns: stream.columns.filter((c) => !base.joinKeys.some((k) => k.name === c.name)),
      eventId: stream.eventId,
    },
  };
}

/** The dtype an aggregation yields. */
export function outputDtype(a: RegistryAggregate, stream: RegistryEventStream): Dtype {
  if (a.fn === 'count') return 'int64';
  if (a.fn === 'mean') return 'float64';
  return stream.columns.find((c) => c.name === a.column)?.dtype ?? 'float64';
}

const NUMERIC: readonly Dtype[] = ['int64', 'float64'];

function compileAggregate(
  feature: string,
  spec: AggregateField['aggregate'],
  stream: RegistryEventStream,
  report: Report,
): RegistryAggregate | undefined {
  const what = `feature '${feature}'`;
  if (!(AGGREGATE_FUNCTIONS as readonly string[]).includes(spec.fn)) {
    report('aggregate-fn', `${what}: unknown aggregation '${spec.fn}'`);
    return undefined;
  }
  const windowMs = durationToMs(spec.window);
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    report(
      'window',
      `${what}: window must be a positive duration (e.g. '24h'), got ${JSON.stringify(spec.window)}`,
    );
    return undefined;
  }
  const tileMs = spec.tile === null ? defaultTileMs(windowMs) : durationToMs(spec.tile);
  if (!Number.isSafeInteger(tileMs) || tileMs <= 0 || windowMs % tileMs !== 0) {
    report(
      'tile',
      `${what}: tile ${spec.tile === null ? `(default ${tileMs} ms)` : JSON.stringify(spec.tile)} does not divide window ${JSON.stringify(spec.window)}; declare a tile that does`,
    );
  }
  const column = spec.fn === 'count' ? null : spec.column;
  if (column !== null) {
    const dtype = stream.columns.find((c) => c.name === column)?.dtype;
    if (dtype === undefined)
      report(
        'unknown-column',
        `${what}: column '${column}' is not a column of stream '${stream.name}'`,
      );
    else if (spec.fn === 'last' ? dtype === 'float64_list' : !NUMERIC.includes(dtype))
      report(
        'aggregate-type',
        `${what}: ${spec.fn} of '${column}' (${dtype}) is not defined; ${spec.fn === 'last' ? 'lists' : 'only int64 and float64'} ${spec.fn === 'last' ? 'cannot be aggregated' : 'can be'}`,
      );
  }
  let where: RegistryFilter | null = null;
  if (spec.where !== null) {
    if (!['count', 'sum', 'mean'].includes(spec.fn))
      report('filter', `${what}: a filter applies to count, sum and mean only`);
    where = { column: spec.where.column, op: spec.where.op, value: spec.where.value };
    checkFilter(what, where, stream, report);
  }
  return { fn: spec.fn, column, windowMs, tileMs, where };
}

function checkFilter(what: string, f: RegistryFilter, stream: RegistryEventStream, report: Report) {
  const dtype = stream.columns.find((c) => c.name === f.column)?.dtype;
  if (!(FILTER_OPS as readonly string[]).includes(f.op))
    report('filter', `${what}: unknown filter operator '${f.op}'`);
  if (dtype === undefined) {
    report(
      'unknown-column',
      `${what}: filter column '${f.column}' is not a column of stream '${stream.name}'`,
    );
    return;
  }
  const ordered = ['>', '>=', '<', '<='].includes(f.op);
  const ok = NUMERIC.includes(dtype)
    ? typeof f.value === 'number' && Number.isFinite(f.value)
    : dtype === 'string'
      ? typeof f.value === 'string' && !ordered
      : dtype === 'bool'
        ? typeof f.value === 'boolean' && !ordered
        : false;
  if (!ok)
    report(
      'filter-type',
      `${what}: filter ${f.column} ${f.op} ${JSON.stringify(f.value)} does not fit a ${dtype} column`,
    );
}
