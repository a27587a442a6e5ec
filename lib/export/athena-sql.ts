/**
 * The Athena statements of an export besides the point-in-time SELECT: the spine's external
 * table (Hive DDL: backtick identifiers), its drop, and the UNLOAD around the SELECT. Pure text
 * builders, golden-tested.
 */
import { assertNever } from '../define/dtypes.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { athenaDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, SqlLiteralError, stringLiteral } from '../sql/literals.ts';
import { ATHENA_RULES, UNLOAD_TIMESTAMP_TYPE } from '../aws-rules/athena.ts';
import {
  buildPointInTimePlan,
  statusColumnName,
  type AsOf,
  type PointInTimePlan,
  type ViewSubset,
} from '../sql/plan.ts';
import type { SpineSpan } from '../sql/span.ts';
import { renderPointInTimeSql } from '../sql/render.ts';
import { SpineError } from './errors.ts';
import { storedTable, type EventsFrom } from './offline-reader.ts';
import type { SpineColumn } from './spine.ts';

/** `` `name` `` for Hive DDL, with embedded backticks doubled. */
export function hiveIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0'))
    throw new SqlLiteralError(`invalid identifier ${JSON.stringify(name)}`, name);
  const quote = ATHENA_RULES.identifierQuotes.value.ddl;
  return `${quote}${name.split(quote).join(quote + quote)}${quote}`;
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

/** A column an UNLOAD writes: its name, and whether it holds timestamps. */
export interface UnloadColumn {
  readonly name: string;
  readonly timestamp: boolean;
}

/** The alias of the SELECT an UNLOAD wraps (`_sk_`: no spine or offline column takes it). */
export const UNLOAD_SOURCE = '_sk_unload';

/**
 * The one place an UNLOAD is written: `select` to `target` as Parquet, each of its `columns`
 * selected by name, every timestamp cast to `timestamp(3)`. UNLOAD writes through the Hive
 * writer, which takes milliseconds only, while Iceberg columns read as `timestamp(6)`
 * (`ATHENA_RULES.unloadTimestampPrecision`). Every instant skewless stores is whole
 * milliseconds, so the cast loses nothing.
 */
export function unloadSql(
  select: string,
  columns: readonly UnloadColumn[],
  target: string,
): string {
  if (columns.length === 0) throw new RangeError('an UNLOAD needs at least one column');
  const items = columns.map((c) =>
    c.timestamp ? `CAST(${q(c.name)} AS ${UNLOAD_TIMESTAMP_TYPE}) AS ${q(c.name)}` : q(c.name),
  );
  return [
    'UNLOAD (',
    `SELECT ${items.join(', ')}`,
    'FROM (',
    select,
    `) AS ${q(UNLOAD_SOURCE)}`,
    ')',
    `TO ${stringLiteral(target)}`,
    "WITH (format = 'PARQUET')",
  ].join('\n');
}

/**
 * The columns of a point-in-time SELECT: the spine's (timestamps as Glue types them), then each
 * feature's output, then each status (`renderPointInTimeSql`'s projection order).
 */
export function pointInTimeColumns(
  plan: PointInTimePlan,
  spineColumns: readonly SpineColumn[],
): UnloadColumn[] {
  const features = plan.views.flatMap((v) => v.features);
  return [
    ...spineColumns.map((c) => ({ name: c.name, timestamp: spineGlueType(c) === 'timestamp' })),
    ...features.map((f) => ({ name: f.output, timestamp: f.dtype === 'timestamp' })),
    ...features.map((f) => ({ name: statusColumnName(f.output), timestamp: false })),
  ];
}

/** The point-in-time SELECT in Athena's dialect, wrapped in UNLOAD to `target` as Parquet. */
export function athenaUnloadSql(
  runtime: RuntimeRegistry,
  request: {
    readonly service: string;
    readonly database: string;
    readonly spineTable: string;
    /** The uploaded spine's columns, `_sk_row` included. */
    readonly spineColumns: readonly SpineColumn[];
    readonly timeColumn: string;
    readonly asOf: AsOf;
    readonly views?: ViewSubset;
    /** The spine's span, for literal scan bounds; undefined only for a spine without rows. */
    readonly span: SpineSpan | undefined;
    readonly target: string;
    /** Views read from an earlier version's table (`EventsFrom`). @default none */
    readonly eventsFrom?: EventsFrom;
  },
): string {
  const plan = buildPointInTimePlan(runtime.registry, request.service, request);
  const select = renderPointInTimeSql(
    plan,
    athenaDialect,
    {
      spine: `${q(request.database)}.${q(request.spineTable)}`,
      view: (v) => `${q(request.database)}.${q(storedTable(v, request.eventsFrom))}`,
    },
    request.span ? { span: request.span } : {},
  );
  return unloadSql(select, pointInTimeColumns(plan, request.spineColumns), request.target);
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
