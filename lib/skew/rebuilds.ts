/**
 * The rebuilds of one check and the view they end in: the export's point-in-time join at
 * `served_at` (and with the latest as_of for values served expired/missing), at each served
 * record's own event time when present values differ, and the joined view with every cause.
 * Tables and views are the check's scratch (`TABLES`), dropped by `checkServiceSkew`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../core/columns.ts';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { statusColumnName } from '../sql/plan.ts';
import { causeSelectList, latestColumns } from './causes.ts';
import type { SkewCheckDeps } from './check.ts';
import { buildPointInTimeRows, type PointInTimeRequest } from '../export/point-in-time.ts';
import { comparisonSql, joinedColumns } from './compare-sql.ts';
import { createSkewSpine, SKEW_COLUMNS } from './logs.ts';
import { thresholdsFor } from './thresholds.ts';
import type { VersionChange } from './versions.ts';
import { SkewlessError } from '../core/errors.ts';

/** The check could not compare what was served with its rebuild (never a partial report). */
export class SkewCheckError extends SkewlessError {
  constructor(
    message: string,
    readonly service: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const TABLES = {
  served: '_sk_skew_served',
  spine: '_sk_skew_spine',
  rebuilt: '_sk_skew_rebuilt',
  transformed: '_sk_skew_transformed',
  mainRebuilt: '_sk_skew_main_rebuilt',
  latest: '_sk_skew_latest',
  recordSpine: '_sk_skew_record_spine',
  records: '_sk_skew_records',
  servedRecords: '_sk_skew_served_records',
  values: '_sk_skew_values',
  joined: '_sk_skew_joined',
  examples: '_sk_skew_examples',
} as const;
/** The check's views, each listed before the views it reads (the order they are dropped in). */
export const VIEWS: readonly string[] = [TABLES.joined, TABLES.values, TABLES.mainRebuilt];

/** The export's point-in-time rows through the check's offline store, stored features only. */
function rebuildPointInTime(
  deps: SkewCheckDeps,
  request: Omit<PointInTimeRequest, 'transforms'>,
): Promise<{ rows: number }> {
  return buildPointInTimeRows(
    { duckdb: deps.duckdb, runtime: deps.runtime, store: deps.offline },
    { ...request, transforms: false },
  );
}

/**
 * One rebuild through the export, two kinds of rows (`createSkewSpine`): at `t = as_of =
 * served_at` (what the online store could have known) and, for vectors that served a feature
 * expired or missing, at `t = served_at` with the latest as_of (what training sees now). One
 * pass over the offline store for both, its rows in log-id order (the values view joins by
 * position).
 */
export async function rebuild(
  deps: SkewCheckDeps,
  service: RegistryService,
  vectors: number,
): Promise<void> {
  const { duckdb } = deps;
  const late = await createSkewSpine(duckdb, service, TABLES.served, TABLES.spine, vectors);
  const { rows } = await rebuildPointInTime(deps, {
    service: service.name,
    spineTable: TABLES.spine,
    timeColumn: SKEW_COLUMNS.servedAt,
    asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
    into: TABLES.rebuilt,
  });
  if (rows !== vectors + late)
    throw new SkewCheckError(
      `the rebuild returned ${rows} rows for ${vectors} served vectors and ${late} late checks`,
      service.name,
    );
  const id = q(SKEW_COLUMNS.logId);
  await duckdb.run(
    `CREATE OR REPLACE TEMP VIEW ${q(TABLES.mainRebuilt)} AS
     SELECT * FROM ${q(TABLES.rebuilt)} WHERE ${id} < ${vectors}`,
  );
  // A table, not a view: its row count is then known, and the values join builds its hash
  // table on these few rows, not on the million served ones (a filtered view's guess).
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.latest)} AS
     SELECT * REPLACE (${id} - ${vectors} AS ${id}) FROM ${q(TABLES.rebuilt)} WHERE ${id} >= ${vectors}`,
  );
}

/**
 * Served ⋈ rebuilt ⋈ transforms (⟕ latest) on the log id (`TABLES.values`), a view. The first
 * three hold one row per log id each, in log-id order, so they are joined by position: a hash
 * join gathering a million wide rows cost three times the scan, on every pass over the view.
 * The positions are checked here once (every row's three ids equal), so a rebuild that lost or
 * repeated a row fails the check instead of comparing the wrong vectors.
 */
export async function createValuesView(
  duckdb: DuckDBConnection,
  service: RegistryService,
  vectors: number,
): Promise<void> {
  const stored = new Set(service.features.map((f) => f.output));
  const cols = [
    `l.${q(SKEW_COLUMNS.logId)}`,
    'l.request_id',
    'l."row"',
    'l.served_at',
    'l.registry_hash',
    'l.entity_key',
    ...service.joinKeys.map((k) => `l.${q(k.name)}`),
    ...service.request.map((r) => `l.${q(r.name)}`),
    ...service.outputs.flatMap((o) => {
      const c = joinedColumns(o.name);
      const latest = latestColumns(o.name);
      return [
        `l.${q(c.raw)}`,
        `l.${q(c.served)}`,
        stored.has(o.name)
          ? `r.${q(o.name)} AS ${q(c.rebuilt)}`
          : `t.${q(o.name)} AS ${q(c.rebuilt)}`,
        ...(stored.has(o.name)
          ? [
              `l.${q(c.servedStatus)}`,
              `l.${q(c.age)}`,
              `r.${q(statusColumnName(o.name))} AS ${q(c.rebuiltStatus)}`,
              `x.${q(o.name)} AS ${q(latest.value)}`,
              `x.${q(statusColumnName(o.name))} AS ${q(latest.status)}`,
            ]
          : []),
      ];
    }),
  ];
  const id = q(SKEW_COLUMNS.logId);
  const aligned = await alignedRows(duckdb, service, vectors);
  await duckdb.run(
    `CREATE OR REPLACE TEMP VIEW ${q(TABLES.values)} AS
     SELECT ${cols.join(',\n       ')}
     FROM ${aligned} LEFT JOIN ${q(TABLES.latest)} x ON x.${id} = l.${id}`,
  );
}

/**
 * `served l POSITIONAL JOIN rebuilt r POSITIONAL JOIN transformed t` (the main rebuild's rows),
 * once every row's three log ids are checked equal and the rows number `vectors`. The order is
 * the tables' stored order (DuckDB keeps a CREATE TABLE … ORDER BY in order unless
 * `preserve_insertion_order` is off, in which case this check fails instead of misjoining).
 */
export async function alignedRows(
  duckdb: DuckDBConnection,
  service: RegistryService,
  vectors: number,
): Promise<string> {
  const id = q(SKEW_COLUMNS.logId);
  const aligned = `${q(TABLES.served)} l POSITIONAL JOIN ${q(TABLES.mainRebuilt)} r
     POSITIONAL JOIN ${q(TABLES.transformed)} t`;
  const check = await duckdb.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE
       l.${id} IS DISTINCT FROM r.${id} OR l.${id} IS DISTINCT FROM t.${id})::BIGINT AS off
     FROM ${aligned}`,
  );
  const { n, off } = check.getRowObjectsJson()[0] ?? {};
  if (Number(n) !== vectors || Number(off) > 0)
    throw new SkewCheckError(
      `the rebuilt rows do not line up with the ${vectors} served vectors (${Number(off)} of ${Number(n)} rows differ in log id)`,
      service.name,
    );
  return aligned;
}

/**
 * The served records: for each vector served a present value that differs from its present
 * rebuild, the rebuild at that value's own event time (`served_at − age`, as_of = served_at),
 * per view, so the causes can tell an older record the online store still held (ingest lag)
 * from a value no store ever held (unexplained). None on a day without such values.
 */
export async function rebuildServedRecords(
  deps: SkewCheckDeps,
  service: RegistryService,
): Promise<void> {
  const { duckdb } = deps;
  const id = q(SKEW_COLUMNS.logId);
  const at = q(SKEW_COLUMNS.servedRecordAt);
  const perView = service.views.map((view, i) => {
    const features = service.features.filter((f) => f.view === view);
    const suspect = features.map((f) => {
      const c = joinedColumns(f.output);
      const cmp = comparisonSql(f.output, f.dtype, thresholdsFor(service, f.output).floatTolerance);
      return `(${q(c.servedStatus)} = 'present' AND ${q(c.rebuiltStatus)} = 'present' AND NOT ${cmp.match})`;
    });
    const age = q(joinedColumns(features[0]!.output).age);
    return (
      `SELECT ${id} AS log_id, ${i} AS view_index, ` +
      `${[...service.joinKeys.map((k) => q(k.name)), ...service.request.map((r) => q(r.name))].join(', ')}, ` +
      `served_at - to_milliseconds(${age}) AS ${at}, served_at ` +
      `FROM ${q(TABLES.values)} WHERE ${age} IS NOT NULL AND (${suspect.join(' OR ')})`
    );
  });
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.recordSpine)} AS
     SELECT row_number() OVER (ORDER BY log_id, view_index) - 1 AS ${id}, *
     FROM (${perView.join(' UNION ALL ')})`,
  );
  const columns = service.features.map((f) => q(joinedColumns(f.output).servedRecord));
  // Only the views some row needs rebuilt: a day with one suspect view rebuilds that one.
  const present = await duckdb.runAndReadAll(
    `SELECT DISTINCT view_index FROM ${q(TABLES.recordSpine)} ORDER BY 1`,
  );
  const views = present.getRowObjectsJson().map((r) => service.views[Number(r.view_index)]!);
  if (views.length === 0) {
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(TABLES.servedRecords)} AS
       SELECT CAST(NULL AS BIGINT) AS log_id, ${service.features
         .map(
           (f) => `CAST(NULL AS ${duckdbType(f.dtype)}) AS ${columns[service.features.indexOf(f)]}`,
         )
         .join(', ')} WHERE FALSE`,
    );
    return;
  }
  await rebuildPointInTime(deps, {
    service: service.name,
    spineTable: TABLES.recordSpine,
    timeColumn: SKEW_COLUMNS.servedRecordAt,
    asOf: { kind: 'column', column: SKEW_COLUMNS.servedAt },
    into: TABLES.records,
    views,
    sorted: false,
  });
  const picks = service.features.map((f, k) => {
    if (!views.includes(f.view)) return `CAST(NULL AS ${duckdbType(f.dtype)}) AS ${columns[k]}`;
    const i = service.views.indexOf(f.view);
    return `any_value(r.${q(f.output)}) FILTER (WHERE m.view_index = ${i}) AS ${columns[k]}`;
  });
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(TABLES.servedRecords)} AS
     SELECT m.log_id, ${picks.join(', ')}
     FROM ${q(TABLES.records)} r JOIN ${q(TABLES.recordSpine)} m ON m.${id} = r.${id}
     GROUP BY m.log_id`,
  );
}

/**
 * The joined view: the values view with the served records and every output's cause. A view,
 * not a table: the figures read it in one aggregate pass and the examples fetch a few rows
 * (materializing a million rows of ~150 columns cost more than both).
 */
export async function createJoinedView(
  deps: SkewCheckDeps,
  service: RegistryService,
  changes: ReadonlyMap<string, readonly VersionChange[]>,
): Promise<void> {
  const id = q(SKEW_COLUMNS.logId);
  await deps.duckdb.run(
    `CREATE OR REPLACE TEMP VIEW ${q(TABLES.joined)} AS
     SELECT v.*, ${service.features.map((f) => `s.${q(joinedColumns(f.output).servedRecord)}`).join(', ')},
            ${causeSelectList(deps.runtime.registry, service, changes).join(',\n            ')}
     FROM ${q(TABLES.values)} v LEFT JOIN ${q(TABLES.servedRecords)} s ON s.log_id = v.${id}`,
  );
}

/**
 * Runs `step` with DuckDB's build/probe side swap turned off. The comparison joins the few late
 * rebuilds onto a million positionally joined rows, whose size the optimizer misjudges: it then
 * builds the hash table on the wide million rather than the few, which cost a second of a 1M-row
 * check. Joins written with the small side on the right are built as written. The setting is
 * restored afterwards (the connection may be the caller's).
 */
export async function withJoinSidesAsWritten<T>(
  duckdb: DuckDBConnection,
  step: () => Promise<T>,
): Promise<T> {
  const reader = await duckdb.runAndReadAll(`SELECT current_setting('disabled_optimizers') AS v`);
  const before = String(reader.getRowObjectsJson()[0]?.v ?? '');
  const disabled = new Set([...before.split(',').map((o) => o.trim()), 'build_side_probe_side']);
  disabled.delete('');
  await duckdb.run(`SET disabled_optimizers = ${stringLiteral([...disabled].join(','))}`);
  try {
    return await step();
  } finally {
    await duckdb.run(
      before ? `SET disabled_optimizers = ${stringLiteral(before)}` : 'RESET disabled_optimizers',
    );
  }
}
