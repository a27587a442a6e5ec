/**
 * A view version's Iceberg table, as the `AWS::Glue::Table` `IcebergTableInput` expresses it:
 * the schema from `offlineColumns(view)` and the partition spec `day(event_time)`. Pure data,
 * so it is tested without synthesizing a stack.
 *
 * Field ids are the 1-based column positions. They never change for a table: a changed schema
 * is a new view version, hence a new table (`offlineTableName`).
 */
import { GLUE, type IcebergPrimitiveType } from '../aws-rules/glue.ts';
import { assertNever, type Dtype } from '../define/dtypes.ts';
import { offlineColumns } from '../core/columns.ts';
import { ValidationError } from '../core/errors.ts';
import { OFFLINE_DEFAULTS } from './feature-store-defaults.ts';
import type { RegistryView } from '../registry/types.ts';
import {
  INFERENCE_LOG_COLUMNS,
  INFERENCE_LOG_TIME_COLUMN,
  type LogColumnKind,
} from '../core/inference-log.ts';

export interface IcebergField {
  readonly id: number;
  readonly name: string;
  readonly type: IcebergPrimitiveType;
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
 * The Iceberg type of a dtype, or null when CloudFormation cannot be shown to create it.
 * Timestamps are `timestamp` (no zone): every instant is stored in UTC, the same convention as
 * the DuckDB sessions. A list has no primitive spelling, and CloudFormation's field `Type` is a
 * String where only the Glue API takes a JSON value (`GLUE.icebergPrimitiveTypes`,
 * `GLUE.apiFieldType`): no AWS document shows the handler turning a JSON-encoded string into a
 * list type, so a deployed table never relies on it.
 */
export function icebergType(dtype: Dtype): IcebergPrimitiveType | null {
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
      return null;
    default:
      return assertNever(dtype, 'dtype');
  }
}

export function icebergTableSpec(view: RegistryView): IcebergTableSpec {
  const columns = offlineColumns(view);
  const fields = columns.map((c, i): IcebergField => ({
    id: i + 1,
    name: c.name,
    type: deployableType(view, c.name, c.dtype),
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

function deployableType(view: RegistryView, column: string, dtype: Dtype): IcebergPrimitiveType {
  const type = icebergType(dtype);
  if (type === null) {
    throw new ValidationError(
      `view '${view.name}' column '${column}' is ${dtype}: its Iceberg table cannot be declared through CloudFormation, whose field Type takes a primitive type name only (${GLUE.icebergPrimitiveTypes.source}); deploy views with ${dtype} features once AWS documents nested types there, or keep them local`,
      `${view.name}.${column}`,
    );
  }
  return type;
}

/** Glue limits a field doc (`GLUE.fieldDocMaxLength`). */
function featureDoc(view: RegistryView, name: string): string {
  const description = view.features.find((f) => f.name === name)?.description ?? '';
  return description.slice(0, GLUE.fieldDocMaxLength.value);
}

/**
 * Iceberg table properties. Firehose commits once per buffer interval, and each commit writes a
 * new metadata file; the writer deletes all but the last hour of them at commit.
 * (`GLUE.metadataCleanupProperties`)
 */
export function icebergTableProperties(): Record<string, string> {
  const { deleteAfterCommit, previousVersionsMax } = GLUE.metadataCleanupProperties.value;
  const commitsPerHour = Math.ceil(3600 / OFFLINE_DEFAULTS.firehoseBufferInterval.toSeconds());
  return {
    'write.format.default': 'parquet',
    'write.parquet.compression-codec': 'zstd',
    [deleteAfterCommit]: 'true',
    [previousVersionsMax]: String(commitsPerHour),
  };
}

/**
 * The inference log's Iceberg table: `INFERENCE_LOG_COLUMNS` (the per-service fields as JSON
 * text, so the schema never changes with a definition), partitioned by `day(served_at)`.
 */
export function inferenceLogTableSpec(): IcebergTableSpec {
  const fields = INFERENCE_LOG_COLUMNS.map((c, i): IcebergField => ({
    id: i + 1,
    name: c.name,
    type: logIcebergType(c.kind),
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

/** A log column's Iceberg type: maps are their JSON text (primitive types only, as above). */
function logIcebergType(kind: LogColumnKind): IcebergPrimitiveType {
  switch (kind) {
    case 'string':
    case 'text_map':
    case 'int_map':
      return 'string';
    case 'int':
      return 'int';
    case 'timestamp':
      return 'timestamp';
    default:
      return assertNever(kind, 'log column kind');
  }
}
