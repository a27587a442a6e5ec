/**
 * One inference-log record: a served vector, as the lookup logs it and the skew check reads it.
 *
 * Stored as a table (`INFERENCE_LOG_COLUMNS`): an Iceberg table that Firehose fills in AWS,
 * Parquet files under the data folder locally, partitioned by the UTC day of `served_at` either
 * way, so a night reads one day. The per-service fields (keys, request fields, values, statuses,
 * ages) are JSON objects keyed by name, each in one text column, not a column per feature: the
 * table's schema never changes when a definition does, vectors served under an older registry stay
 * readable next to newer ones, and every column has a primitive type, the only kind CloudFormation
 * is documented to declare for an Iceberg table (`GLUE.icebergPrimitiveTypes`). Values are kept
 * as text and cast to the output's current type when the check reads them, so a vector served
 * under another type is a mismatch, not a failed read.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from './defaults.ts';
import type { EntityKey, KeyValue } from './entity-key.ts';

export interface InferenceLogRecord {
  readonly request_id: string;
  /** Position of the entity row within the request. */
  readonly row: number;
  /** ISO-8601 UTC with milliseconds: the `t` the lookup resolved values at. */
  readonly served_at: string;
  readonly service: string;
  readonly registry_hash: string;
  readonly entity_key: EntityKey;
  readonly keys: Readonly<Record<string, KeyValue>>;
  readonly request: Readonly<Record<string, FeatureValue>>;
  /** Every output of the service, after defaults and transforms. */
  readonly values: Readonly<Record<string, FeatureValue>>;
  /** Status of each stored feature (transform outputs have none). */
  readonly statuses: Readonly<Record<string, FeatureStatus>>;
  readonly ages_ms: Readonly<Record<string, number | null>>;
}

/** The date partition (`YYYY-MM-DD`, UTC) of an instant. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * What a log column holds (DuckDB spells it in `LOG_COLUMN_TYPES`). A `*_map` is a JSON
 * object stored as text; readers parse it with its values typed as `LOG_MAP_VALUE_TYPES` says.
 */
export type LogColumnKind = 'string' | 'int' | 'timestamp' | 'text_map' | 'int_map';

export const INFERENCE_LOG_COLUMNS: readonly { readonly name: string; kind: LogColumnKind }[] = [
  { name: 'request_id', kind: 'string' },
  { name: 'row', kind: 'int' },
  { name: 'served_at', kind: 'timestamp' },
  { name: 'service', kind: 'string' },
  { name: 'registry_hash', kind: 'string' },
  { name: 'entity_key', kind: 'string' },
  { name: 'keys', kind: 'text_map' },
  { name: 'request', kind: 'text_map' },
  { name: 'values', kind: 'text_map' },
  { name: 'statuses', kind: 'text_map' },
  { name: 'ages_ms', kind: 'int_map' },
];

/** The partition column of the table: the day of `served_at`. */
export const INFERENCE_LOG_TIME_COLUMN = 'served_at';

/** The DuckDB type each kind is stored as (the Iceberg table's: `inferenceLogTableSpec`). */
export const LOG_COLUMN_TYPES: Record<LogColumnKind, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  timestamp: 'TIMESTAMP',
  text_map: 'VARCHAR',
  int_map: 'VARCHAR',
};

/** The DuckDB type of the values in a `*_map` column's JSON object. */
export const LOG_MAP_VALUE_TYPES: Partial<Record<LogColumnKind, string>> = {
  text_map: 'VARCHAR',
  int_map: 'BIGINT',
};

export type LogCell = string | number;
/** One record as Firehose's Iceberg destination takes it (a JSON object of the columns). */
export type LogRow = Record<string, LogCell>;

/**
 * The row of one record. `served_at` is epoch microseconds (Firehose's Iceberg destination takes
 * timestamps in microseconds); each map is its JSON text, a null value, status or age left out
 * (it reads back as NULL).
 */
export function encodeLogRow(record: InferenceLogRecord): LogRow {
  return {
    request_id: record.request_id,
    row: record.row,
    served_at: Date.parse(record.served_at) * 1000,
    service: record.service,
    registry_hash: record.registry_hash,
    entity_key: record.entity_key,
    keys: JSON.stringify(textMap(record.keys)),
    request: JSON.stringify(textMap(record.request)),
    values: JSON.stringify(textMap(record.values)),
    statuses: JSON.stringify(textMap(record.statuses)),
    ages_ms: JSON.stringify(intMap(record.ages_ms)),
  };
}

/** A value as text that TRY_CAST to its type reads back: lists as JSON arrays. */
export function valueText(value: Exclude<FeatureValue, null>): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function textMap(values: Readonly<Record<string, FeatureValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = valueText(v);
  return out;
}

function intMap(values: Readonly<Record<string, number | null>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = v;
  return out;
}
