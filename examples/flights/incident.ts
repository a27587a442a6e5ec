/**
 * The incident the demo plants on its second served day: a writer behind the store's back. At
 * 06:00 a one-off script, run by hand outside skewless, "fixes" the route distances of one airport
 * to kilometres, straight into the online table (DynamoDB UpdateItem): not through the stream, so
 * the offline store, and every training set, still hold miles. Lookups of those routes serve
 * kilometres until the route's next flight streams in and the store writes the item again. The
 * skew check must call `route_flights__distance` skew, cause unexplained (the online store holds
 * a value that no record explains), and nothing else.
 */
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { decodeEntityKey, type EntityKey } from '../../lib/core/entity-key.ts';
import {
  decodeOnlineItem,
  encodeOnlineItem,
  ONLINE_KEY,
  onlineSortKey,
  type Item,
} from '../../lib/core/online-item.ts';
import { getView } from '../../lib/registry/query.ts';
import type { FlightsSlice } from './data.ts';
import type { DemoWorld } from './demo.ts';

export interface Incident {
  /** When it happens on the served day (epoch ms). */
  at(day: FlightsSlice): number;
  describe(day: FlightsSlice): string;
  plant(world: DemoWorld): Promise<PlantedIncident>;
}

/** What was planted: what the check should name. */
export interface PlantedIncident {
  readonly description: string;
  /** The service outputs whose served values it changed. */
  readonly outputs: readonly string[];
  /** The cause the check should give them. */
  readonly cause: 'unexplained';
  /** Online items rewritten. */
  readonly items: number;
}

const VIEW = 'route_flights';
const FEATURE = 'distance';
/** A hub in every slice the demo and its tests replay. */
const AIRPORT = 'DEN';
const KM_PER_MILE = 1.609344;
/** Before the morning's departures: each route's first flight of the day is asked about in km. */
const AT_MS = 6 * 3_600_000;

export const INCIDENT: Incident = {
  at: (day) => day.from + AT_MS,
  describe: () =>
    `at 06:00 a script outside skewless rewrites ${VIEW}.${FEATURE} of every route from ${AIRPORT} in kilometres, in the online table only`,
  async plant(world) {
    const view = getView(world.runtime.registry, VIEW);
    const { dynamodb, onlineTable } = world.store.stack;
    let items = 0;
    for (const item of await itemsOf(world, onlineSortKey(view))) {
      const stored = decodeOnlineItem(view, item);
      const keys = decodeEntityKey(view.joinKeys, stored.entityKey as EntityKey);
      const miles = stored.values[FEATURE];
      if (keys.origin !== AIRPORT || typeof miles !== 'number') continue;
      const km = Math.round(miles * KM_PER_MILE);
      const rewritten = { ...stored, values: { ...stored.values, [FEATURE]: km } };
      await dynamodb.send(
        new PutItemCommand({ TableName: onlineTable, Item: encodeOnlineItem(view, rewritten) }),
      );
      items++;
    }
    const output = world.service.features.find((f) => f.view === VIEW && f.feature === FEATURE);
    return {
      description: `${items} ${VIEW} items of routes from ${AIRPORT} rewritten in kilometres at 06:00, online only`,
      outputs: output ? [output.output] : [],
      cause: 'unexplained',
      items,
    };
  },
};

/** Every online item of one view (a scan: the demo's table is small). */
async function itemsOf(world: DemoWorld, sortKey: string): Promise<Item[]> {
  const { dynamodb, onlineTable } = world.store.stack;
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: onlineTable,
        FilterExpression: '#sk = :sk',
        ExpressionAttributeNames: { '#sk': ONLINE_KEY.sort },
        ExpressionAttributeValues: { ':sk': { S: sortKey } },
        ExclusiveStartKey: start as never,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
