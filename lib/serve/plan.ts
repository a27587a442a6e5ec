/**
 * Per-service lookup plans, computed once per registry (never per request): which views to read,
 * which item sort key each has, which features to project and in what order outputs appear.
 */
import type { RuntimeRegistry } from '../registry/compile.ts';
import type {
  RegistryKey,
  RegistryService,
  RegistryServiceFeature,
  RegistryView,
} from '../registry/types.ts';
import { getView } from '../registry/query.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import { ONLINE_KEY, onlineSortKey } from '../core/online-item.ts';
import { TILE_ATTRIBUTE } from '../core/tile-state.ts';

export interface ViewPlan {
  readonly view: RegistryView;
  readonly sortKey: string;
}

export interface FeaturePlan {
  readonly feature: RegistryServiceFeature;
  /** Index into `ServicePlan.views`. */
  readonly viewIndex: number;
}

export interface ServicePlan {
  readonly service: RegistryService;
  readonly views: readonly ViewPlan[];
  readonly viewIndexBySortKey: ReadonlyMap<string, number>;
  readonly features: readonly FeaturePlan[];
  readonly joinKeys: readonly RegistryKey[];
  readonly joinKeyNames: ReadonlySet<string>;
  readonly hasTransforms: boolean;
  /**
   * Per-row objects pre-shaped with every key, copied with a spread and then filled: V8 clones
   * a fixed shape far faster than it grows an object key by key (60 outputs: ~2× the core).
   */
  readonly templates: {
    readonly values: Readonly<Record<string, null>>;
    readonly statuses: Readonly<Record<string, FeatureStatus>>;
    readonly ages: Readonly<Record<string, null>>;
  };
  /** Reads only the key, `event_time` and the selected features of each item. */
  readonly projection: {
    readonly ProjectionExpression: string;
    readonly ExpressionAttributeNames: Record<string, string>;
  };
}

export interface LookupPlans {
  readonly runtime: RuntimeRegistry;
  readonly services: ReadonlyMap<string, ServicePlan>;
}

/** DynamoDB's limit on an expression's length; past it the whole values map is projected. */
const MAX_EXPRESSION_LENGTH = 4096;

export function buildLookupPlans(runtime: RuntimeRegistry): LookupPlans {
  const services = new Map<string, ServicePlan>();
  for (const service of runtime.registry.featureServices) {
    // A shadow is a candidate the nightly check replays, never served (`docs/semantics.md`).
    if (service.shadowOf) continue;
    services.set(service.name, buildServicePlan(runtime, service));
  }
  return { runtime, services };
}

function buildServicePlan(runtime: RuntimeRegistry, service: RegistryService): ServicePlan {
  const views = service.views.map((name) => {
    const view = getView(runtime.registry, name);
    return { view, sortKey: onlineSortKey(view) };
  });
  const viewIndex = new Map(service.views.map((name, i) => [name, i]));
  const features = service.features.map((feature) => ({
    feature,
    viewIndex: viewIndex.get(feature.view)!,
  }));
  return {
    service,
    views,
    viewIndexBySortKey: new Map(views.map((v, i) => [v.sortKey, i])),
    features,
    joinKeys: service.joinKeys,
    joinKeyNames: new Set(service.joinKeys.map((k) => k.name)),
    hasTransforms: service.transforms.length > 0,
    templates: {
      values: Object.fromEntries(service.outputs.map((o) => [o.name, null])),
      statuses: Object.fromEntries(service.features.map((f) => [f.output, 'missing' as const])),
      ages: Object.fromEntries(service.features.map((f) => [f.output, null])),
    },
    projection: projectionOf(service, views),
  };
}

function projectionOf(
  service: RegistryService,
  views: readonly ViewPlan[],
): ServicePlan['projection'] {
  const names: Record<string, string> = {
    '#pk': ONLINE_KEY.partition,
    '#sk': ONLINE_KEY.sort,
    '#et': 'event_time',
    '#v': 'values',
  };
  const base = ['#pk', '#sk', '#et'];
  // Aggregation views: their tile state, read in the same BatchGetItem as plain views.
  if (views.some((v) => v.view.kind === 'aggregation')) {
    names['#tiles'] = TILE_ATTRIBUTE;
    base.push('#tiles');
  }
  const featureNames = [...new Set(service.features.map((f) => f.feature))];
  const paths = featureNames.map((name, i) => {
    names[`#f${i}`] = name;
    return `#v.#f${i}`;
  });
  const expression = [...base, ...paths].join(', ');
  if (expression.length <= MAX_EXPRESSION_LENGTH) {
    return { ProjectionExpression: expression, ExpressionAttributeNames: names };
  }
  const { '#pk': pk, '#sk': sk, '#et': et, '#v': v, '#tiles': tiles } = names;
  return {
    ProjectionExpression: [...base, '#v'].join(', '),
    ExpressionAttributeNames: {
      '#pk': pk!,
      '#sk': sk!,
      '#et': et!,
      '#v': v!,
      ...(tiles ? { '#tiles': tiles } : {}),
    },
  };
}
