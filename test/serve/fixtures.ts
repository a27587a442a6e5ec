/** Shared fixtures of the serving tests: the flights registry, a local stack, item writers. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView, getViewOfKind } from '../../lib/registry/query.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { encodeOnlineItem, type Item } from '../../lib/core/online-item.ts';
import { emptyTileState, encodeTileItem, foldTileState } from '../../lib/core/tile-state.ts';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';

export const runtime = registryFromModule(defs);
export const registry = runtime.registry;
export const T0 = Date.parse('2001-03-01T12:00:00.000Z');

export async function withStack(): Promise<{ stack: LocalStack; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-serve-'));
  const stack = await startLocalStack({ registry, dataDir });
  return {
    stack,
    cleanup: async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let recordSeq = 0;

/** The item the ingest would store for one record of `viewName`. */
export function itemFor(
  viewName: string,
  keys: Record<string, string | number>,
  values: Record<string, FeatureValue>,
  eventTime: number,
): Item {
  const view = getView(registry, viewName);
  return encodeOnlineItem(view, {
    entityKey: encodeEntityKey(view.joinKeys, keys),
    eventTime,
    ingestedAt: eventTime + 1,
    recordId: `shard-0:${String(++recordSeq).padStart(40, '0')}`,
    values,
  });
}

/** The tile item the ingest would store for an aggregation view's events, folded at `now`. */
export function tileItemFor(
  viewName: string,
  keys: Record<string, string | number>,
  events: readonly { eventTime: number; values: Record<string, FeatureValue> }[],
  now: number,
): Item {
  const view = getViewOfKind(registry, viewName, 'aggregation');
  const state = emptyTileState();
  foldTileState(
    view,
    state,
    events.map((e) => ({ ...e, recordId: `shard-0:${String(++recordSeq).padStart(40, '0')}` })),
    now,
  );
  return encodeTileItem(view, encodeEntityKey(view.joinKeys, keys), state, 1, now);
}

export async function putItems(stack: LocalStack, items: readonly Item[]): Promise<void> {
  for (const item of items) {
    await stack.dynamodb.send(
      new PutItemCommand({ TableName: stack.onlineTable, Item: item as never }),
    );
  }
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
