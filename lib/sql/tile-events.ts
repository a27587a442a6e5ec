/**
 * The offline raw events a tile rebuild folds (docs/semantics.md, "Rebuilding tiles"), as one
 * SELECT both dialects run (DuckDB over the local Parquet, Athena over the Iceberg table):
 *
 * - kind `e`: every event of the view with `event_time` after `after` (the oldest window start
 *   at the rebuild's clock: older events can reach no window), with its raw columns;
 * - kind `m`: per entity and shard (the record id before its last `:`), the greatest record id
 *   ever stored: the per-shard mark the stream's item keeps, also when that record is older
 *   than every window.
 *
 * Optionally only some entities: their key values reach SQL through the one literal encoder, as
 * a `VALUES` relation joined on every key.
 */
import type { KeyValue } from '../core/entity-key.ts';
import type { Dtype } from '../define/dtypes.ts';
import type { AggregationRegistryView } from '../registry/types.ts';
import type { SqlDialect } from './dialect.ts';
import { quoteIdentifier as q, stringLiteral, timestampLiteral, valueLiteral } from './literals.ts';

/** The output column naming a row's kind: `e` (an event) or `m` (a shard's mark). */
export const TILE_ROW_KIND = '_sk_kind';

export interface TileEventsQuery {
  /** Epoch ms: events at or before it reach no window at the rebuild's clock. */
  readonly after: number;
  /** Only these entities (a value per view key); absent: every entity of the view. */
  readonly entities?: readonly Readonly<Record<string, KeyValue>>[];
}

/** The columns of a tile-events row besides its kind: keys, raw columns, time, record id. */
export function tileEventColumns(view: AggregationRegistryView): { name: string; dtype: Dtype }[] {
  return [
    ...view.joinKeys.map((k) => ({ name: k.name, dtype: k.dtype as Dtype })),
    ...view.aggregation.columns.map((c) => ({ name: c.name, dtype: c.dtype })),
    { name: 'event_time', dtype: 'timestamp' },
    { name: 'record_id', dtype: 'string' },
  ];
}

export function tileEventsSql(
  view: AggregationRegistryView,
  relation: string,
  dialect: SqlDialect,
  query: TileEventsQuery,
): string {
  if (query.entities?.length === 0)
    throw new RangeError('a tile rebuild of no entity needs no query');
  const keys = view.joinKeys.map((k) => q(k.name));
  const columns = view.aggregation.columns;
  const source = sourceOf(view, relation, dialect, query.entities);
  // The shard of a record id: everything before its last ':' (`kinesisRecordId`).
  const shard = `regexp_extract(f.${q('record_id')}, ${stringLiteral('^(.*):')}, 1)`;
  const events = [
    `SELECT ${stringLiteral('e')} AS ${q(TILE_ROW_KIND)}, ${keys.map((k) => `f.${k}`).join(', ')},`,
    `  ${[...columns.map((c) => `f.${q(c.name)}`), `f.${q('event_time')}`, `f.${q('record_id')}`].join(', ')}`,
    `FROM ${source}`,
    `WHERE f.${q('event_time')} > ${timestampLiteral(query.after)}`,
  ];
  const nulls = columns.map((c) => `CAST(NULL AS ${dialect.type(c.dtype)}) AS ${q(c.name)}`);
  const marks = [
    `SELECT ${stringLiteral('m')} AS ${q(TILE_ROW_KIND)}, ${keys.map((k) => `f.${k}`).join(', ')},`,
    `  ${[...nulls, `CAST(NULL AS ${dialect.type('timestamp')}) AS ${q('event_time')}`, `max(f.${q('record_id')}) AS ${q('record_id')}`].join(', ')}`,
    `FROM ${source}`,
    `GROUP BY ${[...keys.map((k) => `f.${k}`), shard].join(', ')}`,
  ];
  return [...events, 'UNION ALL', ...marks].join('\n');
}

/** The view's stored rows with non-null keys, `f`, narrowed to `entities` when given. */
function sourceOf(
  view: AggregationRegistryView,
  relation: string,
  dialect: SqlDialect,
  entities: TileEventsQuery['entities'],
): string {
  const notNull = view.joinKeys.map((k) => `${q(k.name)} IS NOT NULL`).join(' AND ');
  const rows = `(SELECT * FROM ${relation} WHERE ${notNull}) AS f`;
  if (!entities) return rows;
  const names = view.joinKeys.map((_, i) => q(`_sk_k${i}`));
  const tuples = entities.map((e) => {
    const literals = view.joinKeys.map((k) => {
      const value = e[k.name];
      if (value === undefined) throw new RangeError(`entity without key '${k.name}'`);
      return valueLiteral(value, k.dtype as Dtype, dialect);
    });
    return `(${literals.join(', ')})`;
  });
  const on = view.joinKeys.map((k, i) => `f.${q(k.name)} = sel.${names[i]!}`).join(' AND ');
  return `${rows}\n  JOIN (VALUES ${tuples.join(', ')}) AS sel(${names.join(', ')}) ON ${on}`;
}
