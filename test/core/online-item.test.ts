import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { decodeOnlineItem, encodeOnlineItem, onlineItemKey } from '../../lib/core/online-item.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { allOf, makeDefinitions } from '../registry/fixtures.ts';

const { registry } = compileRegistry(allOf(makeDefinitions()));
const pair = registry.featureViews.find((v) => v.name === 'pair_stats')!;

describe('the online item codec', () => {
  it('keys an item by entity key and view version', () => {
    const key = encodeEntityKey(pair.joinKeys, { user_id: 7, merchant_id: 'm' });
    expect(onlineItemKey(key, pair)).toEqual({ pk: { S: 'i:7|s:m' }, sk: { S: 'pair_stats#v2' } });
  });

  it('round-trips every value, nulls and lists included', () => {
    fc.assert(
      fc.property(
        fc.record({
          visits: fc.option(fc.maxSafeInteger(), { nil: null }),
          embedding: fc.option(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })), {
            nil: null,
          }),
          eventTime: fc.integer({ min: 0, max: 4e12 }),
        }),
        ({ visits, embedding, eventTime }) => {
          const record = {
            entityKey: encodeEntityKey(pair.joinKeys, { user_id: 1, merchant_id: 'x' }),
            eventTime,
            ingestedAt: eventTime + 5,
            recordId: 'shardId-0:0001',
            values: {
              visits,
              embedding: embedding?.map((x) => (Object.is(x, -0) ? 0 : x)) ?? null,
            },
          };
          expect(decodeOnlineItem(pair, encodeOnlineItem(pair, record))).toEqual(record);
        },
      ),
    );
  });

  it('sets the garbage-collection TTL attribute past the feature ttl', () => {
    const item = encodeOnlineItem(pair, {
      entityKey: encodeEntityKey(pair.joinKeys, { user_id: 1, merchant_id: 'x' }),
      eventTime: 0,
      ingestedAt: 0,
      recordId: 'r',
      values: {},
    });
    expect(Number((item.expires_at as { N: string }).N)).toBeGreaterThan(pair.ttlMs / 1000);
  });
});
