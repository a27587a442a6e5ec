/**
 * Materialize against dynalite, checked by a brute-force oracle on random histories: after it,
 * each entity's online item is the newest of (what was online, every offline row) under the one
 * ordering rule; a fresher online value survives; a rerun writes nothing. And backfill's local
 * writer appends only record ids the offline store does not hold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { runLocalBackfill } from '../../lib/backfill/local.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { decodeOnlineItem, onlineItemKey, type OnlineRecord } from '../../lib/core/online-item.ts';
import { isNewer } from '../../lib/core/ordering.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { createOnlineTable, startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { runLocalMaterialize } from '../../lib/materialize/local.ts';
import { writeNewest } from '../../lib/materialize/materialize.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import { writeOfflineRecords, type OfflineRecord } from '../export/offline-fixture.ts';

const { registry } = registryFromModule(flights);
const view = getViewOfKind(registry, 'airport_departures', 'plain');
const T0 = Date.parse('2001-01-01T10:00:00.000Z');
const ORIGINS = ['SFO', 'LAX', 'JFK'] as const;

const version = fc.record({
  origin: fc.constantFrom(...ORIGINS),
  // Few distinct times and ids: ties on event_time, and on both (a redelivery).
  minute: fc.integer({ min: 0, max: 3 }),
  id: fc.constantFrom('a', 'b', 'shardId-1:7'),
  delay: fc.integer({ min: -5, max: 500 }),
});
type Version = typeof version extends fc.Arbitrary<infer V> ? V : never;

const keyOf = (origin: string) => encodeEntityKey(view.joinKeys, { origin });
const offline = (v: Version): OfflineRecord => ({
  keys: { origin: v.origin },
  values: { last_delay: v.delay, last_destination: null, last_departed_late: null },
  eventTime: T0 + v.minute * 60_000,
  ingestedAt: T0,
  recordId: v.id,
});
const online = (v: Version): OnlineRecord => ({
  entityKey: keyOf(v.origin),
  eventTime: T0 + v.minute * 60_000,
  ingestedAt: T0,
  recordId: v.id,
  values: { last_delay: v.delay, last_destination: null, last_departed_late: null },
});

describe('materialize', () => {
  let stack: LocalStack;
  let dir: string;
  let run = 0;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-materialize-'));
    stack = await startLocalStack({ registry, dataDir: dir });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function world() {
    const table = `materialize-${++run}`;
    await createOnlineTable(stack.dynamodb, table);
    return {
      dataDir: path.join(dir, `data-${run}`),
      table,
      writer: dynamoOnlineWriter(stack.dynamodb, table),
    };
  }

  async function item(table: string, origin: string): Promise<OnlineRecord | undefined> {
    const out = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: table,
        Key: onlineItemKey(keyOf(origin), view),
        ConsistentRead: true,
      }),
    );
    return out.Item ? decodeOnlineItem(view, out.Item as never) : undefined;
  }

  it('leaves the newest of online and offline per entity, and a rerun writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(version, { maxLength: 12 }),
        fc.uniqueArray(version, { maxLength: 3, selector: (v) => v.origin }),
        async (history, before) => {
          const w = await world();
          await writeNewest(w.writer, view, before.map(online));
          await writeOfflineRecords(stack.duckdb, w.dataDir, view, history.map(offline));
          const deps = { duckdb: stack.duckdb, registry, dataDir: w.dataDir, online: w.writer };

          const first = await runLocalMaterialize(deps, view);
          for (const origin of ORIGINS) {
            let expected: OnlineRecord | undefined;
            for (const v of [...before, ...history].filter((x) => x.origin === origin))
              if (isNewer(online(v), expected)) expected = online(v);
            const stored = await item(w.table, origin);
            expect(
              stored && { ...stored, values: { last_delay: stored.values.last_delay } },
            ).toEqual(
              expected && { ...expected, values: { last_delay: expected.values.last_delay } },
            );
          }
          expect(first.entities).toBe(new Set(history.map((v) => v.origin)).size);
          expect(first.written + first.kept).toBe(first.entities);

          const again = await runLocalMaterialize(deps, view);
          expect(again).toMatchObject({ written: 0, kept: first.entities, failed: 0 });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('materializes nothing for a view with no offline data', async () => {
    const w = await world();
    const result = await runLocalMaterialize(
      { duckdb: stack.duckdb, registry, dataDir: w.dataDir, online: w.writer },
      view,
    );
    expect(result).toEqual({ view: view.name, entities: 0, written: 0, kept: 0, failed: 0 });
  });

  it('backfills only record ids the offline store does not hold', async () => {
    const w = await world();
    const deps = { duckdb: stack.duckdb, registry, dataDir: w.dataDir };
    const rows = ORIGINS.map((origin, i) => ({
      keys: { origin },
      values: { last_delay: i, last_destination: null, last_departed_late: null },
      eventTime: T0,
      ingestedAt: T0,
      recordId: `backfill:${origin}`,
    }));
    expect(await runLocalBackfill(deps, view, rows.slice(0, 2))).toEqual({
      added: 2,
      alreadyStored: 0,
    });
    expect(await runLocalBackfill(deps, view, rows)).toEqual({ added: 1, alreadyStored: 2 });
    expect(await runLocalBackfill(deps, view, rows)).toEqual({ added: 0, alreadyStored: 3 });
    const counted = await stack.duckdb.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${w.dataDir}/offline/**/*.parquet')`,
    );
    expect(counted.getRowObjectsJS()[0]!['n']).toBe(3);
  });
});
