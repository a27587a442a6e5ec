/**
 * One contract for the online store, run against every implementation: the in-memory table of
 * the unit tests and dynalite (the DynamoDB API), written through the SDK adapter the ingest
 * Lambda uses and read back through both clients (the SDK and the lookup's lean JSON client).
 * The puts carry the real condition expressions (`newerThanStoredCondition`,
 * `sameRevisionCondition`), so the fake is held to what DynamoDB decides.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntityKey, type EntityKey } from '../../lib/core/entity-key.ts';
import {
  encodeOnlineItem,
  newerThanStoredCondition,
  onlineItemKey,
  type Item,
} from '../../lib/core/online-item.ts';
import { compareVersions } from '../../lib/core/ordering.ts';
import {
  emptyTileState,
  encodeTileItem,
  sameRevisionCondition,
} from '../../lib/core/tile-state.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import type { ConditionalPut, OnlineStoreWriter } from '../../lib/ingest/online-writer.ts';
import { LOCAL_AWS } from '../../lib/local/stack.ts';
import { getViewOfKind, isAggregationView } from '../../lib/registry/query.ts';
import type { RegistryView } from '../../lib/registry/types.ts';
import { batchGetAll, type OnlineStoreReader } from '../../lib/serve/batch-get.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { sdkDynamoDbReader } from '../../lib/serve/dynamodb-sdk-aws.ts';
import { registry, withStack } from '../serve/fixtures.ts';
import { MemoryOnline } from './fakes.ts';

const view = getViewOfKind(registry, 'airport_departures', 'plain');
const aggregates = registry.featureViews.find(isAggregationView)!;

interface OnlineStoreUnderTest {
  readonly writer: OnlineStoreWriter;
  /** Every way the store is read: each must see the same items. */
  readonly readers: readonly { readonly name: string; readonly reader: OnlineStoreReader }[];
  readonly table: string;
}

const stores: { name: string; open: () => Promise<OnlineStoreUnderTest> }[] = [];
let cleanup: (() => Promise<void>) | undefined;

stores.push({
  name: 'in-memory table',
  open: async () => {
    const memory = new MemoryOnline();
    return { writer: memory, readers: [{ name: 'memory', reader: memory }], table: 't' };
  },
});

let dynalite: OnlineStoreUnderTest | undefined;
stores.push({
  name: 'dynalite',
  open: async () => dynalite!,
});

beforeAll(async () => {
  const { stack, cleanup: stop } = await withStack();
  const lean = createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb });
  cleanup = async () => {
    lean.destroy();
    await stop();
  };
  dynalite = {
    writer: dynamoOnlineWriter(stack.dynamodb, stack.onlineTable),
    readers: [
      { name: 'SDK client', reader: sdkDynamoDbReader(stack.dynamodb) },
      { name: 'lean JSON client', reader: dynamoDbReader(lean) },
    ],
    table: stack.onlineTable,
  };
}, 30_000);

afterAll(async () => cleanup?.());

let keySeq = 0;
/** A fresh entity per case, so cases share one table without meeting. */
const freshKey = (): EntityKey => encodeEntityKey(view.joinKeys, { origin: `K${keySeq++}` });

function put(
  entityKey: EntityKey,
  eventTime: number,
  recordId: string,
  delay: number,
): ConditionalPut {
  const record = {
    entityKey,
    eventTime,
    ingestedAt: eventTime,
    recordId,
    values: { last_delay: delay },
  };
  return { Item: encodeOnlineItem(view, record), ...newerThanStoredCondition(record) };
}

async function readAll(store: OnlineStoreUnderTest, keys: readonly Item[]) {
  return Promise.all(
    store.readers.map(async ({ name, reader }) => {
      const { items } = await batchGetAll(reader, store.table, keys, {});
      return {
        name,
        items: [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      };
    }),
  );
}

async function stored(store: OnlineStoreUnderTest, entityKey: EntityKey, v: RegistryView = view) {
  const key = onlineItemKey(entityKey, v);
  const item = await store.writer.getItem(key);
  for (const read of await readAll(store, [key]))
    expect(read.items, read.name).toEqual(item ? [item] : []);
  return item;
}

describe.each(stores)('the online store contract: $name', ({ open }) => {
  it('writes a first value, and reads it back the same through every client', async () => {
    const store = await open();
    const k = freshKey();
    const p = put(k, 1000, 'r1', 7);
    expect(await store.writer.putIfNewer(p)).toBe('written');
    expect(await stored(store, k)).toEqual(p.Item);
  });

  it('keeps the newer value when an older record arrives later', async () => {
    const store = await open();
    const k = freshKey();
    await store.writer.putIfNewer(put(k, 2000, 'r1', 1));
    expect(await store.writer.putIfNewer(put(k, 1000, 'r9', 2))).toBe('stale');
    expect((await stored(store, k))!.record_id).toEqual({ S: 'r1' });
  });

  it('breaks an event-time tie by record id, and a redelivery changes nothing', async () => {
    const store = await open();
    const k = freshKey();
    await store.writer.putIfNewer(put(k, 1000, 'r2', 1));
    expect(await store.writer.putIfNewer(put(k, 1000, 'r1', 2))).toBe('stale');
    expect(await store.writer.putIfNewer(put(k, 1000, 'r2', 3))).toBe('stale');
    expect(await store.writer.putIfNewer(put(k, 1000, 'r3', 4))).toBe('written');
    expect((await stored(store, k))!.record_id).toEqual({ S: 'r3' });
  });

  it('writes a tile item only over the revision it read', async () => {
    const store = await open();
    const k = encodeEntityKey(
      aggregates.joinKeys,
      Object.fromEntries(
        aggregates.joinKeys.map((key) => [
          key.name,
          key.dtype === 'string' ? `A${keySeq++}` : keySeq++,
        ]),
      ),
    );
    const tile = (rev: number) => ({
      Item: encodeTileItem(aggregates, k, emptyTileState(), rev, 0),
      ...sameRevisionCondition(rev - 1),
    });
    expect(await store.writer.putIfNewer(tile(1))).toBe('written');
    expect(await store.writer.putIfNewer(tile(1))).toBe('stale');
    expect(await store.writer.putIfNewer(tile(2))).toBe('written');
    expect(await store.writer.putIfNewer(tile(4))).toBe('stale');
    expect((await stored(store, k, aggregates))!.rev).toEqual({ N: '2' });
  });

  it('converges to the greatest (event_time, record id) whatever the arrival order', async () => {
    const store = await open();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ t: fc.integer({ min: 0, max: 3 }), id: fc.constantFrom('a', 'b', 'é', 'z') }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (versions) => {
          const k = freshKey();
          for (const [i, v] of versions.entries())
            await store.writer.putIfNewer(put(k, v.t, v.id, i));
          const newest = [...versions]
            .map((v) => ({ eventTime: v.t, recordId: v.id }))
            .sort(compareVersions)
            .at(-1)!;
          const item = (await stored(store, k))!;
          expect([item.event_time, item.record_id]).toEqual([
            { N: String(newest.eventTime) },
            { S: newest.recordId },
          ]);
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});
