/**
 * `skewless backfill` into an aggregation view ends with materialize, as for a plain view: the
 * raw history lands offline and each airport's tile item is rebuilt from it in the running
 * store (dynalite), serving the window over the backfilled events; `materialize` then writes
 * nothing, and rewrites an item deleted since (`missing item`). A new version of the view is
 * rebuilt from the events stored under the earlier one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as flights from '../../feature_defs/index.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { onlineItemKey } from '../../lib/core/online-item.ts';
import { decodeTileItem, tileValueAt } from '../../lib/core/tile-state.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { writeLocalEndpoints } from '../../lib/local/endpoints.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import type { AggregationRegistryView } from '../../lib/registry/types.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { localTileHistories } from '../../lib/materialize/tile-source.ts';
import { materializeTiles } from '../../lib/materialize/tiles.ts';

const { registry } = registryFromModule(flights as Record<string, unknown>);
const view = getViewOfKind(registry, 'airport_delays', 'aggregation');
const HOUR = 3_600_000;

let dir: string;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-tiles-cli-'));
  stack = await startLocalStack({ registry, dataDir: dir });
  await writeLocalEndpoints(dir, {
    ...stack.endpoints,
    prefix: stack.names.prefix,
    pid: process.pid,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
  try {
    await buildProgram().parseAsync(['node', 'skewless', ...args, '--data', dir, '--json']);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

async function itemOf(origin: string) {
  const key = onlineItemKey(encodeEntityKey(view.joinKeys, { origin }), view);
  const read = await stack.dynamodb.send(
    new GetItemCommand({ TableName: stack.onlineTable, Key: key, ConsistentRead: true }),
  );
  return { key, item: read.Item };
}

describe('backfill and materialize of an aggregation view', () => {
  it('backfill ends with the tiles rebuilt; materialize reruns write nothing and restore a lost item', async () => {
    // Recent departures (the CLI's clock is now): SFO 3 in the last day, one older than 7 days.
    const now = Date.now();
    const rows = [
      ['SFO', 'LAX', now - 2 * HOUR, 10],
      ['SFO', 'JFK', now - 5 * HOUR, 30],
      ['SFO', 'LAX', now - 20 * HOUR, 2],
      ['SFO', 'LAX', now - 9 * 24 * HOUR, 99],
      ['LAX', 'SFO', now - 3 * HOUR, 7],
    ] as const;
    const file = path.join(dir, 'history.csv');
    await writeFile(
      file,
      'origin,destination,event_time,delay,distance\n' +
        rows
          .map(([o, d, t, delay]) => `${o},${d},${new Date(t).toISOString()},${delay},300`)
          .join('\n') +
        '\n',
    );
    const first = await cli('backfill', '--view', view.name, '--file', file);
    expect(first).toMatchObject({
      valid: 5,
      added: 5,
      materialized: { view: view.name, entities: 2, written: 2, deferred: 0, failed: 0 },
    });
    expect((first.materialized as { causes: Record<string, number> }).causes['missing item']).toBe(
      2,
    );
    const { item } = await itemOf('SFO');
    const state = decodeTileItem(item as never).state;
    const t = Date.now();
    expect(tileValueAt(view, state, 'flights_24h', t).value).toBe(3);
    expect(tileValueAt(view, state, 'flights_7d', t).value).toBe(3);
    expect(tileValueAt(view, state, 'dep_delay_max_24h', t).value).toBe(30);
    expect(tileValueAt(view, state, 'late_7d', t).value).toBe(1);

    expect(await cli('materialize', '--view', view.name)).toMatchObject({ written: 0, kept: 2 });
    const { key } = await itemOf('LAX');
    await stack.dynamodb.send(new DeleteItemCommand({ TableName: stack.onlineTable, Key: key }));
    const healed = await cli('materialize', '--view', view.name);
    expect(healed).toMatchObject({ written: 1, kept: 1, causes: { 'missing item': 1 } });
    expect((await itemOf('LAX')).item).toBeDefined();
  }, 120_000);

  it('a new version is rebuilt from the events stored under the earlier one (--from-version)', async () => {
    // The same view at version 2 (as a version bump compiles it): its own items, an empty table.
    const v2: AggregationRegistryView = { ...view, version: 2 };
    const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
    const source = localTileHistories({ duckdb: stack.duckdb, registry, dataDir: dir });
    const now = Date.now();
    const empty = await materializeTiles(source, online, v2, { now });
    expect(empty.entities).toBe(0);
    const first = await materializeTiles(source, online, v2, { now, fromVersion: 1 });
    expect(first).toMatchObject({ entities: 2, written: 2, deferred: 0, failed: 0 });
    const key = onlineItemKey(encodeEntityKey(view.joinKeys, { origin: 'SFO' }), v2);
    const read = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.onlineTable, Key: key, ConsistentRead: true }),
    );
    const state = decodeTileItem(read.Item as never).state;
    expect(tileValueAt(v2, state, 'flights_24h', now).value).toBe(3);
    expect(await materializeTiles(source, online, v2, { now, fromVersion: 1 })).toMatchObject({
      written: 0,
      kept: 2,
    });
    await expect(materializeTiles(source, online, v2, { now, fromVersion: 2 })).rejects.toThrow(
      /not an earlier version/,
    );
  });
});
