/**
 * Offline rows of a backfill, written the way ingestion writes them: the offline row encoding
 * of `lib/ingest/offline-row.ts` through the local Firehose stand-in, so a backfilled row is
 * byte for byte the row a streamed record would have left (Parquet under
 * `<dir>/offline/<view>_v<version>/`). Local backfill writes into the data folder; the AWS
 * backfill writes into a scratch folder it then uploads.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { offlineTableName } from '../core/columns.ts';
import { offlineDeliveryStreamName } from '../core/naming.ts';
import { emptyRelation, localRelations } from '../export/offline-local.ts';
import { offlineRecordData, type OfflineSource } from '../ingest/offline-row.ts';
import { deliverOffline } from '../ingest/offline-writer.ts';
import { retryWorld } from '../core/retry.ts';
import { LocalFirehose } from '../local/firehose.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { SkewlessError } from '../core/errors.ts';

const NAMES = { prefix: 'skewless-backfill' } as const;
const CANDIDATES = '_sk_backfill_ids';

/** Writes rows as the view's offline Parquet under `dataDir`; resolves once the files exist. */
export async function writeOfflineRows(
  duckdb: DuckDBConnection,
  registry: Registry,
  dataDir: string,
  view: RegistryView,
  rows: readonly OfflineSource[],
  onWritten?: (done: number) => void,
): Promise<void> {
  const firehose = await LocalFirehose.create({ registry, names: NAMES, dataDir, duckdb });
  const stats = { calls: 0, records: 0, retriedEntries: 0 };
  const stream = offlineDeliveryStreamName(NAMES, view);
  try {
    // Chunks of 10k rows: a progress step each, and a bounded Firehose buffer.
    for (let from = 0; from < rows.length; from += 10_000) {
      const chunk = rows.slice(from, from + 10_000);
      const failed = await deliverOffline(
        firehose,
        stream,
        chunk.map((row, i) => ({ owner: from + i, data: offlineRecordData(view, row) })),
        { concurrency: 1, retry: retryWorld() },
        stats,
      );
      if (failed.size > 0)
        throw new SkewlessError(`${failed.size} backfill row(s) could not be written`);
      await firehose.flush();
      onWritten?.(from + chunk.length);
    }
  } finally {
    await firehose.close();
  }
}

/** The record ids among `ids` that the view's local offline store already holds. */
export async function storedRecordIds(
  duckdb: DuckDBConnection,
  registry: Registry,
  dataDir: string,
  view: RegistryView,
  ids: readonly string[],
): Promise<Set<string>> {
  const table = offlineTableName(view);
  const relation =
    (await localRelations(registry, dataDir, [{ name: view.name, table }])).get(table) ??
    emptyRelation(registry, view);
  const candidates = q(CANDIDATES);
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE ${candidates} (record_id VARCHAR)`);
  try {
    const appender = await duckdb.createAppender(CANDIDATES);
    for (const id of ids) {
      appender.appendVarchar(id);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
    const reader = await duckdb.runAndReadAll(
      `SELECT DISTINCT c.record_id FROM ${candidates} AS c SEMI JOIN ${relation} AS r ON r.record_id = c.record_id`,
    );
    return new Set(reader.getRowObjectsJS().map((r) => String(r['record_id'])));
  } finally {
    await duckdb.run(`DROP TABLE IF EXISTS ${candidates}`);
  }
}
