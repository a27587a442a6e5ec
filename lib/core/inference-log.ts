/**
 * One inference-log record: a served vector, as the lookup logs it and the skew check reads it.
 *
 * Stored as a table (`INFERENCE_LOG_COLUMNS`): an Iceberg table that Firehose fills in AWS,
 * Parquet files under the data folder locally, partitioned by the UTC day of `served_at` either
 * way, so a night reads one day. The per-service fields (keys, request fields, values, statuses,
 * ages) are maps keyed by name, not columns: the table's schema never changes when a definition
 * does, and vectors served under an older registry stay readable next to newer ones. Values are
 * kept as text and cast to the output's current type when the check reads them, so a vector
 * served under another type is a mismatch, not a failed read.
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

/** What a log column holds; each engine spells it in `LOG_COLUMN_TYPES`. */
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

/** Glue/Iceberg, DuckDB and Trino spellings of each kind. */
export const LOG_COLUMN_TYPES: Record<
  LogColumnKind,
  { readonly glue: string; readonly duckdb: string; readonly trino: string }
> = {
  string: { glue: 'string', duckdb: 'VARCHAR', trino: 'varchar' },
  int: { glue: 'int', duckdb: 'INTEGER', trino: 'integer' },
  // Athena's UNLOAD writes milliseconds only; the check's instants are milliseconds anyway.
  timestamp: { glue: 'timestamp', duckdb: 'TIMESTAMP', trino: 'timestamp(3)' },
  text_map: {
    glue: 'map<string,string>',
    duckdb: 'MAP(VARCHAR, VARCHAR)',
    trino: 'map(varchar, varchar)',
  },
  int_map: {
    glue: 'map<string,bigint>',
    duckdb: 'MAP(VARCHAR, BIGINT)',
    trino: 'map(varchar, bigint)',
  },
};

export type LogCell = string | number | Record<string, string> | Record<string, number>;
/** One record as Firehose's Iceberg destination takes it (a JSON object of the columns). */
export type LogRow = Record<string, LogCell>;

/**
 * The row of one record. `served_at` is epoch microseconds (Firehose's Iceberg destination takes
 * timestamps in microseconds); a null value, status or age is left out of its map, which reads
 * back as NULL.
 */
export function encodeLogRow(record: InferenceLogRecord): LogRow {
  return {
    request_id: record.request_id,
    row: record.row,
    served_at: Date.parse(record.served_at) * 1000,
    service: record.service,
    registry_hash: record.registry_hash,
    entity_key: record.entity_key,
    keys: textMap(record.keys),
    request: textMap(record.request),
    values: textMap(record.values),
    statuses: textMap(record.statuses),
    ages_ms: intMap(record.ages_ms),
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
