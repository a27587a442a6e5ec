/**
 * The offline row of one record for one view: the JSON object Firehose delivers into the view's
 * Iceberg table (and the local stand-in into Parquet). Its fields are exactly
 * `offlineColumns(view)`, in that order.
 *
 * Timestamp encoding: every `timestamp` column (`event_time`, `ingested_at` and timestamp
 * features) is a JSON integer of **epoch microseconds, UTC** — Firehose's Iceberg destination
 * requires timestamps "always in microseconds", and an integer keeps the instant exact (our
 * instants are whole milliseconds, so `ms * 1000` is always a safe integer). Other columns are
 * plain JSON: int64/float64 numbers, strings, booleans, arrays of numbers, null.
 */
import { assertNever, type FeatureValue } from '../define/dtypes.ts';
import { parseInstant } from '../core/values.ts';
import { offlineColumns, type OfflineColumn } from '../core/columns.ts';
import type { KeyValue } from '../core/entity-key.ts';
import type { RegistryView } from '../registry/types.ts';

export type OfflineCell = KeyValue | boolean | number[] | null;
export type OfflineRow = Record<string, OfflineCell>;

/** What an offline row is built from: a validated, stamped record. */
export interface OfflineSource {
  readonly keys: Readonly<Record<string, KeyValue>>;
  readonly values: Readonly<Record<string, FeatureValue>>;
  readonly eventTime: number;
  readonly ingestedAt: number;
  readonly recordId: string;
}

const columnCache = new WeakMap<RegistryView, OfflineColumn[]>();

function columnsOf(view: RegistryView): OfflineColumn[] {
  let columns = columnCache.get(view);
  if (!columns) {
    columns = offlineColumns(view);
    columnCache.set(view, columns);
  }
  return columns;
}

export function msToMicros(ms: number): number {
  return ms * 1000;
}

export function encodeOfflineRow(view: RegistryView, source: OfflineSource): OfflineRow {
  const row: OfflineRow = {};
  for (const column of columnsOf(view)) {
    switch (column.role) {
      case 'key':
        row[column.name] = source.keys[column.name] ?? null;
        break;
      case 'feature':
        row[column.name] = featureCell(column, source.values[column.name] ?? null);
        break;
      case 'event_time':
        row[column.name] = msToMicros(source.eventTime);
        break;
      case 'ingested_at':
        row[column.name] = msToMicros(source.ingestedAt);
        break;
      case 'record_id':
        row[column.name] = source.recordId;
        break;
      default:
        assertNever(column.role, 'column role');
    }
  }
  return row;
}

/** The bytes of one Firehose record: the row's JSON and a newline (so S3 objects stay JSON lines). */
export function offlineRecordData(view: RegistryView, source: OfflineSource): Uint8Array {
  return Buffer.from(`${JSON.stringify(encodeOfflineRow(view, source))}\n`);
}

function featureCell(column: OfflineColumn, value: FeatureValue): OfflineCell {
  if (value === null) return null;
  if (column.dtype === 'timestamp') {
    const ms = parseInstant(value);
    return ms === undefined ? null : msToMicros(ms);
  }
  return value;
}
