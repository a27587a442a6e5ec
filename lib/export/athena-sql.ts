/**
 * The Athena statements of an export besides the point-in-time SELECT: the spine's external
 * table (Hive DDL: backtick identifiers), its drop, and the UNLOAD around the SELECT. Pure text
 * builders, golden-tested.
 */
import { assertNever } from '../define/dtypes.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { athenaDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, SqlLiteralError, stringLiteral } from '../sql/literals.ts';
import { buildPointInTimePlan, type AsOf, type ViewSubset } from '../sql/plan.ts';
import { renderPointInTimeSql } from '../sql/render.ts';
import { SpineError } from './errors.ts';
import type { SpineColumn } from './spine.ts';

/** `` `name` `` for Hive DDL, with embedded backticks doubled. */
export function hiveIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0'))
    throw new SqlLiteralError(`invalid identifier ${JSON.stringify(name)}`, name);
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Glue (Hive DDL) type of a spine column, from its DuckDB type. */
export function spineGlueType(column: SpineColumn): string | undefined {
  const t = column.type;
  if (t === 'VARCHAR') return 'string';
  if (t === 'BIGINT' || t === 'UBIGINT' || t === 'UINTEGER') return 'bigint';
  if (t === 'INTEGER' || t === 'USMALLINT') return 'int';
  if (t === 'SMALLINT' || t === 'UTINYINT') return 'smallint';
  if (t === 'TINYINT') return 'tinyint';
  if (t === 'DOUBLE') return 'double';
  if (t === 'FLOAT') return 'float';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (/^TIMESTAMP/.test(t)) return 'timestamp';
  if (t === 'DOUBLE[]') return 'array<double>';
  return undefined;
}

/** `CREATE EXTERNAL TABLE` over the uploaded spine Parquet folder. */
export function spineTableDdl(
  database: string,
  table: string,
  columns: readonly SpineColumn[],
  location: string,
): string {
  const problems: string[] = [];
  const cols = columns.map((c) => {
    const type = spineGlueType(c);
    if (!type)
      problems.push(`column '${c.name}' has type ${c.type}, which Athena cannot read here`);
    return `  ${hiveIdentifier(c.name)} ${type ?? 'string'}`;
  });
  if (problems.length > 0) throw new SpineError(problems, location);
  return [
    `CREATE EXTERNAL TABLE ${hiveIdentifier(database)}.${hiveIdentifier(table)} (`,
    cols.join(',\n'),
    ')',
    'STORED AS PARQUET',
    `LOCATION ${stringLiteral(location)}`,
  ].join('\n');
}

export function dropTableDdl(database: string, table: string): string {
  return `DROP TABLE IF EXISTS ${hiveIdentifier(database)}.${hiveIdentifier(table)}`;
}

/** The point-in-time SELECT in Athena's dialect, wrapped in UNLOAD to `target` as Parquet. */
export function athenaUnloadSql(
  runtime: RuntimeRegistry,
  request: {
    readonly service: string;
    readonly database: string;
    readonly spineTable: string;
    readonly timeColumn: string;
    readonly asOf: AsOf;
    readonly views?: ViewSubset;
    readonly target: string;
  },
): string {
  const plan = buildPointInTimePlan(runtime.registry, request.service, request);
  const select = renderPointInTimeSql(plan, athenaDialect, {
    spine: `${q(request.database)}.${q(request.spineTable)}`,
    view: (v) => `${q(request.database)}.${q(v.table)}`,
  });
  return `UNLOAD (\n${select}\n)\nTO ${stringLiteral(request.target)}\nWITH (format = 'PARQUET')`;
}

/** `s3://bucket/key` → parts; throws on anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new SpineError([`'${uri}' is not an s3://bucket/key URI`], uri);
  return { bucket: match[1]!, key: match[2]! };
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export function isTerminal(state: QueryState): boolean {
  switch (state) {
    case 'QUEUED':
    case 'RUNNING':
      return false;
    case 'SUCCEEDED':
    case 'FAILED':
    case 'CANCELLED':
      return true;
    default:
      return assertNever(state, 'query state');
  }
}
