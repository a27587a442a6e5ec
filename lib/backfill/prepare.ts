/**
 * The pure half of a backfill: file rows in, offline rows of one view out. Each row passes the
 * ingest's own validation (`validateRecord` against the view's stream), keeps the `record_id`
 * it carries (a copy of stored rows keeps its ids) or gets one from its content
 * (`backfillRecordId`), and is stamped with the run's `ingested_at`. A bad row is reported with
 * its line and every problem; it never stops the rows around it.
 */
import { canonicalJson } from '../core/canonical-json.ts';
import { backfillRecordId } from '../core/ordering.ts';
import type { OfflineSource } from '../ingest/offline-row.ts';
import { streamSchema, validateRecord } from '../ingest/record.ts';
import type { RecordRow } from '../producer/read-file.ts';
import type { Registry, RegistryView } from '../registry/types.ts';

export interface BadRow {
  /** The file, when the rows came from several. */
  readonly file?: string;
  /** 1-based line of the file (CSV counts its header; Parquet: the row number). */
  readonly line: number;
  readonly message: string;
}

/** A file row, with the file it came from when there are several. */
export type SourcedRow = RecordRow & { readonly file?: string };

export interface PreparedBackfill {
  /** Valid rows, one per record id (a row repeated in the file counts once). */
  readonly rows: readonly OfflineSource[];
  readonly read: number;
  readonly bad: readonly BadRow[];
  /** Rows whose record id an earlier row of the same file already had. */
  readonly duplicates: number;
}

const RECORD_ID = 'record_id';

export async function prepareBackfill(
  registry: Registry,
  view: RegistryView,
  rows: AsyncIterable<SourcedRow>,
  ingestedAt: number,
  onRow?: (read: number) => void,
): Promise<PreparedBackfill> {
  const schema = streamSchema(registry, view.source.stream);
  const byId = new Map<string, OfflineSource>();
  const bad: BadRow[] = [];
  let read = 0;
  let duplicates = 0;
  for await (const row of rows) {
    read++;
    onRow?.(read);
    const at = row.file === undefined ? { line: row.line } : { file: row.file, line: row.line };
    if ('error' in row) {
      bad.push({ ...at, message: row.error });
      continue;
    }
    const { [RECORD_ID]: givenId, ...fields } = row.record;
    if (givenId !== undefined && (typeof givenId !== 'string' || givenId === '')) {
      bad.push({ ...at, message: `record_id must be a non-empty string` });
      continue;
    }
    const result = validateRecord(schema, fields);
    if (!result.ok) {
      bad.push({ ...at, message: result.problems.map((p) => p.message).join('; ') });
      continue;
    }
    const { record } = result;
    const recordId =
      givenId ??
      backfillRecordId(
        canonicalJson({ key: record.entityKey, t: record.eventTime, values: record.values }),
      );
    if (byId.has(recordId)) {
      duplicates++;
      continue;
    }
    byId.set(recordId, {
      keys: record.keys,
      values: record.values,
      eventTime: record.eventTime,
      ingestedAt,
      recordId,
    });
  }
  return { rows: [...byId.values()], read, bad, duplicates };
}
