/**
 * The largest online item each view can write, measured in DynamoDB's own terms
 * (`dynamoItemBytes`) on the real encoders (`encodeTileItem`, `encodeOnlineItem`), and what
 * reading and rewriting it costs. An aggregation view's item holds, per feature, the tiles its
 * window can still reach at the write's clock, so its size is bounded by its definition: `plan`
 * refuses a view whose item could pass DynamoDB's 400 KB.
 *
 * Worst cases, stated once: every numeric field at its longest JSON spelling (a count of 2^53 - 1,
 * a double of 17 significant digits and a 3-digit exponent, an instant in year 9999), a record id
 * of the longest shard id and sequence number, one high-water mark per shard an on-demand
 * stream starts with. What the definitions do not bound is assumed and named in the report:
 * string values, and an event-id stream's ids (one per event still inside the longest window).
 */
import {
  DYNAMODB,
  dynamoItemBytes,
  readUnits,
  writeUnits,
  type SizedAttribute,
} from '../aws-rules/dynamodb.ts';
import { KINESIS } from '../aws-rules/kinesis.ts';
import { assertNever, type Dtype, type FeatureValue } from '../define/dtypes.ts';
import { MAX_ENTITY_KEY_LENGTH, type EntityKey } from '../core/entity-key.ts';
import { encodeOnlineItem, type Item } from '../core/online-item.ts';
import { SEQUENCE_WIDTH } from '../core/ordering.ts';
import { encodeTileItem, type TileState } from '../core/tile-state.ts';
import { tileStart, windowStart, type TilePartial } from '../core/windows.ts';
import type {
  AggregationRegistryView,
  Registry,
  RegistryAggregate,
  RegistryView,
} from './types.ts';
import { storedViews } from './candidates.ts';

/** A string value's size where the definitions do not bound it. */
export const ASSUMED_STRING_BYTES = 100;

const WORST = {
  count: Number.MAX_SAFE_INTEGER,
  double: -1.5939726381297065e125,
  instant: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  recordId: `shardId-000000000000:${'9'.repeat(SEQUENCE_WIDTH)}`,
  shards: KINESIS.onDemandInitialShards.value,
} as const;

export interface ViewItemSize {
  readonly view: string;
  readonly version: number;
  /** Tiles the item holds at most (0 for a plain view). */
  readonly tiles: number;
  readonly maxItemBytes: number;
  /** Read units of the item in a lookup's (eventually consistent) BatchGetItem. */
  readonly readUnits: number;
  /** Write units of one rewrite: a PutItem over an item of the same size. */
  readonly writeUnitsPerRewrite: number;
  readonly fits: boolean;
  /** What the figure assumes beyond the definitions. */
  readonly assumptions: readonly string[];
}

export interface ServiceReadUnits {
  readonly service: string;
  /** Read units per entity row of a lookup (every view's item, each rounded up to 4 KB). */
  readonly readUnitsPerRow: number;
}

export interface ItemSizePlan {
  readonly views: readonly ViewItemSize[];
  readonly services: readonly ServiceReadUnits[];
  readonly tooLarge: readonly ViewItemSize[];
}

export function planItemSizes(registry: Registry): ItemSizePlan {
  const views = storedViews(registry).map(largestOnlineItem);
  const byView = new Map(views.map((v) => [`${v.view}#${v.version}`, v]));
  const services = registry.featureServices.map((s) => {
    const read = new Set(s.features.map((f) => `${f.view}#${f.version}`));
    const units = [...read].reduce((sum, key) => sum + (byView.get(key)?.readUnits ?? 0), 0);
    return { service: s.name, readUnitsPerRow: units };
  });
  return { views, services, tooLarge: views.filter((v) => !v.fits) };
}

export function largestOnlineItem(view: RegistryView): ViewItemSize {
  const key = 'k'.repeat(MAX_ENTITY_KEY_LENGTH) as EntityKey;
  const assumptions: string[] = [];
  let item: Item;
  let tiles = 0;
  switch (view.kind) {
    case 'aggregation': {
      const state = worstTileState(view, WORST.instant, assumptions);
      tiles = Object.values(state.tiles).reduce((n, t) => n + Object.keys(t).length, 0);
      item = encodeTileItem(view, key, state, WORST.count, WORST.instant);
      break;
    }
    case 'plain': {
      const values = Object.fromEntries(
        view.features.map((f) => [f.name, worstValue(f.dtype, assumptions)]),
      );
      item = encodeOnlineItem(view, {
        entityKey: key,
        eventTime: WORST.instant,
        ingestedAt: WORST.instant,
        recordId: WORST.recordId,
        values,
      });
      break;
    }
    default:
      return assertNever(view, 'view kind');
  }
  const bytes = dynamoItemBytes(item as Record<string, SizedAttribute>);
  return {
    view: view.name,
    version: view.version,
    tiles,
    maxItemBytes: bytes,
    readUnits: readUnits(bytes, 'eventual'),
    writeUnitsPerRewrite: writeUnits(bytes, bytes),
    fits: bytes <= DYNAMODB.itemMaxBytes.value,
    assumptions: [...new Set(assumptions)],
  };
}

/**
 * The fullest state a write at clock `now` leaves: per feature, a partial in every tile its
 * window still reaches (`windowStart`..`tileStart(now)`, the range the write keeps).
 */
function worstTileState(
  view: AggregationRegistryView,
  now: number,
  assumptions: string[],
): TileState {
  const state: TileState = { seq: {}, tiles: {}, pending: [], ids: {} };
  for (let s = 0; s < WORST.shards; s++)
    state.seq[`shardId-${String(s).padStart(12, '0')}`] = '9'.repeat(SEQUENCE_WIDTH);
  for (const f of view.features) {
    const a = f.aggregate;
    const column = view.aggregation.columns.find((c) => c.name === a.column);
    const tiles: Record<string, TilePartial> = {};
    const last = tileStart(now, a.tileMs);
    for (let start = windowStart(now, a.windowMs, a.tileMs); start <= last; start += a.tileMs)
      tiles[String(start)] = worstPartial(a, column?.dtype, assumptions);
    state.tiles[f.name] = tiles;
  }
  if (view.aggregation.eventId)
    assumptions.push('plus the ids of the events inside the longest window (event-id stream)');
  return state;
}

function worstPartial(a: RegistryAggregate, dtype: Dtype | undefined, assumptions: string[]) {
  const p: TilePartial = { c: WORST.count, s: 0, m: null, l: null, e: WORST.instant };
  if (a.fn === 'sum' || a.fn === 'mean') p.s = WORST.double;
  if (a.fn === 'min' || a.fn === 'max') p.m = WORST.double;
  if (a.fn === 'last')
    p.l = [WORST.instant, WORST.recordId, worstValue(dtype ?? 'float64', assumptions)];
  return p;
}

function worstValue(dtype: Dtype, assumptions: string[]): FeatureValue {
  switch (dtype) {
    case 'int64':
      return -Number.MAX_SAFE_INTEGER;
    case 'float64':
      return WORST.double;
    case 'bool':
      return false;
    case 'timestamp':
      return new Date(WORST.instant).toISOString();
    case 'string':
      assumptions.push(`string values of ${ASSUMED_STRING_BYTES} bytes`);
      return 'x'.repeat(ASSUMED_STRING_BYTES);
    case 'float64_list':
      assumptions.push(`lists of ${ASSUMED_STRING_BYTES / 4} values`);
      return Array.from({ length: ASSUMED_STRING_BYTES / 4 }, () => WORST.double);
  }
}

/** One line per view, then per service, for `skewless plan`. */
export function formatItemSizes(plan: ItemSizePlan): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const lines = plan.views.map((v) => {
    const tiles = v.tiles > 0 ? `${v.tiles} tiles, ` : '';
    const note = v.assumptions.length > 0 ? ` (assumes ${v.assumptions.join('; ')})` : '';
    return `${v.fits ? ' ' : '!'} ${v.view} v${v.version}: largest item ${kb(v.maxItemBytes)} (${tiles}limit ${kb(DYNAMODB.itemMaxBytes.value)}); ${v.readUnits} read units per lookup, ${v.writeUnitsPerRewrite} write units per rewrite${note}`;
  });
  const services = plan.services.map(
    (s) => `  service ${s.service}: at most ${s.readUnitsPerRow} read units per entity row`,
  );
  return ['Online items (worst case, DynamoDB sizes):', ...lines, ...services].join('\n');
}
