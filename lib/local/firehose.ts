/**
 * The local stand-in for Firehose → Iceberg: it takes PutRecordBatch calls (the offline rows of
 * `lib/ingest/offline-row.ts`, one JSON object per record), buffers them per delivery stream,
 * and appends Parquet files through DuckDB under
 * `<dataDir>/offline/<view>_v<version>/event_date=YYYY-MM-DD/part-<uuid>.parquet`, holding
 * exactly `offlineColumns(view)` (timestamps as TIMESTAMP, UTC instants). Readable with
 * `read_parquet('<dataDir>/offline/<table>/**\/*.parquet', hive_partitioning=true)`.
 *
 * Like Firehose, acceptance is not visibility: rows land in files on `flush()` (or when the
 * buffer fills). Tests inject partial failures per entry and whole-call failures.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckdbType, offlineColumns, offlineTableName } from '../core/columns.ts';
import { SkewlessError } from '../core/errors.ts';
import { offlineDeliveryStreamName, type ResourceNames } from '../core/naming.ts';
import { quoteIdentifier as quote, stringLiteral as literal } from '../sql/literals.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { BATCH_LIMITS } from '../core/chunked-send.ts';
import type {
  OfflineDelivery,
  PutRecordBatchInput,
  PutRecordBatchOutput,
} from '../ingest/offline-writer.ts';
import { storedViews } from '../registry/candidates.ts';

export interface LocalFirehoseOptions {
  readonly registry: Registry;
  readonly names: ResourceNames;
  readonly dataDir: string;
  /** A DuckDB connection (session TimeZone must be UTC); by default the stand-in opens its own. */
  readonly duckdb?: DuckDBConnection;
  /** Buffered records (all streams) that trigger a flush. @default 100_000 */
  readonly maxBufferedRecords?: number;
  /** Fault injection: fail this entry with ServiceUnavailableException (a partial failure). */
  readonly failEntry?: (deliveryStream: string, data: Uint8Array) => boolean;
  /** Fault injection: reject this whole call with ServiceUnavailableException. */
  readonly failCall?: (deliveryStream: string) => boolean;
  /** Rows DuckDB refused on flush, with its reason (Firehose's error output prefix). */
  readonly onRefused?: (
    view: RegistryView,
    rows: readonly { readonly row: string; readonly error: string }[],
  ) => Promise<void> | void;
}

export interface LocalFirehoseStats {
  calls: number;
  /** Records accepted. */
  records: number;
  failedEntries: number;
  failedCalls: number;
  files: number;
  /** Rows set aside on flush because DuckDB could not write them. */
  refusedRows: number;
}

/** An error shaped like the SDK's service exceptions (`name`, `$fault`). */
export class LocalServiceError extends SkewlessError {
  readonly $fault: 'client' | 'server';
  constructor(name: string, message: string, fault: 'client' | 'server') {
    super(message);
    this.name = name;
    this.$fault = fault;
  }
}

/** The offline directory of one view version (given as the view or its table name). */
export function localOfflineDir(
  dataDir: string,
  view: Pick<RegistryView, 'name' | 'version'> | string,
): string {
  return path.join(dataDir, 'offline', typeof view === 'string' ? view : offlineTableName(view));
}

export class LocalFirehose implements OfflineDelivery {
  readonly stats: LocalFirehoseStats = {
    calls: 0,
    records: 0,
    failedEntries: 0,
    failedCalls: 0,
    files: 0,
    refusedRows: 0,
  };
  private readonly views = new Map<string, RegistryView>();
  private readonly buffers = new Map<string, string[]>();
  private buffered = 0;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: LocalFirehoseOptions,
    private readonly duckdb: DuckDBConnection,
    private readonly ownInstance: DuckDBInstance | undefined,
  ) {
    for (const view of storedViews(options.registry))
      this.views.set(offlineDeliveryStreamName(options.names, view), view);
  }

  static async create(options: LocalFirehoseOptions): Promise<LocalFirehose> {
    if (options.duckdb) return new LocalFirehose(options, options.duckdb, undefined);
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    return new LocalFirehose(options, connection, instance);
  }

  async putRecordBatch(input: PutRecordBatchInput): Promise<PutRecordBatchOutput> {
    this.stats.calls++;
    const stream = input.DeliveryStreamName;
    if (this.closed) throw new LocalServiceError('ServiceUnavailableException', 'closed', 'server');
    if (!this.views.has(stream))
      throw new LocalServiceError(
        'ResourceNotFoundException',
        `Delivery stream ${stream} not found`,
        'client',
      );
    const bytes = input.Records.reduce((n, r) => n + r.Data.byteLength, 0);
    const limits = BATCH_LIMITS.firehose;
    if (input.Records.length > limits.maxEntries || bytes > limits.maxBytes)
      throw new LocalServiceError(
        'InvalidArgumentException',
        `PutRecordBatch takes ≤ ${limits.maxEntries} records and ≤ ${limits.maxBytes} bytes; got ${input.Records.length} records, ${bytes} bytes`,
        'client',
      );
    if (this.options.failCall?.(stream)) {
      this.stats.failedCalls++;
      throw new LocalServiceError('ServiceUnavailableException', 'injected call failure', 'server');
    }
    const buffer = this.buffers.get(stream) ?? [];
    this.buffers.set(stream, buffer);
    let failed = 0;
    const responses = input.Records.map((record) => {
      if (this.options.failEntry?.(stream, record.Data)) {
        failed++;
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'injected failure' };
      }
      buffer.push(Buffer.from(record.Data).toString('utf8').trimEnd());
      return { RecordId: randomUUID() };
    });
    const accepted = input.Records.length - failed;
    this.stats.records += accepted;
    this.stats.failedEntries += failed;
    this.buffered += accepted;
    if (this.buffered >= (this.options.maxBufferedRecords ?? 100_000)) await this.flush();
    return { FailedPutCount: failed, RequestResponses: responses };
  }

  /** Writes every buffered row to Parquet; resolves when the files are complete. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Flushes, then closes the stand-in's own DuckDB instance (if it opened one). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      // Closed even when the last flush failed: shutting down never hangs on a bad folder.
      this.closed = true;
      if (this.ownInstance) {
        this.duckdb.closeSync();
        this.ownInstance.closeSync();
      }
    }
  }

  private async flushNow(): Promise<void> {
    for (const [stream, rows] of this.buffers) {
      if (rows.length === 0) continue;
      const view = this.views.get(stream)!;
      this.buffers.set(stream, []);
      this.buffered -= rows.length;
      try {
        await this.writeRows(view, rows);
      } catch (error) {
        // Keep the rows: a failed flush must not lose accepted records.
        this.buffers.get(stream)!.unshift(...rows);
        this.buffered += rows.length;
        throw error;
      }
    }
  }

  /** Writes the rows; a row DuckDB cannot hold is set aside with its reason (`copyOrRefuse`). */
  private async writeRows(view: RegistryView, rows: readonly string[]): Promise<void> {
    const refused = await copyOrRefuse(rows, (some) => this.copy(view, some));
    if (refused.length === 0) return;
    this.stats.refusedRows += refused.length;
    await this.options.onRefused?.(view, refused);
  }

  private async copy(view: RegistryView, rows: readonly string[]): Promise<void> {
    const staging = path.join(this.options.dataDir, 'offline', '.staging');
    await mkdir(staging, { recursive: true });
    const file = path.join(staging, `${offlineTableName(view)}-${randomUUID()}.jsonl`);
    await writeFile(file, `${rows.join('\n')}\n`);
    try {
      await this.duckdb.run(copySql(view, file, localOfflineDir(this.options.dataDir, view)));
    } finally {
      await rm(file, { force: true });
    }
    this.stats.files++;
  }
}

/**
 * Writes the rows in one go; when DuckDB refuses the batch, writes them one by one so a row it
 * cannot hold (Firehose would send it to its error prefix) is set aside with its reason, and
 * never blocks the rows around it or any later flush. A failure the folder itself causes (no
 * space, no permission) fails every row, and so the call; rows that are all bad are all refused.
 */
/** DuckDB's errors about a row's content (as opposed to the folder or the engine). */
const DATA_ERROR = /^(Invalid Input|Conversion|Out of Range|Mismatch Type) Error/;

export async function copyOrRefuse<T>(
  rows: readonly T[],
  copy: (rows: readonly T[]) => Promise<void>,
): Promise<{ row: T; error: string }[]> {
  try {
    await copy(rows);
    return [];
  } catch (error) {
    if (rows.length === 1) throw error;
  }
  const refused: { row: T; error: string }[] = [];
  for (const row of rows) {
    try {
      await copy([row]);
    } catch (error) {
      refused.push({ row, error: (error as Error).message.split('\n')[0]! });
    }
  }
  // Every row refused for a reason that is not the rows' own (no space, no permission): the folder.
  if (refused.length === rows.length && !refused.every((r) => DATA_ERROR.test(r.error)))
    throw new SkewlessError(refused[0]!.error);
  return refused;
}

function copySql(view: RegistryView, jsonFile: string, outDir: string): string {
  const columns = offlineColumns(view);
  const spec = columns
    .map(
      (c) =>
        `${literal(c.name)}: ${literal(c.dtype === 'timestamp' ? 'BIGINT' : duckdbType(c.dtype))}`,
    )
    .join(', ');
  // Timestamps travel as epoch microseconds (see offline-row.ts); Parquet stores TIMESTAMP.
  const select = columns
    .map((c) =>
      c.dtype === 'timestamp'
        ? `make_timestamp(${quote(c.name)}) AS ${quote(c.name)}`
        : quote(c.name),
    )
    .join(', ');
  return (
    `COPY (SELECT ${select}, strftime(make_timestamp("event_time"), '%Y-%m-%d') AS event_date ` +
    `FROM read_json(${literal(jsonFile)}, format = 'newline_delimited', columns = {${spec}})) ` +
    `TO ${literal(outDir)} (FORMAT PARQUET, PARTITION_BY (event_date), APPEND, FILENAME_PATTERN 'part-{uuid}')`
  );
}
