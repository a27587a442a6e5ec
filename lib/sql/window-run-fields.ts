/**
 * The running struct of a window export: per aggregation, the fields each event carries (their
 * roles and names, spelled here once) and the running expressions behind them, each distinct
 * expression once. `window-running.ts` probes them.
 */
import { quoteIdentifier as q } from './literals.ts';
import type { SqlDialect, StructField } from './dialect.ts';
import type { PlannedAggregationView } from './plan.ts';
import { columnDtype, contributesSql, MS, RID, tileStartSql, type Agg } from './window-terms.ts';

export const FRAME = 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

/**
 * What a running field of an aggregation holds. Counts and sums are running prefixes
 * (`PREFIX_ROLES`): read at `t` and at the window start, their difference is the window's; the
 * others are read at `t` only.
 */
export type RunRole = 'count' | 'sum' | 'extreme' | 'extremeTile' | 'lastTime' | 'lastValue';
export const PREFIX_ROLES: ReadonlySet<RunRole> = new Set<RunRole>(['count', 'sum']);
const RUN_FIELD_PREFIX: Readonly<Record<RunRole, string>> = {
  count: 'c',
  sum: 's',
  extreme: 'm',
  extremeTile: 'a',
  lastTime: 'le',
  lastValue: 'lv',
};

/** The name of aggregation `index`'s field of `role`, the one place it is spelled. */
export function runField(role: RunRole, index: number): string {
  return `${RUN_FIELD_PREFIX[role]}${index}`;
}

interface RunField extends StructField {
  readonly role: RunRole;
}

/** The fields each event's running struct carries for one aggregation. */
export function runFields(view: PlannedAggregationView, a: Agg): RunField[] {
  const i = a.index;
  const colType = a.aggregate.column === null ? 'int64' : columnDtype(view, a.aggregate.column);
  const field = (role: RunRole, dtype: RunField['dtype']) => ({
    name: runField(role, i),
    dtype,
    role,
  });
  const fields: RunField[] = [field('count', 'int64')];
  switch (a.aggregate.fn) {
    case 'sum':
      fields.push(field('sum', colType));
      break;
    case 'mean':
      fields.push(field('sum', 'float64'));
      break;
    case 'min':
    case 'max':
      fields.push(field('extreme', colType), field('extremeTile', 'int64'));
      break;
    case 'last':
      fields.push(field('lastTime', 'int64'), field('lastValue', colType));
      break;
    case 'count':
      break;
  }
  return fields;
}

/** The running expressions behind `runFields`, over the events `e` of one entity. */
function runExprs(view: PlannedAggregationView, a: Agg, dialect: SqlDialect): string[] {
  const keys = view.keys.map((k) => `e.${q(k.name)}`).join(', ');
  const over = `OVER (PARTITION BY ${keys} ORDER BY e.${MS}, e.${RID} ${FRAME})`;
  const contrib = contributesSql(view, a.aggregate, dialect);
  const col = a.aggregate.column === null ? 'NULL' : `e.${q(a.aggregate.column)}`;
  const exprs = [`sum(CASE WHEN ${contrib} THEN 1 ELSE 0 END) ${over}`];
  switch (a.aggregate.fn) {
    case 'sum':
      exprs.push(`sum(CASE WHEN ${contrib} THEN ${col} END) ${over}`);
      break;
    case 'mean':
      exprs.push(
        `sum(CASE WHEN ${contrib} THEN CAST(${col} AS ${dialect.type('float64')}) END) ${over}`,
      );
      break;
    case 'min':
    case 'max': {
      const tile = tileStartSql(`e.${MS}`, a.aggregate.tileMs, dialect);
      exprs.push(
        `${a.aggregate.fn}(CASE WHEN ${contrib} THEN ${col} END) OVER (PARTITION BY ${keys}, ${tile} ORDER BY e.${MS}, e.${RID} ${FRAME})`,
        tile,
      );
      break;
    }
    case 'last':
      exprs.push(
        `${dialect.lastValueIgnoreNulls(`CASE WHEN ${contrib} THEN e.${MS} END`)} ${over}`,
        `${dialect.lastValueIgnoreNulls(`CASE WHEN ${contrib} THEN ${col} END`)} ${over}`,
      );
      break;
    case 'count':
      break;
  }
  return exprs;
}

export interface RunningColumns {
  readonly fields: StructField[];
  readonly exprs: string[];
  readonly alias: (field: string) => string;
}

/**
 * The running struct's fields and expressions of every aggregation, each distinct expression
 * once (a count of the same filter, a sum of the same column serve every window): `alias` maps
 * an aggregation's field name to the field that holds its expression.
 */
export function runningColumns(
  view: PlannedAggregationView,
  aggs: readonly Agg[],
  dialect: SqlDialect,
): RunningColumns {
  const fields: StructField[] = [];
  const exprs: string[] = [];
  const aliases = new Map<string, string>();
  for (const a of aggs) {
    const own = runExprs(view, a, dialect);
    runFields(view, a).forEach((f, i) => {
      const expr = own[i]!;
      const found = exprs.findIndex((x, j) => x === expr && fields[j]!.dtype === f.dtype);
      if (found >= 0) aliases.set(f.name, fields[found]!.name);
      else {
        exprs.push(expr);
        fields.push(f);
      }
    });
  }
  return { fields, exprs, alias: (f) => aliases.get(f) ?? f };
}
