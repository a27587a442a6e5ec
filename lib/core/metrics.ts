/**
 * The custom metrics the handlers emit and the alarms read. Handlers import these constants
 * (they are plain data: no `aws-cdk-lib` import here) so the names are written once.
 *
 * Powertools Metrics adds a `service` dimension to every metric it emits. The constructs set
 * `POWERTOOLS_SERVICE_NAME` to the handler's name (`ingest`, `lookup`, `export`, `skew-check`)
 * and `POWERTOOLS_METRICS_NAMESPACE` to `METRICS_NAMESPACE`, the values the handlers also pass
 * explicitly; the deployment prefix is a dimension of its own so two stores in one account and
 * region never mix their metrics.
 */
import type { RegistryView } from '../registry/types.ts';
import { offlineTableName } from './columns.ts';

/** CloudWatch namespace of every skewless custom metric. */
export const METRICS_NAMESPACE = 'skewless';

/** Environment variables the constructs set for Powertools (Logger and Metrics). */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/**
 * Feature freshness, emitted by the ingest handler once per (batch, view) that accepted at
 * least one record: `ingestedAt - max(eventTime)` over that view's accepted records, in
 * milliseconds. Dimensions, exactly: `service` = `ingest` (Powertools' default dimension),
 * `prefix` = the deployment prefix (`SKEWLESS_PREFIX`), `view` = `offlineTableName(view)`
 * (e.g. `airport_departures_v1`). Emit it with `metrics.singleMetric()` so no other dimension
 * rides along. The alarm fires when the maximum over a period reaches the view's ttl: values
 * arriving that late would be served as `expired`.
 *
 * @example
 * const single = metrics.singleMetric();
 * single.addDimensions({ [FRESHNESS_METRIC.dimensions.prefix]: prefix, [FRESHNESS_METRIC.dimensions.view]: viewMetricDimension(view) });
 * single.addMetric(FRESHNESS_METRIC.metricName, MetricUnit.Milliseconds, ageMs);
 */
export const FRESHNESS_METRIC = {
  namespace: METRICS_NAMESPACE,
  metricName: 'FeatureAgeMs',
  unit: 'Milliseconds',
  service: 'ingest',
  dimensions: { service: 'service', prefix: 'prefix', view: 'view' },
} as const;

/** The `view` dimension value of a view version. */
export function viewMetricDimension(view: Pick<RegistryView, 'name' | 'version'>): string {
  return offlineTableName(view);
}

/**
 * The nightly heal (`lib/heal`), emitted by the skew-check handler once per run that healed:
 * `TilesHealed`, the tile items rewritten because they differed from their rebuild from the
 * offline events (any at all means the stream missed or damaged something), and
 * `TilesHealDeferred`, the items left to the stream because the offline store was behind it.
 * Dimensions, exactly: `service` = `skew-check`, `prefix` = the deployment prefix. The alarm
 * fires on any healed item.
 */
export const HEAL_METRIC = {
  namespace: METRICS_NAMESPACE,
  healed: 'TilesHealed',
  deferred: 'TilesHealDeferred',
  unit: 'Count',
  service: 'skew-check',
  dimensions: { service: 'service', prefix: 'prefix' },
} as const;
