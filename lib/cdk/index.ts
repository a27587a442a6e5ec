/** The CDK constructs of skewless, for use in your own CDK app. */
export { FeatureStore, type FeatureStoreProps } from './feature-store.ts';
export { APP_CONTEXT, buildSkewlessApp, type SkewlessAppOptions } from './app.ts';
export { loadRegistryFromDir } from '../registry/load.ts';
export { OnlineStore, type OnlineStoreProps } from './online-store.ts';
export {
  OfflineStore,
  SCRATCH_TABLE_PREFIX,
  type OfflineStoreProps,
  type QueryAccess,
} from './offline-store.ts';
export { Ingestion, type IngestionProps } from './ingestion.ts';
export {
  LAKE_FORMATION_PERMISSIONS,
  LakeFormationGrants,
  type LakeFormationGrantsProps,
  type LakeFormationProps,
} from './lake-formation.ts';
export { Serving, LOOKUP_ROUTE, type ServingProps, type ApiAuthorization } from './serving.ts';
export { Exports, type ExportsProps } from './exports.ts';
export { Monitoring, type MonitoringProps, type AlertSubscriptions } from './monitoring.ts';
export {
  HandlerFunction,
  type HandlerFunctionProps,
  type HandlerName,
} from './handler-function.ts';
export { icebergTableSpec, icebergType } from './iceberg-schema.ts';
export {
  IcebergMaintenance,
  TABLE_OPTIMIZERS,
  type IcebergMaintenanceProps,
  type IcebergMaintenanceSettings,
  type TableOptimizerType,
} from './iceberg-maintenance.ts';
export {
  FRESHNESS_METRIC,
  METRICS_NAMESPACE,
  POWERTOOLS_ENV,
  viewMetricDimension,
} from './metrics.ts';
export * from './feature-store-defaults.ts';
