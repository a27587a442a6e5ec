/** Lookups into the compiled registry, each failing with an error that lists what exists. */
import { UnknownDefinitionError } from '../core/errors.ts';
import { storedViews } from './candidates.ts';
import type {
  AggregationRegistryView,
  PlainRegistryView,
  Registry,
  RegistryService,
  RegistryView,
} from './types.ts';

export function getView(registry: Registry, name: string): RegistryView {
  const view = registry.featureViews.find((v) => v.name === name);
  if (!view)
    throw new UnknownDefinitionError(
      'view',
      name,
      registry.featureViews.map((v) => v.name),
    );
  return view;
}

/** A view of one kind (the tile reader's, materialize's); one of the other kind is refused by name. */
export function getViewOfKind<K extends RegistryView['kind']>(
  registry: Registry,
  name: string,
  kind: K,
): Extract<RegistryView, { kind: K }> {
  const view = getView(registry, name);
  if (view.kind !== kind)
    throw new UnknownDefinitionError(
      kind === 'aggregation' ? 'aggregation view' : 'plain view',
      name,
      registry.featureViews.filter((v) => v.kind === kind).map((v) => v.name),
    );
  return view as Extract<RegistryView, { kind: K }>;
}

export function isAggregationView(view: RegistryView): view is AggregationRegistryView {
  return view.kind === 'aggregation';
}

export function isPlainView(view: RegistryView): view is PlainRegistryView {
  return view.kind === 'plain';
}

export function getService(registry: Registry, name: string): RegistryService {
  const service = registry.featureServices.find((s) => s.name === name);
  if (!service)
    throw new UnknownDefinitionError(
      'service',
      name,
      registry.featureServices.map((s) => s.name),
    );
  return service;
}

/**
 * The view versions that read one Kinesis stream (plain ones share join keys, by validation),
 * candidates included: ingest writes every record to each.
 */
export function viewsOfStream(registry: Registry, stream: string): RegistryView[] {
  return storedViews(registry).filter((v) => v.source.stream === stream);
}

/** Every distinct source stream, a candidate's own included, sorted. */
export function streamsOf(registry: Registry): string[] {
  return [...new Set(storedViews(registry).map((v) => v.source.stream))].sort();
}
