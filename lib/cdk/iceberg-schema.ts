/**
 * A view version's Iceberg table, as the `AWS::Glue::Table` `IcebergTableInput` expresses it:
 * the schema from `offlineColumns(view)` and the partition spec `day(event_time)`. Pure data,
 * so it is tested without synthesizing a stack.
 *
 * Field ids are the 1-based column positions. They never change for a table: a changed schema
 * is a new view version, hence a new table (`offlineTableName`).
 */
import { assertNever, type Dtype } from '../define/dtypes.ts';
import { offlineColumns } from '../core/columns.ts';
import type { RegistryView } from '../registry/types.ts';
import {
  INFERENCE_LOG_COLUMNS,
  INFERENCE_LOG_TIME_COLUMN,
  type LogColumnKind,
} from '../core/inference-log.ts';

export interface IcebergField {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly doc?: string;
}

export interface IcebergTableSpec {
  readonly schema: {
    readonly type: 'struct';
    readonly schemaId: 0;
    readonly fields: IcebergField[];
  };
  readonly partitionSpec: {
    readonly specId: 0;
    readonly fields: { name: string; sourceId: number; transform: string; fieldId: number }[];
  };
}

/** Iceberg partition field ids start at 1000 by the Iceberg spec's convention. */
const PARTITION_FIELD_ID_BASE = 1000;

/**
 * The Iceberg type of a dtype. Timestamps are `timestamp` (no zone): every instant is stored
 * in UTC, the same convention as the DuckDB sessions. A list is Iceberg's JSON
 * list type (Glue accepts a JSON value there); its element id follows the column ids.
 */
export function icebergType(dtype: Dtype, elementId: () => number): string {
  switch (dtype) {
    case 'int64':
      return 'long';
    case 'float64':
      return 'double';
    case 'string':
      return 'string';
    case 'bool':
      return 'boolean';
    case 'timestamp':
      return 'timestamp';
    case 'float64_list':
      return JSON.stringify({
        type: 'list',
        'element-id': elementId(),
        element: 'double',
        'element-required': false,
      });
    default:
      return assertNever(dtype, 'dtype');
  }
}

export function icebergTableSpec(view: RegistryView): IcebergTableSpec {
  const columns = offlineColumns(view);
  let nextId = columns.length;
  const fields = columns.map((c, i): IcebergField => ({
    id: i + 1,
    name: c.name,
    type: icebergType(c.dtype, () => ++nextId),
    // Keys and the three record columns are always set by the ingest Lambda; features may be null.
    required: c.role !== 'feature',
    ...(c.role === 'feature' ? { doc: featureDoc(view, c.name) } : {}),
  }));
  const eventTime = fields.find((f) => f.name === 'event_time');
  if (!eventTime) throw new Error(`offlineColumns(${view.name}) has no event_time`);
  return {
    schema: { type: 'struct', schemaId: 0, fields },
    partitionSpec: {
      specId: 0,
      fields: [
        {
          name: 'event_time_day',
          sourceId: eventTime.id,
          transform: 'day',
          fieldId: PARTITION_FIELD_ID_BASE,
        },
      ],
    },
  };
}

/** Glue limits a field doc to 255 characters. */
function featureDoc(view: RegistryView, name: string): string {
  const description = view.features.find((f) => f.name === name)?.description ?? '';
  return description.slice(0, 255);
}

/**
 * The inference log's Iceberg table: `INFERENCE_LOG_COLUMNS` (the per-service fields as maps, so
 * the schema never changes with a definition), partitioned by `day(served_at)`.
 */
export function inferenceLogTableSpec(): IcebergTableSpec {
  let nextId = INFERENCE_LOG_COLUMNS.length;
  const fields = INFERENCE_LOG_COLUMNS.map((c, i): IcebergField => ({
    id: i + 1,
    name: c.name,
    type: logIcebergType(c.kind, () => ++nextId),
    // Nothing is required: a producer's broken record still lands, and the check counts it.
    required: false,
  }));
  const servedAt = fields.find((f) => f.name === INFERENCE_LOG_TIME_COLUMN)!;
  return {
    schema: { type: 'struct', schemaId: 0, fields },
    partitionSpec: {
      specId: 0,
      fields: [
        {
          name: `${INFERENCE_LOG_TIME_COLUMN}_day`,
          sourceId: servedAt.id,
          transform: 'day',
          fieldId: PARTITION_FIELD_ID_BASE,
        },
      ],
    },
  };
}

/** A log column's Iceberg type; a map in the same JSON form as the list type above. */
function logIcebergType(kind: LogColumnKind, nextId: () => number): string {
  switch (kind) {
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'timestamp':
      return 'timestamp';
    case 'text_map':
    case 'int_map':
      return JSON.stringify({
        type: 'map',
        'key-id': nextId(),
        key: 'string',
        'value-id': nextId(),
        value: kind === 'text_map' ? 'string' : 'long',
        'value-required': false,
      });
    default:
      return assertNever(kind, 'log column kind');
  }
}
