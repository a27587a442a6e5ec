/**
 * `npm run bench -- materialize [splits=3]`: tiles of the `airport_delays` and `route_delays`
 * aggregation views rebuilt from the 3M raw departures of flights-3m.parquet (vega-datasets) as
 * each view's local offline Parquet, and written into dynalite with ingestion's conditional
 * write (`materializeTiles`: DuckDB reads the events that can still reach a window and every
 * shard's mark, the core folds and compares, the writer puts; the steps of `materializeTiles`,
 * timed apart). The clock is the data's end
 * (2001-07-01), so the 7-day windows hold the last week.
 *
 * The data holds 229 airports and 3,399 routes; each flight's origin is split into `splits`
 * keys by a hash of the flight (`SFO~0` … `SFO~2` at 3), so the same 3M events feed about ten
 * thousand entities. A rerun follows: it must write nothing.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as defs from '../feature_defs/index.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { flightsParquetPath } from '../examples/flights/data.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { localTileHistories } from '../lib/materialize/tile-source.ts';
import type { EntityKey } from '../lib/core/entity-key.ts';
import { rebuildFromHistory } from '../lib/core/tile-rebuild.ts';
import { oldestWindowStart, type TileState } from '../lib/core/tile-state.ts';
import { writeTileRebuilds, type TileRebuildResult } from '../lib/materialize/tile-writer.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { getViewOfKind } from '../lib/registry/query.ts';
import { stringLiteral } from '../lib/sql/literals.ts';
import { count } from './pit.ts';

const VIEWS = [
  ['airport_delays', 'origin, delay, distance'],
  ['route_delays', 'origin, destination, delay, distance'],
] as const;
const NOW = Date.parse('2001-07-01T00:01:00.000Z');

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const splits = Number(args[0] ?? 3);
  const { registry } = registryFromModule(defs);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-materialize-'));
  const stack = await startLocalStack({ registry, dataDir });
  const { duckdb } = stack;
  try {
    await duckdb.run(`SET threads = 2`);
    await duckdb.run(`
      CREATE TABLE history AS
      SELECT origin || '~' || CAST(hash(date, origin, destination, delay) % ${splits} AS VARCHAR) AS origin,
             destination, CAST(delay AS BIGINT) AS delay, CAST(distance AS BIGINT) AS distance,
             date AS event_time, date + INTERVAL 1 MINUTE AS ingested_at,
             'shardId-000000000000:' || lpad(CAST(row_number() OVER (ORDER BY date, origin, destination) AS VARCHAR), 40, '0') AS record_id
      FROM read_parquet(${stringLiteral(flightsParquetPath())})`);
    const events = await count(duckdb, 'SELECT count(*) FROM history');
    for (const [view, cols] of VIEWS) {
      const dir = path.join(dataDir, 'offline', `${view}_v1`);
      await mkdir(path.dirname(dir), { recursive: true });
      await duckdb.run(
        `COPY (SELECT ${cols}, event_time, ingested_at, record_id, strftime(event_time, '%Y-%m') AS event_date FROM history) TO ${stringLiteral(dir)} (FORMAT PARQUET, PARTITION_BY (event_date), FILENAME_PATTERN 'part-{uuid}')`,
      );
    }
    await duckdb.run('DROP TABLE history');
    const source = localTileHistories({ duckdb, registry, dataDir });
    const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
    // Timed in phases: the offline read (DuckDB), the fold, the compare-and-write (dynalite).
    const rebuildAll = async () => {
      const phases = { read: 0, fold: 0, write: 0 };
      const results: TileRebuildResult[] = [];
      for (const [name] of VIEWS) {
        const view = getViewOfKind(registry, name, 'aggregation');
        let t = performance.now();
        const histories = await source.histories(view, { after: oldestWindowStart(view, NOW) });
        phases.read += performance.now() - t;
        t = performance.now();
        const rebuilds = new Map<EntityKey, TileState>();
        for (const [key, history] of histories)
          rebuilds.set(key, rebuildFromHistory(view, history, NOW));
        phases.fold += performance.now() - t;
        t = performance.now();
        results.push(await writeTileRebuilds(online, view, rebuilds, { now: NOW }));
        phases.write += performance.now() - t;
      }
      const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
      return {
        results,
        seconds: seconds(phases.read + phases.fold + phases.write),
        phases: {
          read: seconds(phases.read),
          fold: seconds(phases.fold),
          write: seconds(phases.write),
        },
      };
    };
    const first = await rebuildAll();
    const again = await rebuildAll();
    const sum = (rs: TileRebuildResult[], k: 'entities' | 'written' | 'deferred' | 'failed') =>
      rs.reduce((n, r) => n + r[k], 0);
    return {
      events,
      key_splits: splits,
      clock: new Date(NOW).toISOString(),
      entities: sum(first.results, 'entities'),
      entities_per_view: Object.fromEntries(first.results.map((r) => [r.view, r.entities])),
      seconds: first.seconds,
      seconds_by_phase: first.phases,
      items_written: sum(first.results, 'written'),
      items_deferred: sum(first.results, 'deferred'),
      items_failed: sum(first.results, 'failed'),
      rerun_seconds: again.seconds,
      rerun_seconds_by_phase: again.phases,
      rerun_items_written: sum(again.results, 'written'),
      load: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
