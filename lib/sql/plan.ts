/**
 * The dialect-neutral point-in-time plan of a feature service: which views to read, with which
 * keys, features, defaults and TTLs, against which spine. Pure data from the registry; the
 * renderer (`render.ts`) turns it into SQL through a dialect.
 */
import { assertNever, type Dtype, type FeatureValue } from '../define/dtypes.ts';
import { offlineTableName } from '../core/columns.ts';
import { ValidationError } from '../core/errors.ts';
import { getService, getView } from '../registry/query.ts';
import type {
  Registry,
  RegistryAggregate,
  RegistryKey,
  RegistryService,
  RegistryServiceFeature,
  RegistryViewAggregation,
} from '../registry/types.ts';
import { viewAtVersion } from '../registry/candidates.ts';

/**
 * The export's as-of: one instant for every row (epoch ms), or a per-row TIMESTAMP column of the
 * spine (the skew check rebuilds each served vector as of its served time). A row whose as-of
 * column is NULL sees every record.
 */
export type AsOf =
  | { readonly kind: 'instant'; readonly at: number }
  | { readonly kind: 'column'; readonly column: string };

export interface PlannedFeature {
  readonly feature: string;
  /** `view__feature`, the output column. */
  readonly output: string;
  readonly dtype: Dtype;
  readonly default: FeatureValue;
}

/** A feature of an aggregation view, with what it folds (`windows.ts` renders it). */
export interface PlannedAggregateFeature extends PlannedFeature {
  readonly aggregate: RegistryAggregate;
}

interface PlannedViewFields {
  readonly name: string;
  readonly version: number;
  /** `offlineTableName(view)`: the Iceberg table / local Parquet folder. */
  readonly table: string;
  readonly keys: readonly RegistryKey[];
  readonly ttlMs: number;
}

/** A view the plan reads; only the features the service reads, in service order. */
export type PlannedView = PlannedPlainView | PlannedAggregationView;

export interface PlannedPlainView extends PlannedViewFields {
  readonly kind: 'plain';
  readonly features: readonly PlannedFeature[];
}

export interface PlannedAggregationView extends PlannedViewFields {
  readonly kind: 'aggregation';
  readonly features: readonly PlannedAggregateFeature[];
  /** The raw stream's columns its table holds. */
  readonly aggregation: RegistryViewAggregation;
}

export interface PointInTimePlan {
  readonly service: string;
  readonly spine: {
    /** Every join key the service needs; each must be a spine column of that name. */
    readonly keys: readonly RegistryKey[];
    /** Spine column with the t of each row. */
    readonly timeColumn: string;
    readonly asOf: AsOf;
  };
  readonly views: readonly PlannedView[];
}

/**
 * Only these views of the service (a rebuild that needs a few, like the skew check's served
 * records); the others' outputs are left out of the rows. Absent: every view.
 */
export type ViewSubset = readonly string[];

/** The service's views, in service order, restricted to `subset` (each must be one of them). */
export function servedViews(
  service: RegistryService,
  subset: ViewSubset | undefined,
): readonly string[] {
  if (subset === undefined) return service.views;
  const unknown = subset.filter((v) => !service.views.includes(v));
  if (unknown.length > 0)
    throw new ValidationError(
      `feature service '${service.name}' reads no view ${unknown.map((v) => `'${v}'`).join(', ')}`,
      'views',
    );
  return service.views.filter((v) => subset.includes(v));
}

/** Column of every spine / export row: its position in the spine, from 0. */
export const SPINE_ROW_COLUMN = '_sk_row';
/** Suffix of the per-feature status column (`present` | `missing` | `expired`). */
export const STATUS_SUFFIX = '__status';

export function statusColumnName(output: string): string {
  return `${output}${STATUS_SUFFIX}`;
}

export function buildPointInTimePlan(
  registry: Registry,
  serviceName: string,
  spine: { readonly timeColumn: string; readonly asOf: AsOf; readonly views?: ViewSubset },
): PointInTimePlan {
  const service = getService(registry, serviceName);
  if (spine.asOf.kind === 'instant' && !Number.isSafeInteger(spine.asOf.at))
    throw new ValidationError(`as_of ${String(spine.asOf.at)} is not an epoch-ms instant`, 'asOf');
  const views = servedViews(service, spine.views).map((name) =>
    plannedView(registry, service, name),
  );
  return {
    service: service.name,
    spine: { keys: service.joinKeys, timeColumn: spine.timeColumn, asOf: spine.asOf },
    views,
  };
}

/** One view of the service, with the features it serves, as the view's kind renders them. */
function plannedView(registry: Registry, service: RegistryService, name: string): PlannedView {
  // The version the service reads: a shadow's may be a candidate (`registry/candidates.ts`).
  const version = service.features.find((f) => f.view === name)?.version;
  const view =
    (version === undefined ? undefined : viewAtVersion(registry, name, version)) ??
    getView(registry, name);
  const fields = {
    name: view.name,
    version: view.version,
    table: offlineTableName(view),
    keys: view.joinKeys,
    ttlMs: view.ttlMs,
  };
  const served = service.features.filter((f) => f.view === view.name);
  const planned = (f: RegistryServiceFeature): PlannedFeature => ({
    feature: f.feature,
    output: f.output,
    dtype: f.dtype,
    default: f.default,
  });
  switch (view.kind) {
    case 'plain':
      return { kind: 'plain', ...fields, features: served.map(planned) };
    case 'aggregation': {
      const aggregateOf = new Map(view.features.map((x) => [x.name, x.aggregate]));
      const features = served.map((f) => ({
        ...planned(f),
        aggregate: aggregateOf.get(f.feature)!,
      }));
      return { kind: 'aggregation', ...fields, features, aggregation: view.aggregation };
    }
    default:
      return assertNever(view, 'view kind');
  }
}
