/**
 * The SQL of forgetting, one predicate for both engines: the rows of a table (or the inference
 * log) that hold any of the forgotten keys. Tables match on their key columns with typed
 * literals; the log matches on its `keys` JSON text, where values are kept as text
 * (`valueText`). Every value passes the one literal encoder.
 */
import { ATHENA_RULES, queryStringBytes } from '../aws-rules/athena.ts';
import { INFERENCE_LOG_TABLE } from '../core/naming.ts';
import { numberLiteral, quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import type { ForgetKey } from './keys.ts';

export type Engine = 'athena' | 'duckdb';

/** How a key column is read: a table's own column, or a field of the log's `keys` JSON. */
export type KeySource = 'columns' | 'log-json';

function keyTerm(engine: Engine, source: KeySource, name: string): string {
  if (source === 'columns') return q(name);
  const path = stringLiteral(`$.${JSON.stringify(name)}`);
  return engine === 'athena'
    ? `json_extract_scalar("keys", ${path})`
    : `json_extract_string("keys", ${path})`;
}

function valueTerm(source: KeySource, value: string | number): string {
  if (source === 'log-json' || typeof value === 'string') return stringLiteral(String(value));
  return numberLiteral(value, 'int64');
}

/**
 * `<key> IN (...)` for one-key entities (one hash probe per row), else an OR of conjunctions.
 * `keys` are of one entity.
 */
export function forgetPredicate(
  engine: Engine,
  source: KeySource,
  keys: readonly ForgetKey[],
): string {
  const joinKeys = keys[0]?.joinKeys ?? [];
  if (keys.length === 0) return 'FALSE';
  if (joinKeys.length === 1) {
    const name = joinKeys[0]!.name;
    const values = keys.map((k) => valueTerm(source, k.values[name]!));
    return `${keyTerm(engine, source, name)} IN (${values.join(', ')})`;
  }
  return keys
    .map(
      (k) =>
        `(${joinKeys.map((j) => `${keyTerm(engine, source, j.name)} = ${valueTerm(source, k.values[j.name]!)}`).join(' AND ')})`,
    )
    .join(' OR ');
}

/** Athena's row-level delete on an Iceberg table (merge-on-read: position delete files). */
export function athenaDeleteSql(
  database: string,
  table: string,
  source: KeySource,
  keys: readonly ForgetKey[],
): string {
  return `DELETE FROM ${q(database)}.${q(table)} WHERE ${forgetPredicate('athena', source, keys)}`;
}

/**
 * Rewrites the data files that carry delete files into files without the deleted rows, so the
 * rows leave the table's current files; snapshot retention then removes the old ones.
 */
export function athenaOptimizeSql(database: string, table: string): string {
  return `OPTIMIZE ${q(database)}.${q(table)} REWRITE DATA USING BIN_PACK`;
}

/** The inference log's table name (the Iceberg table Firehose appends to). */
export const LOG_TABLE = INFERENCE_LOG_TABLE;

/**
 * The keys split so each statement stays under Athena's query-string limit (a bulk request of
 * thousands of keys becomes a few DELETEs, each a whole transaction).
 */
export function chunkForAthena(
  keys: readonly ForgetKey[],
  render: (some: readonly ForgetKey[]) => string,
): ForgetKey[][] {
  const limit = ATHENA_RULES.queryStringMaxBytes.value;
  const chunks: ForgetKey[][] = [];
  let chunk: ForgetKey[] = [];
  // A key adds its own term (its one-key statement less the empty one) and a separator, at most
  // the 8 bytes of slack counted; a chunk closes at 90% of the limit by that bound.
  const empty = queryStringBytes(render([]));
  let estimate = empty;
  for (const k of keys) {
    const term = queryStringBytes(render([k])) - empty + 8;
    if (chunk.length > 0 && estimate + term > limit * 0.9) {
      chunks.push(chunk);
      chunk = [];
      estimate = empty;
    }
    chunk.push(k);
    estimate += term;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
