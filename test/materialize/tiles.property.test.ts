/**
 * Property: a tile rebuild restores exactly what the stream builds. Random event streams go
 * through the real ingest core on dynalite (redeliveries, replays, crashes mid-batch); then an
 * item is deleted or corrupted (tiles or marks), or a batch reaches the offline store only.
 * `materialize` (or the heal, for a random subset of entities) rebuilds from the Parquet the
 * ingest delivered while more events stream in between its reads and writes (with their own
 * faults) and while the rebuild itself crashes at a random write. Then:
 * - every item the first run wrote or kept serves the oracle over all events (nothing lost or
 *   counted twice by the race), before any other run;
 * - once the offline store has caught up, a second run leaves every rebuilt entity equal to the
 *   brute-force oracle (`../windows/oracle.ts`) and to the export, at times at or after the
 *   clock; a third run writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntityKey, type EntityKey } from '../../lib/core/entity-key.ts';
import { onlineItemKey } from '../../lib/core/online-item.ts';
import { decodeTileItem, encodeTileItem } from '../../lib/core/tile-state.ts';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { healAggregationViews } from '../../lib/heal/heal.ts';
import { processKinesisBatch } from '../../lib/ingest/batch.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import type { OnlineStoreWriter } from '../../lib/ingest/online-writer.ts';
import { startLocalStack, LOCAL_AWS, type LocalStack } from '../../lib/local/stack.ts';
import { localTileHistories } from '../../lib/materialize/tile-source.ts';
import type { TileOutcome, TileRebuildResult } from '../../lib/materialize/tile-writer.ts';
import { materializeTiles } from '../../lib/materialize/tiles.ts';
import type { AggregationRegistryView } from '../../lib/registry/types.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { lookupFeatures } from '../../lib/serve/lookup.ts';
import { buildLookupPlans } from '../../lib/serve/plan.ts';
import { duckdbDialect } from '../../lib/sql/dialect.ts';
import { timestampLiteral, valueLiteral } from '../../lib/sql/literals.ts';
import { writeOfflineRecords } from '../export/offline-fixture.ts';
import { MemoryDeadLetters, MemoryOffline } from '../ingest/fakes.ts';
import { oracleAggregate } from '../windows/oracle.ts';
import {
  arrivals,
  draft,
  expectClose,
  kinesisRecord,
  NAMES,
  offlineEvents,
  ORIGINS,
  runtime,
  STEP,
  views,
} from '../windows/stream-fixture.ts';

const registry = runtime.registry;
const FAULTS = ['none', 'none', 'redeliver', 'crash', 'replay'] as const;

const scenario = fc.record({
  /** 2001, or an hour before 1970 (tiles of negative instants). */
  origin: fc.constantFrom(...ORIGINS),
  drafts: fc.array(draft, { minLength: 1, maxLength: 20 }),
  /** Events that stream in while the first rebuild runs. */
  later: fc.array(draft, { minLength: 1, maxLength: 10 }),
  order: fc.array(fc.nat(), { maxLength: 20 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
  firstClock: fc.integer({ min: 60, max: 250 }),
  clockSteps: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 8, maxLength: 8 }),
  faults: fc.array(fc.constantFrom(...FAULTS), { minLength: 8, maxLength: 8 }),
  damage: fc.constantFrom('delete', 'corrupt tiles', 'corrupt marks', 'drop batch'),
  victim: fc.nat(),
  /** The first rebuild dies at its n-th write (null: it does not). */
  crashAt: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  /** Heal only: which of the four (user, item) entities were served. */
  served: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  queries: fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 1, -1)), {
    minLength: 1,
    maxLength: 3,
  }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

let stack: LocalStack;
let dataDir: string;
let run = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-tiles-'));
  stack = await startLocalStack({ registry, dataDir, prefix: NAMES.prefix });
  await stack.duckdb.run("SET TimeZone = 'UTC'");
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The stream of one property run: the ingest core on dynalite, batch by batch. */
function streamOf(s: Scenario, prefix: string) {
  const payloads = arrivals([...s.drafts, ...s.later], s.order, s.origin, prefix);
  const seqOf = new Map<string, number>();
  const records = payloads.map((p) => {
    const shard = `shardId-${String(p.user_id).endsWith('u1') ? '000' : '001'}`;
    const seq = (seqOf.get(shard) ?? 0) + 1;
    seqOf.set(shard, seq);
    return kinesisRecord(p, shard, seq);
  });
  const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
  const offline = new MemoryOffline();
  const state = { clock: s.origin + s.firstClock * STEP, batch: 0 };
  const deliver = async (recs: KinesisStreamRecord[], to: OnlineStoreWriter) => {
    if (recs.length === 0) return;
    const result = await processKinesisBatch(
      { Records: recs },
      {
        registry,
        names: NAMES,
        online: to,
        offline,
        deadLetter: new MemoryDeadLetters(),
        clock: () => state.clock,
      },
    );
    expect(result.response.batchItemFailures).toEqual([]);
  };
  /** Delivers records [at, at + size) with the batch's fault; the clock then moves on. */
  const batch = async (at: number, size: number, to: OnlineStoreWriter = online) => {
    const b = state.batch++;
    const recs = records.slice(at, at + size);
    const f = s.faults[b % s.faults.length];
    if (f === 'crash') await deliver(recs.slice(0, recs.length >> 1), to);
    await deliver(recs, to);
    if (f === 'redeliver') await deliver(recs, to);
    if (f === 'replay') await deliver(records.slice(Math.max(0, at - 3), at + size), to);
    state.clock += s.clockSteps[b % s.clockSteps.length]! * STEP;
  };
  return { records, online, offline, state, batch, split: s.drafts.length };
}

const dropOnline = (online: OnlineStoreWriter): OnlineStoreWriter => ({
  putIfNewer: () => Promise.resolve('written'),
  getItem: (key) => online.getItem(key),
  getItems: (keys) => online.getItems(keys),
});

const ENTITIES = (prefix: string) =>
  ['u1', 'u2'].flatMap((u) => [0, 1].map((item) => ({ user_id: `${prefix}${u}`, item })));

/** The view's entity of a (user, item) pair, and its item key. */
function itemKeyOf(view: AggregationRegistryView, e: { user_id: string; item: number }) {
  const entityKey = encodeEntityKey(view.joinKeys, e);
  return { entityKey, key: onlineItemKey(entityKey, view) };
}

async function damage(s: Scenario, prefix: string): Promise<void> {
  if (s.damage === 'drop batch') return;
  const view = views[s.victim % 2]!;
  const { entityKey, key } = itemKeyOf(view, ENTITIES(prefix)[(s.victim >> 1) % 4]!);
  const TableName = stack.onlineTable;
  if (s.damage === 'delete') {
    await stack.dynamodb.send(new DeleteItemCommand({ TableName, Key: key }));
    return;
  }
  const read = await stack.dynamodb.send(
    new GetItemCommand({ TableName, Key: key, ConsistentRead: true }),
  );
  if (!read.Item) return;
  const { state, rev } = decodeTileItem(read.Item as never);
  if (s.damage === 'corrupt marks') state.seq = {};
  const feature = Object.keys(state.tiles)[0];
  const tiles = feature === undefined ? undefined : state.tiles[feature]!;
  const tile = tiles && Object.values(tiles)[0];
  if (tile) {
    tile.c += 1;
    tile.s += 7;
  }
  const item = encodeTileItem(view, entityKey, state, rev + 1, s.origin);
  await stack.dynamodb.send(new PutItemCommand({ TableName, Item: item as never }));
}

/** Lookups at `times` of the served entities equal the oracle over `offline`'s events. */
async function expectOracle(
  offline: MemoryOffline,
  prefix: string,
  times: readonly number[],
  checked: (view: AggregationRegistryView, e: { user_id: string; item: number }) => boolean,
  label: string,
) {
  const events = views.map((v) => offlineEvents(offline, v));
  const entities = ENTITIES(prefix);
  const reader = dynamoDbReader(
    createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }),
  );
  for (const t of times) {
    const out = await lookupFeatures(
      {
        plans: buildLookupPlans(runtime),
        store: reader,
        tableName: stack.onlineTable,
        clock: () => t,
      },
      { service: 'svc', entities },
      'req',
    );
    out.response.rows.forEach((row, r) => {
      views.forEach((view, v) => {
        if (!checked(view, entities[r]!)) return;
        for (const f of view.features) {
          const o = oracleAggregate(view, f.name, events[v]!, entities[r]!, t, Infinity);
          const output = `${view.name}__${f.name}`;
          expectClose(
            row.values[output] ?? null,
            o.value ?? f.default,
            `${label} ${output} at ${t} of ${JSON.stringify(entities[r])}`,
          );
        }
      });
    });
  }
}

/** The export of the same entities and times equals the online lookups' oracle. */
async function expectExport(
  offline: MemoryOffline,
  dir: string,
  prefix: string,
  times: readonly number[],
  checked: (view: AggregationRegistryView, e: { user_id: string; item: number }) => boolean,
) {
  const spine = times.flatMap((t) => ENTITIES(prefix).map((e) => ({ ...e, t })));
  await stack.duckdb.run(
    `CREATE OR REPLACE TABLE tile_spine AS SELECT * FROM (VALUES ${spine
      .map(
        (r) =>
          `(${valueLiteral(r.user_id, 'string', duckdbDialect)}, CAST(${r.item} AS BIGINT), ${timestampLiteral(r.t)})`,
      )
      .join(', ')}) AS x(user_id, item, t)`,
  );
  await exportPointInTimeLocal(
    { duckdb: stack.duckdb, dataDir: dir, runtime },
    {
      service: 'svc',
      spineTable: 'tile_spine',
      timeColumn: 't',
      asOf: { kind: 'instant', at: Date.parse('9000-01-01T00:00:00Z') },
      into: 'tile_out',
      dialect: 'duckdb-asof',
    },
  );
  const rows = (
    await stack.duckdb.runAndReadAll('SELECT * FROM tile_out ORDER BY _sk_row')
  ).getRowObjectsJS();
  const events = views.map((v) => offlineEvents(offline, v));
  rows.forEach((row, i) => {
    const r = spine[i]!;
    views.forEach((view, v) => {
      if (!checked(view, r)) return;
      for (const f of view.features) {
        const o = oracleAggregate(view, f.name, events[v]!, r, r.t, Infinity);
        const got = row[`${view.name}__${f.name}`];
        expectClose(
          typeof got === 'bigint' ? Number(got) : (got as FeatureValue),
          o.value ?? f.default,
          `export ${view.name}__${f.name} at ${r.t}`,
        );
      }
    });
  });
}

type Rebuild = (
  online: OnlineStoreWriter,
  now: number,
  onOutcome?: (key: EntityKey, o: TileOutcome) => void,
) => Promise<TileRebuildResult[]>;

async function property(s: Scenario, heal: boolean) {
  const prefix = `m${++run}`;
  const dir = path.join(dataDir, prefix);
  const stream = streamOf(s, prefix);
  const { state } = stream;

  // 1. The stream before the rebuild (one batch possibly reaching the offline store only).
  const batches: [number, number][] = [];
  for (let at = 0, b = 0; at < stream.split; b++) {
    const size = Math.min(s.batchSizes[b % s.batchSizes.length]!, stream.split - at);
    batches.push([at, size]);
    at += size;
  }
  const dropped = s.damage === 'drop batch' ? s.victim % batches.length : -1;
  for (const [i, [at, size]] of batches.entries())
    await stream.batch(at, size, i === dropped ? dropOnline(stream.online) : stream.online);
  const written = views.map(() => 0);
  const flushOffline = async () => {
    for (const [v, view] of views.entries()) {
      const events = offlineEvents(stream.offline, view);
      await writeOfflineRecords(stack.duckdb, dir, view, events.slice(written[v]));
      written[v] = events.length;
    }
  };
  await flushOffline();
  await damage(s, prefix);

  // 2. The rebuild, with the rest of the stream racing it (a batch before each read and write).
  const served = (view: AggregationRegistryView, e: { user_id: string; item: number }) =>
    !heal || s.served[(e.user_id.endsWith('u1') ? 0 : 2) + (view === views[0] ? 0 : e.item)]!;
  const rebuild: Rebuild = async (online, now, onOutcome) => {
    const source = localTileHistories({ duckdb: stack.duckdb, registry, dataDir: dir });
    if (!heal)
      return Promise.all(
        views.map((view) =>
          materializeTiles(source, online, view, { now, ...(onOutcome ? { onOutcome } : {}) }),
        ),
      );
    const entities = new Map(
      views.map((view) => [
        view.name,
        ENTITIES(prefix)
          .filter((e) => served(view, e))
          .map((e) => (view === views[0] ? { user_id: e.user_id } : e)),
      ]),
    );
    const report = await healAggregationViews(
      {
        registry,
        source,
        online,
        ...(onOutcome
          ? { onOutcome: (_v: string, key: EntityKey, o: TileOutcome) => onOutcome(key, o) }
          : {}),
      },
      { now, served: entities },
    );
    return [...report.views];
  };
  let next = stream.split;
  let chain = Promise.resolve();
  const streamOne = () =>
    (chain = chain.then(async () => {
      if (next >= stream.records.length) return;
      const size = s.batchSizes[state.batch % s.batchSizes.length]!;
      await stream.batch(next, size);
      next += size;
    }));
  let puts = 0;
  const racing: OnlineStoreWriter = {
    async getItem(key) {
      await streamOne();
      return stream.online.getItem(key);
    },
    getItems: (keys) => stream.online.getItems(keys),
    async putIfNewer(put) {
      await streamOne();
      if (++puts === s.crashAt) throw new Error('the rebuild crashed');
      return stream.online.putIfNewer(put);
    },
  };
  const firstOutcomes = new Map<EntityKey, TileOutcome>();
  await rebuild(racing, state.clock, (key, o) => firstOutcomes.set(key, o));
  while (next < stream.records.length) await streamOne();
  await chain;
  const final = state.clock;
  const times = s.queries.map(([k, d]) => final + k * STEP + d);
  // An item the first run wrote or kept has every event exactly once, stream included.
  await expectOracle(
    stream.offline,
    prefix,
    times,
    (view, e) => {
      const o = firstOutcomes.get(itemKeyOf(view, e).entityKey);
      return served(view, e) && o !== undefined && o !== 'deferred' && o !== 'failed';
    },
    'after the race',
  );

  // 3. The offline store catches up; a second run restores everything, a third writes nothing.
  await flushOffline();
  const second = await rebuild(stream.online, final);
  for (const r of second) expect(r, 'second run').toMatchObject({ deferred: 0, failed: 0 });
  await expectOracle(stream.offline, prefix, times, served, 'after the second run');
  await expectExport(stream.offline, dir, prefix, times, served);
  const third = await rebuild(stream.online, final + STEP);
  for (const r of third) expect(r, 'rerun').toMatchObject({ written: 0, deferred: 0, failed: 0 });
}

describe('tile rebuilds restore what the stream builds', () => {
  it('materialize: after lost, corrupted or missed items, with the stream racing it', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => property(s, false)),
      { numRuns: 15, seed: 26, endOnFailure: true },
    );
  }, 300_000);

  it('the heal: the served entities, with the stream racing it', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => property(s, true)),
      { numRuns: 8, seed: 62, endOnFailure: true },
    );
  }, 300_000);
});
