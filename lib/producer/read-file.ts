/**
 * Readers that turn a file into wire records for `putRecords`: CSV (through DuckDB, every cell
 * read as text and typed by the view's own dtypes with the shared text rules of
 * `lib/core/values.ts`, so a key like `007` stays a string), JSON
 * lines (parsed as is: JSON already carries types) and Parquet (through DuckDB, typed by the
 * file). Column names must be the stream's field names: join keys, `event_time`, features.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';
import { assertNever, type Dtype } from '../define/dtypes.ts';
import { SkewlessError } from '../core/errors.ts';
import { instantFromText, valueFromText } from '../core/values.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { streamSchema } from '../ingest/record.ts';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export class RecordFileError extends SkewlessError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`, options);
  }
}

/** The format a file name implies, or undefined. */
export function formatOfFile(file: string): FileFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  return undefined;
}

export interface ReadRecordsOptions {
  readonly registry: Registry;
  readonly view: RegistryView;
  /** @default inferred from the extension */
  readonly format?: FileFormat;
}

/** One row of a file: its record, or why it could not be read; `line` is 1-based (CSV counts the header). */
export type RecordRow =
  | { readonly line: number; readonly record: Record<string, unknown> }
  | { readonly line: number; readonly error: string };

/** Yields one plain record per row of the file. Null cells are left out (absent = null). */
export async function* readRecords(
  file: string,
  options: ReadRecordsOptions,
): AsyncGenerator<Record<string, unknown>> {
  for await (const row of readRecordRows(file, options)) {
    if ('error' in row) throw new RecordFileError(file, row.line, row.error);
    yield row.record;
  }
}

/**
 * Every row of the file with its line number; a row that cannot be read (not JSON, a cell
 * that is not its field's type) is yielded as an error and reading goes on (what `backfill`
 * needs to report bad rows and keep the rest). Errors about the file itself still throw.
 */
export async function* readRecordRows(
  file: string,
  options: ReadRecordsOptions,
): AsyncGenerator<RecordRow> {
  const format = options.format ?? formatOfFile(file);
  if (!format)
    throw new RecordFileError(
      file,
      undefined,
      `cannot tell the format from the extension; pass one of ${FILE_FORMATS.join(', ')}`,
    );
  try {
    await access(file);
  } catch (error) {
    throw new RecordFileError(file, undefined, 'file not found', { cause: error });
  }
  switch (format) {
    case 'jsonl':
      yield* readJsonLines(file);
      return;
    case 'csv':
    case 'parquet':
      yield* readWithDuckDb(file, format, fieldTypes(options.registry, options.view));
      return;
    default:
      assertNever(format, 'file format');
  }
}

async function* readJsonLines(file: string): AsyncGenerator<RecordRow> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield { line: n, record: JSON.parse(line) as Record<string, unknown> };
    } catch (error) {
      yield { line: n, error: `not JSON: ${(error as Error).message}` };
    }
  }
}

/** The dtype of every field a record of the view's stream may carry. */
function fieldTypes(registry: Registry, view: RegistryView): Map<string, Dtype | 'event_time'> {
  const schema = streamSchema(registry, view.source.stream);
  const types = new Map<string, Dtype | 'event_time'>();
  for (const k of schema.joinKeys) types.set(k.name, k.dtype);
  for (const [name, dtypes] of schema.features) types.set(name, dtypes[0]!);
  types.set('event_time', 'event_time');
  return types;
}

async function* readWithDuckDb(
  file: string,
  format: 'csv' | 'parquet',
  types: Map<string, Dtype | 'event_time'>,
): AsyncGenerator<RecordRow> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const source =
      format === 'csv'
        ? `read_csv($file, header = true, all_varchar = true)`
        : `read_parquet($file)`;
    const result = await connection.stream(`SELECT * FROM ${source}`, { file });
    let row = 0;
    for await (const rows of result.yieldRowObjectJs()) {
      for (const raw of rows) {
        row++;
        // CSV: the header is line 1. Parquet: the row number.
        const line = format === 'csv' ? row + 1 : row;
        const out: Record<string, unknown> = {};
        let error: string | undefined;
        for (const [name, value] of Object.entries(raw)) {
          if (value === null) continue;
          try {
            out[name] =
              format === 'csv'
                ? fromText(types.get(name), String(value))
                : fromJs(types.get(name), value);
          } catch (cause) {
            error = `${name}: ${(cause as Error).message}`;
            break;
          }
          if (out[name] === undefined) delete out[name];
        }
        yield error === undefined ? { line, record: out } : { line, error };
      }
    }
  } catch (error) {
    if (error instanceof RecordFileError) throw error;
    throw new RecordFileError(file, undefined, (error as Error).message, { cause: error });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Types one CSV cell by the field's dtype with the shared text rules (`valueFromText`: an int64
 * cell is decimal digits, so `0x10`, `1e3` or ` 12 ` are refused); an empty cell is absent.
 * Unknown fields stay text (validation then names them).
 */
function fromText(dtype: Dtype | 'event_time' | undefined, text: string): unknown {
  if (text === '') return undefined;
  if (dtype === undefined) return text;
  return dtype === 'event_time' ? instantFromText(text) : valueFromText(dtype, text);
}

/** DuckDB's JS values to wire values: BIGINT → number, TIMESTAMP → epoch ms / ISO. */
function fromJs(dtype: Dtype | 'event_time' | undefined, value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      throw new Error(`${value} is outside the safe integer range`);
    return Number(value);
  }
  if (value instanceof Date) return dtype === 'event_time' ? value.getTime() : value.toISOString();
  if (Array.isArray(value)) return value.map((v) => fromJs(undefined, v));
  return value;
}
