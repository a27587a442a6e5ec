import { describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { DYNAMODB, dynamoItemBytes, type SizedAttribute } from '../../lib/aws-rules/dynamodb.ts';
import type { EntityKey } from '../../lib/core/entity-key.ts';
import { MAX_ENTITY_KEY_LENGTH } from '../../lib/core/entity-key.ts';
import { kinesisRecordId } from '../../lib/core/ordering.ts';
import { emptyTileState, encodeTileItem, foldTileState } from '../../lib/core/tile-state.ts';
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureService,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { largestOnlineItem, planItemSizes } from '../../lib/registry/item-size.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';

const { registry } = registryFromModule(defs);
const HOUR = 3_600_000;

describe('dynamoItemBytes (DynamoDB’s item size rules)', () => {
  it('counts names and UTF-8 values, numbers by significant digits, 3 bytes per map plus 1 per element', () => {
    expect(dynamoItemBytes({ ab: { S: 'é' } })).toBe(2 + 2);
    expect(dynamoItemBytes({ n: { N: '12345' } })).toBe(1 + 3 + 1);
    expect(dynamoItemBytes({ n: { N: '-0.00120' } })).toBe(1 + 1 + 1);
    expect(dynamoItemBytes({ m: { M: { x: { BOOL: true }, y: { NULL: true } } } })).toBe(
      1 + 3 + (1 + 1 + 1) * 2,
    );
  });
});

describe('the largest online item of an aggregation view', () => {
  const view = getViewOfKind(registry, 'airport_delays', 'aggregation');
  const worst = largestOnlineItem(view);

  it('holds w/g tiles per feature (airport_delays: 12 + 3 × 24 + 2 × 168)', () => {
    expect(worst.tiles).toBe(420);
    expect(worst.fits).toBe(true);
    expect(worst.writeUnitsPerRewrite).toBe(Math.ceil(worst.maxItemBytes / 1024));
    expect(worst.readUnits).toBe(Math.ceil(worst.maxItemBytes / 4096) / 2);
  });

  it('bounds what the real fold writes: an event in every tile, every shard, the longest values', () => {
    const now = Date.UTC(2001, 0, 8, 0, 30);
    const events = [];
    for (let t = now - 7 * 24 * HOUR + 60_000; t <= now; t += 60_000) {
      events.push({
        eventTime: t,
        recordId: kinesisRecordId('shardId-000000000003', String(t).padStart(56, '9')),
        values: { delay: 1.5939726381297065e125 + t, distance: 1 },
      });
    }
    const state = emptyTileState();
    foldTileState(view, state, events, now);
    const folded = Object.values(state.tiles).reduce((n, t) => n + Object.keys(t).length, 0);
    expect(folded).toBe(worst.tiles);
    const key = 'k'.repeat(MAX_ENTITY_KEY_LENGTH) as EntityKey;
    const real = dynamoItemBytes(
      encodeTileItem(view, key, state, 12, now) as Record<string, SizedAttribute>,
    );
    expect(real).toBeLessThanOrEqual(worst.maxItemBytes);
    expect(real).toBeGreaterThan(worst.maxItemBytes * 0.5);
  });

  it('sums a service’s read units over the views one lookup row reads', () => {
    const plan = planItemSizes(registry);
    const service = plan.services.find((s) => s.service === 'departure_delay_model')!;
    const units = plan.views.reduce((n, v) => n + v.readUnits, 0);
    expect(service.readUnitsPerRow).toBe(units);
    expect(plan.tooLarge).toEqual([]);
  });

  it('is refused past 400 KB, naming the view', () => {
    const shop = defineEntity({ name: 'shop', keys: { shop_id: 'string' } });
    const sales = defineEventStream({
      name: 'sales',
      entities: [shop],
      partitionKey: ['shop_id'],
      columns: { amount: 'float64' },
    });
    const minuteTiles = defineAggregationView({
      name: 'shop_minutes',
      entities: [shop],
      stream: sales,
      owner: 'o@example.com',
      features: (a) => ({
        amount_sum_30d: a.sum('amount', { window: '30d', tile: '1m' }),
      }),
    });
    const service = defineFeatureService({ name: 'shop_model', features: [minuteTiles] });
    const plan = planItemSizes(compileRegistry([shop, sales, minuteTiles, service]).registry);
    expect(plan.tooLarge.map((v) => v.view)).toEqual(['shop_minutes']);
    expect(plan.tooLarge[0]!.tiles).toBe(30 * 24 * 60);
    expect(plan.tooLarge[0]!.maxItemBytes).toBeGreaterThan(DYNAMODB.itemMaxBytes.value);
  });
});
