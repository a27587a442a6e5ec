/**
 * Physical names of per-definition resources, derived once from the registry and a deployment
 * prefix. The CDK constructs create resources with these names and the handlers address them
 * by the same functions, so adding a view needs no configuration anywhere else.
 */
import { NAME_RULES } from '../aws-rules/names.ts';
import type { RegistryView } from '../registry/types.ts';
import { offlineTableName } from './columns.ts';

const FIREHOSE_NAME_MAX = NAME_RULES['AWS::KinesisFirehose::DeliveryStream']!.value.max;

export interface ResourceNames {
  readonly prefix: string;
}

/** Kinesis stream of a source (max 128 characters). */
export function sourceStreamName(names: ResourceNames, stream: string): string {
  return `${names.prefix}-${stream.replace(/_/g, '-')}`;
}

/** Firehose delivery stream into a view version's Iceberg table (cut to Firehose's maximum). */
export function offlineDeliveryStreamName(
  names: ResourceNames,
  view: Pick<RegistryView, 'name' | 'version'>,
): string {
  return `${names.prefix}-${offlineTableName(view).replace(/_/g, '-')}`.slice(0, FIREHOSE_NAME_MAX);
}

/** Firehose delivery stream of the inference log. */
export function inferenceLogDeliveryStreamName(names: ResourceNames): string {
  return `${names.prefix}-inference-log`;
}

/** Glue database name (lower case, underscores). */
export function glueDatabaseName(names: ResourceNames): string {
  return `${names.prefix.replace(/-/g, '_')}_offline`;
}

/** S3 prefixes inside the store bucket. */
export const BUCKET_PREFIXES = {
  offline: 'offline/',
  inferenceLog: 'inference-log/',
  exports: 'exports/',
  spines: 'spines/',
  athenaResults: 'athena-results/',
  /** The skew check's UNLOADs of a day's counts and samples (one prefix per run). */
  skewSamples: 'skew-samples/',
  skewReports: 'skew-reports/',
  /** The feature catalog's static pages, written by the nightly skew check (`lib/catalog/`). */
  catalog: 'catalog/',
  baselines: 'baselines/',
  registry: 'registry/',
  /** Records Firehose could not deliver (per destination table), for inspection and replay. */
  firehoseErrors: 'firehose-errors/',
} as const;

/** The inference log's Iceberg table in the Glue database (`INFERENCE_LOG_COLUMNS`). */
export const INFERENCE_LOG_TABLE = 'inference_log';

/** Where Firehose writes the inference log's refused records (by type, then `dt=<arrival day>/`). */
export const INFERENCE_LOG_ERROR_PREFIX =
  `${BUCKET_PREFIXES.firehoseErrors}inference-log/` as const;

/** The online store's one DynamoDB table. */
export function onlineTableName(names: ResourceNames): string {
  return `${names.prefix}-online`;
}

/**
 * The S3 key of the training baseline the nightly skew check compares a service against: the
 * baseline of the export the deployed model was trained on (`skewless export --aws
 * --promote-baseline` puts it there).
 */
export function baselineKey(service: string): string {
  return `${BUCKET_PREFIXES.baselines}${service}.baseline.json`;
}
