/**
 * `npm run bench -- backfill [records=100000]`: flights departures written as a JSON lines
 * file, backfilled into the local offline store (read, ingestion's validation, stable ids,
 * Parquet), then materialized into dynalite (newest per airport, conditional puts). A rerun of
 * both follows: it must add nothing and write nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as defs from '../feature_defs/index.ts';
import { runLocalBackfill } from '../lib/backfill/local.ts';
import { prepareBackfill } from '../lib/backfill/prepare.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { flightsRecords } from '../examples/flights/data.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { runLocalMaterialize } from '../lib/materialize/local.ts';
import { readRecordRows } from '../lib/producer/read-file.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { getViewOfKind } from '../lib/registry/query.ts';

const VIEW = 'airport_departures';
const DAY = 86_400_000;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const wanted = Number(args[0] ?? 100_000);
  const { registry } = registryFromModule(defs);
  const view = getViewOfKind(registry, VIEW, 'plain');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-backfill-'));
  const stack = await startLocalStack({ registry, dataDir });
  try {
    const from = Date.parse('2001-01-01T00:00:00Z');
    const records = (await flightsRecords(stack.duckdb, VIEW, { from, to: from + 60 * DAY })).slice(
      0,
      wanted,
    );
    const file = path.join(dataDir, 'history.jsonl');
    await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const deps = { duckdb: stack.duckdb, registry, dataDir };
    const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);

    const timed = async () => {
      const t0 = performance.now();
      const prepared = await prepareBackfill(
        registry,
        view,
        readRecordRows(file, { registry, view }),
        Date.now(),
      );
      const stored = await runLocalBackfill(deps, view, prepared.rows);
      const t1 = performance.now();
      const materialized = await runLocalMaterialize({ ...deps, online }, view);
      const t2 = performance.now();
      return { prepared, stored, materialized, backfillMs: t1 - t0, materializeMs: t2 - t1 };
    };
    const first = await timed();
    const again = await timed();
    return {
      records: records.length,
      bad_rows: first.prepared.bad.length,
      repeated_in_file: first.prepared.duplicates,
      backfill_ms: Math.round(first.backfillMs),
      backfill_rows_per_s: Math.round(records.length / (first.backfillMs / 1000)),
      rows_added: first.stored.added,
      entities: first.materialized.entities,
      materialize_ms: Math.round(first.materializeMs),
      materialize_entities_per_s: Math.round(
        first.materialized.entities / (first.materializeMs / 1000),
      ),
      rerun_rows_added: again.stored.added,
      rerun_items_written: again.materialized.written,
      rerun_backfill_ms: Math.round(again.backfillMs),
      load: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
