/**
 * Reads the local inference log back (every day's Parquet files) as plain records: maps as
 * objects, `served_at` as ISO-8601 UTC, and the day partition it landed in.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { localInferenceLogDir } from '../../lib/local/inference-log.ts';
import { stringLiteral } from '../../lib/sql/literals.ts';

export interface LoggedRecord {
  readonly request_id: string;
  readonly row: number;
  readonly served_at: string;
  readonly served_date: string;
  readonly service: string;
  readonly registry_hash: string;
  readonly entity_key: string;
  readonly keys: Record<string, string>;
  readonly request: Record<string, string>;
  readonly values: Record<string, string>;
  readonly statuses: Record<string, string>;
  readonly ages_ms: Record<string, number>;
}

export async function readLocalLog(
  duckdb: DuckDBConnection,
  dataDir: string,
): Promise<LoggedRecord[]> {
  const glob = `${localInferenceLogDir(dataDir)}/*/*.parquet`;
  const reader = await duckdb.runAndReadAll(
    `SELECT request_id, "row", strftime(served_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS served_at,
            served_date::VARCHAR AS served_date, service, registry_hash, entity_key,
            to_json(keys) AS keys, to_json(request) AS request, to_json("values") AS vals,
            to_json(statuses) AS statuses, to_json(ages_ms) AS ages
       FROM read_parquet(${stringLiteral(glob)}, hive_partitioning = true)`,
  );
  return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({
    request_id: String(r.request_id),
    row: Number(r.row),
    served_at: String(r.served_at),
    served_date: String(r.served_date),
    service: String(r.service),
    registry_hash: String(r.registry_hash),
    entity_key: String(r.entity_key),
    keys: JSON.parse(String(r.keys)) as Record<string, string>,
    request: JSON.parse(String(r.request)) as Record<string, string>,
    values: JSON.parse(String(r.vals)) as Record<string, string>,
    statuses: JSON.parse(String(r.statuses)) as Record<string, string>,
    ages_ms: JSON.parse(String(r.ages)) as Record<string, number>,
  }));
}

/** What a served map reads back as from the log: text values, nulls left out. */
export function asLoggedText(o: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : String(v)]),
  );
}

/** A served map of numbers as the log keeps it: nulls left out. */
export function withoutNulls(o: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as Record<
    string,
    number
  >;
}
