/**
 * One bad record never blocks the records around it, a flush, or a shutdown ("Bad input" in
 * docs/semantics.md): on the local stack, raw records sent past the producer's checks are
 * dead-lettered by the ingest handler, and a row the Parquet writer cannot hold is set aside
 * with its reason while every other row lands.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { offlineDeliveryStreamName, sourceStreamName } from '../../lib/core/naming.ts';
import { onlineItemKey } from '../../lib/core/online-item.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { readLocalDeadLetters } from '../../lib/local/dead-letter.ts';
import { LocalFirehose, localOfflineDir } from '../../lib/local/firehose.ts';
import { startLocalIngest } from '../../lib/local/ingest.ts';
import { startLocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';

const { registry } = registryFromModule(defs);
const view = getView(registry, 'airport_departures');
const T = Date.UTC(2001, 0, 1, 10);
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bad-row-'));
  dirs.push(dir);
  return dir;
}

async function offlineOrigins(dataDir: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const glob = path.join(localOfflineDir(dataDir, view), '**', '*.parquet');
    const reader = await c.runAndReadAll(
      `SELECT origin FROM read_parquet('${glob}', hive_partitioning = true) ORDER BY origin`,
    );
    return reader.getRowObjectsJS().map((r) => String(r['origin']));
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

function row(origin: string, eventTimeMicros = T * 1000): string {
  return JSON.stringify({
    origin,
    event_time: eventTimeMicros,
    ingested_at: T * 1000,
    record_id: `r-${origin}`,
    last_delay: 1,
    last_destination: null,
    last_departed_late: false,
  });
}

describe('a bad row on the local stack', () => {
  it('is set aside by the Parquet writer while the rows around it land, and later flushes still work', async () => {
    const dataDir = await tempDir();
    const refused: string[] = [];
    const firehose = await LocalFirehose.create({
      registry,
      names: { prefix: 'p' },
      dataDir,
      onRefused: (_, rows) => void refused.push(...rows.map((r) => r.error)),
    });
    const stream = offlineDeliveryStreamName({ prefix: 'p' }, view);
    const put = (rows: string[]) =>
      firehose.putRecordBatch({
        DeliveryStreamName: stream,
        Records: rows.map((r) => ({ Data: Buffer.from(`${r}\n`) })),
      });
    // A lone surrogate: JSON can escape it, UTF-8 (so Parquet) cannot hold it.
    await put([row('AAA'), row('B\ud800'), row('CCC')]);
    await firehose.flush();
    expect(await offlineOrigins(dataDir)).toEqual(['AAA', 'CCC']);
    expect(refused).toHaveLength(1);
    expect(firehose.stats.refusedRows).toBe(1);

    await put([row('DDD')]);
    await firehose.close();
    expect(await offlineOrigins(dataDir)).toEqual(['AAA', 'CCC', 'DDD']);
  });

  it('dead-letters raw records the producer would refuse, stores the others, and stops cleanly', async () => {
    const dataDir = await tempDir();
    const stack = await startLocalStack({ registry, dataDir });
    const ingest = await startLocalIngest(stack, { clock: () => T + 60_000 });
    try {
      const good = (origin: string) => ({ origin, event_time: T, last_delay: 3 });
      const records = [
        good('AAA'),
        { ...good('SUR'), last_destination: 'L\ud800X' },
        { ...good('BIG'), last_delay: 2 ** 53 },
        { ...good('FAR'), event_time: 9000000000000000 },
        { ...good('FEB'), event_time: '2001-02-30T00:00:00Z' },
        { ...good('MID'), event_time: '2001-01-01T24:00:00Z' },
        { ...good('FUT'), event_time: T + 60_001 },
        good('ZZZ'),
      ];
      await stack.kinesis.send(
        new PutRecordsCommand({
          StreamName: sourceStreamName(stack.names, 'airport_departures'),
          Records: records.map((r) => ({
            PartitionKey: 's:X',
            Data: Buffer.from(JSON.stringify(r)),
          })),
        }),
      );
      await ingest.drain();
      const letters = await readLocalDeadLetters(dataDir);
      expect(
        letters.map((l) => [
          JSON.parse(Buffer.from(l.data_base64, 'base64').toString()).origin,
          l.reason,
        ]),
      ).toEqual([
        ['SUR', 'wrong-type'],
        ['BIG', 'wrong-type'],
        ['FAR', 'bad-event-time'],
        ['FEB', 'bad-event-time'],
        ['MID', 'bad-event-time'],
        ['FUT', 'future-event-time'],
      ]);
      expect(await offlineOrigins(dataDir)).toEqual(['AAA', 'ZZZ']);
      for (const [origin, stored] of [
        ['AAA', true],
        ['SUR', false],
        ['ZZZ', true],
      ] as const) {
        const item = await stack.dynamodb.send(
          new GetItemCommand({
            TableName: stack.onlineTable,
            Key: onlineItemKey(encodeEntityKey(view.joinKeys, { origin }), view) as never,
          }),
        );
        expect(item.Item !== undefined).toBe(stored);
      }
    } finally {
      await ingest.stop();
      await stack.stop();
    }
    // Stopped means stopped: the servers refuse connections.
    await expect(fetch(stack.endpoints.dynamodb)).rejects.toThrow();
    await expect(fetch(stack.endpoints.kinesis)).rejects.toThrow();
  });
});
