/**
 * The offline table of a view, as columns: join keys, features, then the three columns every
 * record carries. The Glue/Iceberg schema, the local Parquet writer and the SQL generator all
 * read this one projection.
 */
import { assertNever, type Dtype } from '../define/dtypes.ts';
import type { RegistryView } from '../registry/types.ts';

export type ColumnRole = 'key' | 'feature' | 'event_time' | 'ingested_at' | 'record_id';
export type ColumnType = Dtype;

export interface OfflineColumn {
  readonly name: string;
  readonly dtype: ColumnType;
  readonly role: ColumnRole;
}

export function offlineColumns(view: RegistryView): OfflineColumn[] {
  return [
    ...view.joinKeys.map((k) => ({ name: k.name, dtype: k.dtype as Dtype, role: 'key' as const })),
    ...storedColumns(view).map((f) => ({ name: f.name, dtype: f.dtype, role: 'feature' as const })),
    { name: 'event_time', dtype: 'timestamp', role: 'event_time' },
    { name: 'ingested_at', dtype: 'timestamp', role: 'ingested_at' },
    { name: 'record_id', dtype: 'string', role: 'record_id' },
  ];
}

/** What a view's offline rows carry besides keys and times, by the view's kind. */
function storedColumns(view: RegistryView): readonly { name: string; dtype: Dtype }[] {
  switch (view.kind) {
    case 'plain':
      return view.features;
    case 'aggregation':
      // An aggregation view stores the raw events it folds: the stream's columns.
      return view.aggregation.columns;
    default:
      return assertNever(view, 'view kind');
  }
}

/** DuckDB column type of a dtype (TIMESTAMP holds UTC instants; sessions run with TimeZone=UTC). */
export function duckdbType(dtype: Dtype): string {
  switch (dtype) {
    case 'int64':
      return 'BIGINT';
    case 'float64':
      return 'DOUBLE';
    case 'string':
      return 'VARCHAR';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'float64_list':
      return 'DOUBLE[]';
    default:
      return assertNever(dtype, 'dtype');
  }
}

/** The offline (Iceberg / local Parquet) table name of a view version. */
export function offlineTableName(view: Pick<RegistryView, 'name' | 'version'>): string {
  return `${view.name}_v${view.version}`;
}
