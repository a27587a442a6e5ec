/**
 * The spine: entity keys, a time column, optional per-row as-of, and any other columns (labels)
 * that pass through unchanged. Checked against the service's join keys before any query runs,
 * with every problem named at once.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertNever, type KeyDtype } from '../define/dtypes.ts';
import { RESERVED_PREFIX } from '../registry/compile.ts';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN, statusColumnName } from '../sql/plan.ts';
import { SpineError } from './errors.ts';
import { INSTANT_LIMITS } from '../core/values.ts';

export interface SpineColumn {
  readonly name: string;
  /** DuckDB type, as DESCRIBE prints it. */
  readonly type: string;
}

/** Time columns the spine may use for `t` (read as UTC instants; sessions run in UTC). */
const TIME_TYPES = /^(TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|DATE)$/;
const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

function keyTypeOk(dtype: KeyDtype, type: string): boolean {
  switch (dtype) {
    case 'string':
      return type === 'VARCHAR';
    case 'int64':
      return INTEGER_TYPES.test(type);
    default:
      return assertNever(dtype, 'key dtype');
  }
}

/** The default time column: `event_time`, else `timestamp`. */
export function defaultTimeColumn(columns: readonly SpineColumn[]): string | undefined {
  return ['event_time', 'timestamp'].find((c) => columns.some((x) => x.name === c));
}

/** Every problem of a spine's columns for `service`; empty when it can be exported. */
export function spineProblems(
  service: RegistryService,
  columns: readonly SpineColumn[],
  options: { readonly timeColumn: string; readonly asOfColumn?: string },
): string[] {
  const problems: string[] = [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const key of service.joinKeys) {
    const column = byName.get(key.name);
    if (!column)
      problems.push(
        `missing join key column '${key.name}' (service '${service.name}' needs ${service.joinKeys.map((k) => k.name).join(', ')})`,
      );
    else if (!keyTypeOk(key.dtype, column.type))
      problems.push(`join key '${key.name}' must be ${key.dtype}, the spine has ${column.type}`);
  }
  const timeLike = (name: string, what: string) => {
    const column = byName.get(name);
    if (!column)
      problems.push(
        `missing ${what} column '${name}' (columns: ${columns.map((c) => c.name).join(', ')})`,
      );
    else if (!TIME_TYPES.test(column.type))
      problems.push(`${what} column '${name}' must be a timestamp, the spine has ${column.type}`);
  };
  timeLike(options.timeColumn, 'time');
  if (options.asOfColumn !== undefined) timeLike(options.asOfColumn, 'as-of');
  problems.push(...nameClashes(service, columns));
  return problems;
}

/**
 * Names compared the way DuckDB and Athena compare them (case-insensitively): a spine column
 * that clashes with another column, a join key, a service output (or its status column) or a
 * reserved `_sk` name is refused, never silently renamed or shadowed.
 */
export function nameClashes(
  service: RegistryService,
  columns: readonly Pick<SpineColumn, 'name' | 'type'>[],
): string[] {
  const problems: string[] = [];
  const outputs = new Map(
    service.outputs.flatMap((o) => [o.name, statusColumnName(o.name)]).map((n) => [fold(n), n]),
  );
  const keys = new Map(service.joinKeys.map((k) => [fold(k.name), k.name]));
  problems.push(...caseClashes(columns.map((c) => c.name)));
  for (const column of columns) {
    const name = column.name;
    const folded = fold(name);
    const key = keys.get(folded);
    if (key !== undefined && key !== name)
      problems.push(
        `column '${name}' differs only in case from join key '${key}': name it '${key}'`,
      );
    if (folded === fold(SPINE_ROW_COLUMN)) {
      if (name !== SPINE_ROW_COLUMN)
        problems.push(`column '${name}' clashes with the reserved '${SPINE_ROW_COLUMN}'`);
      else if (!INTEGER_TYPES.test(column.type))
        problems.push(
          `'${SPINE_ROW_COLUMN}' must be an integer row number, the spine has ${column.type}`,
        );
    } else if (folded.startsWith(fold(RESERVED_PREFIX))) {
      problems.push(`column '${name}' uses the reserved prefix '${RESERVED_PREFIX}'`);
    } else if (outputs.has(folded)) {
      const output = outputs.get(folded)!;
      problems.push(
        output === name
          ? `column '${name}' has the name of a service output`
          : `column '${name}' clashes with service output '${output}' (names compare case-insensitively)`,
      );
    }
  }
  return problems;
}

/** Names that differ only in case, one problem per clash. */
export function caseClashes(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const name of names) {
    const earlier = seen.get(fold(name));
    if (earlier !== undefined)
      problems.push(
        `columns '${earlier}' and '${name}' differ only in case (SQL engines read them as one name): rename one`,
      );
    seen.set(fold(name), name);
  }
  return problems;
}

function fold(name: string): string {
  return name.toLowerCase();
}

export async function describeRelation(
  duckdb: DuckDBConnection,
  relation: string,
): Promise<SpineColumn[]> {
  const reader = await duckdb.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return reader.getRowObjectsJS().map((r) => ({
    name: String(r['column_name']),
    type: String(r['column_type']),
  }));
}

/** Throws a SpineError when the spine's columns or times cannot be exported. */
export async function validateSpine(
  duckdb: DuckDBConnection,
  relation: string,
  service: RegistryService,
  options: { readonly timeColumn: string; readonly asOfColumn?: string; readonly label: string },
): Promise<SpineColumn[]> {
  const columns = await describeRelation(duckdb, relation);
  const problems = spineProblems(service, columns, options);
  if (problems.length === 0)
    problems.push(...(await valueProblems(duckdb, relation, service, options)));
  if (problems.length > 0) throw new SpineError(problems, options.label);
  return columns;
}

/**
 * The spine's values against the rules every path shares (`lib/core/values.ts`): a time in
 * years 0001-9999 on every row, int64 keys exact as JS numbers (the lookup's range).
 */
async function valueProblems(
  duckdb: DuckDBConnection,
  relation: string,
  service: RegistryService,
  options: { readonly timeColumn: string; readonly asOfColumn?: string },
): Promise<string[]> {
  const ints = service.joinKeys.filter((k) => k.dtype === 'int64').map((k) => k.name);
  const outside = (c: string) =>
    `${q(c)} < make_timestamp(${INSTANT_LIMITS.minMs * 1000}) OR ${q(c)} > make_timestamp(${INSTANT_LIMITS.maxMs * 1000})`;
  const t = options.timeColumn;
  // A null as-of is allowed (no limit on that row); a null t is not.
  const checks: [what: string, condition: string][] = [
    [`time column '${t}' is null in`, `${q(t)} IS NULL`],
    [`time column '${t}' is outside years 0001-9999 in`, outside(t)],
    ...(options.asOfColumn
      ? [
          [
            `as-of column '${options.asOfColumn}' is outside years 0001-9999 in`,
            outside(options.asOfColumn),
          ] as [string, string],
        ]
      : []),
    ...ints.map((c): [string, string] => [
      `int64 key '${c}' is outside the exact integer range ±${Number.MAX_SAFE_INTEGER} in`,
      `abs(${q(c)}::HUGEINT) > ${Number.MAX_SAFE_INTEGER}`,
    ]),
  ];
  const select = checks.map(([, cond], i) => `count(*) FILTER (WHERE ${cond}) AS c${i}`);
  const reader = await duckdb.runAndReadAll(`SELECT ${select.join(', ')} FROM ${relation}`);
  const counts = reader.getRowObjectsJS()[0] ?? {};
  return checks.flatMap(([what], i) => {
    const n = Number(counts[`c${i}`] ?? 0);
    return n > 0 ? [`${what} ${n} row(s)`] : [];
  });
}

let counter = 0;

/**
 * The spine with its `_sk_row` (spine order, from 0): the relation itself when it has one; a
 * base table numbered by its `rowid` (DuckDB keeps insertion order, so `rowid` is table order);
 * else a temp copy numbered the same way. Returns the relation and a cleanup.
 */
export async function materializeSpine(
  duckdb: DuckDBConnection,
  relation: string,
  columns: readonly SpineColumn[],
): Promise<{ relation: string; drop: () => Promise<void> }> {
  if (columns.some((c) => c.name === SPINE_ROW_COLUMN))
    return { relation, drop: async () => undefined };
  const row = q(SPINE_ROW_COLUMN);
  // A base table without deleted rows: number it in place by rowid (no copy).
  try {
    const check = await duckdb.runAndReadAll(
      `SELECT coalesce(max(rowid) + 1, 0) = count(*) AS ok FROM ${relation}`,
    );
    if (check.getRows()[0]?.[0] === true)
      return {
        relation: `(SELECT *, rowid AS ${row} FROM ${relation})`,
        drop: async () => undefined,
      };
  } catch {
    // A view has no rowid: copied below.
  }
  const name = q(`_sk_spine_${++counter}`);
  const drop = async () => {
    await duckdb.run(`DROP TABLE IF EXISTS ${name}`);
  };
  // A copy keeps the relation's order; a table with deleted rows has gaps in rowid, so the
  // copy is numbered by its own rowid (same order, from 0).
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT * FROM ${relation}`);
  await duckdb.run(`ALTER TABLE ${name} ADD COLUMN ${row} BIGINT`);
  await duckdb.run(`UPDATE ${name} SET ${row} = rowid`);
  return { relation: name, drop };
}
