/**
 * Physical names of per-definition resources, derived once from the registry and a deployment
 * prefix. The CDK constructs create resources with these names and the handlers address them
 * by the same functions, so adding a view needs no configuration anywhere else.
 */
import { NAME_RULES, nameProblems } from '../aws-rules/names.ts';
import { streamsOf } from '../registry/query.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { sha256Hex } from './canonical-json.ts';
import { offlineTableName } from './columns.ts';
import { storedViews } from '../registry/candidates.ts';

const KINESIS_STREAM = 'AWS::Kinesis::Stream';
const FIREHOSE_STREAM = 'AWS::KinesisFirehose::DeliveryStream';
/** Hex digits of the hash that ends a name cut to fit. */
const CUT_HASH_LENGTH = 8;

/**
 * `full` if it fits in `max` characters, else its head and `-` and 8 hex digits of its sha256:
 * two different full names never give one name, whatever their common head (two long view names
 * sharing their first 60 characters get two delivery streams).
 */
export function fitName(full: string, max: number): string {
  if (full.length <= max) return full;
  const hash = sha256Hex(full).slice(0, CUT_HASH_LENGTH);
  return `${full.slice(0, max - CUT_HASH_LENGTH - 1)}-${hash}`;
}

export interface ResourceNames {
  readonly prefix: string;
}

/** Kinesis stream of a source (`fitName` to Kinesis's maximum). */
export function sourceStreamName(names: ResourceNames, stream: string): string {
  return fitName(`${names.prefix}-${stream.replace(/_/g, '-')}`, maxLength(KINESIS_STREAM));
}

/** Firehose delivery stream into a view version's Iceberg table (`fitName` to Firehose's maximum). */
export function offlineDeliveryStreamName(
  names: ResourceNames,
  view: Pick<RegistryView, 'name' | 'version'>,
): string {
  return fitName(
    `${names.prefix}-${offlineTableName(view).replace(/_/g, '-')}`,
    maxLength(FIREHOSE_STREAM),
  );
}

function maxLength(type: string): number {
  return NAME_RULES[type]!.value.max;
}

/** One physical name skewless derives from a definition. */
export interface DerivedName {
  readonly type: string;
  readonly name: string;
  /** What it is the name of (`view 'x' v2`, `stream 'y'`). */
  readonly of: string;
}

/** Every per-definition physical name of a deployment with these names. */
export function derivedNames(registry: Registry, names: ResourceNames): DerivedName[] {
  return [
    ...streamsOf(registry).map((s) => ({
      type: KINESIS_STREAM,
      name: sourceStreamName(names, s),
      of: `stream '${s}'`,
    })),
    ...storedViews(registry).map((v) => ({
      type: FIREHOSE_STREAM,
      name: offlineDeliveryStreamName(names, v),
      of: `view '${v.name}' v${v.version}`,
    })),
  ];
}

/**
 * What is wrong with the derived names: one AWS refuses, or two definitions sharing a name (which
 * `fitName` rules out; checked anyway, since a shared name would mix two views' records).
 */
export function derivedNameProblems(registry: Registry, names: ResourceNames): string[] {
  const all = derivedNames(registry, names);
  const problems = all.flatMap((d) => nameProblems(d.type, d.name).map((p) => `${d.of}: ${p}`));
  const seen = new Map<string, DerivedName>();
  for (const d of all) {
    const key = `${d.type} ${d.name}`;
    const first = seen.get(key);
    if (first) problems.push(`${d.of} and ${first.of} would share the ${d.type} '${d.name}'`);
    else seen.set(key, d);
  }
  return problems;
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
  /** `skewless forget`'s audit trail and pending requests (`lib/forget/audit.ts`). */
  forget: 'forget/',
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
