import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isFreshAt,
  isNewer,
  isVisibleAt,
  kinesisRecordId,
  type RecordVersion,
} from '../../lib/core/ordering.ts';
import { resolveFeature } from '../../lib/core/defaults.ts';
import { processKinesisBatch } from '../../lib/ingest/batch.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import * as defs from '../../feature_defs/index.ts';
import {
  MemoryDeadLetters,
  MemoryOffline,
  MemoryOnline,
  STREAM_PREFIX,
  kinesisEvent,
} from '../ingest/fakes.ts';

const { registry } = registryFromModule(defs);

describe('kinesisRecordId', () => {
  it('orders record ids of one shard by sequence number, whatever their length', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 10n ** 64n - 1n }),
        (a, b) => {
          const ia = kinesisRecordId('shardId-000000000001', a.toString());
          const ib = kinesisRecordId('shardId-000000000001', b.toString());
          expect(ia < ib ? -1 : ia > ib ? 1 : 0).toBe(a < b ? -1 : a > b ? 1 : 0);
        },
      ),
    );
  });

  it('is a function of the shard and sequence number only, and tells records apart', () => {
    const shard = fc.constantFrom('shardId-000000000000', 'shardId-000000000001', 'shardId-1');
    // Small numbers too, so two shards often share one sequence number.
    const seq = fc.oneof(fc.bigInt({ min: 0n, max: 3n }), fc.bigInt({ min: 0n, max: 10n ** 56n }));
    fc.assert(
      fc.property(shard, seq, shard, seq, (s1, q1, s2, q2) => {
        const same = s1 === s2 && q1 === q2;
        expect(kinesisRecordId(s1, String(q1)) === kinesisRecordId(s2, String(q2))).toBe(same);
      }),
    );
  });

  it('is the same for every redelivery of one record through the ingest core', async () => {
    // A redelivery comes in another batch, at another position, with another arrival time.
    const first = kinesisEvent('airport_departures', [
      { origin: 'SFO', event_time: 1, last_delay: 1 },
      { origin: 'LAX', event_time: 2, last_delay: 2 },
      'poison',
    ]);
    const again = {
      Records: first.Records.slice(1).map((r) => ({
        ...r,
        kinesis: {
          ...r.kinesis,
          approximateArrivalTimestamp: r.kinesis.approximateArrivalTimestamp + 60,
        },
      })),
    };
    const ids = async (event: typeof first) => {
      const offline = new MemoryOffline();
      const deps = {
        registry,
        names: { prefix: STREAM_PREFIX },
        online: new MemoryOnline(),
        offline,
        deadLetter: new MemoryDeadLetters(),
        clock: () => event.Records.length * 1000,
      };
      const { deadLetters } = await processKinesisBatch(event, deps);
      const rows = [...offline.rows.values()].flat();
      return {
        lax: rows.find((r) => r.origin === 'LAX')?.record_id,
        poison: deadLetters[0]?.record_id,
      };
    };
    const [a, b] = [await ids(first), await ids(again)];
    expect(a.lax).toBe(kinesisRecordId('shardId-000000000000', '2'));
    expect(b).toEqual(a);
  });

  it('rejects something that is not a sequence number', () => {
    expect(() => kinesisRecordId('shardId-0', '12a')).toThrow(RangeError);
    expect(() => kinesisRecordId('shardId-0', '1'.repeat(65))).toThrow(RangeError);
  });
});

describe('the ordering rule', () => {
  const version = fc.record({
    eventTime: fc.integer({ min: 0, max: 5 }),
    recordId: fc.constantFrom('a', 'b', 'c'),
  });

  it('is a total order, and the newest of any set wins whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(version, { minLength: 1, maxLength: 12 }), (versions) => {
        let current: RecordVersion | undefined;
        for (const v of versions) if (isNewer(v, current)) current = v;
        const newest = [...versions].sort(compareVersions).at(-1)!;
        expect(compareVersions(current!, newest)).toBe(0);
      }),
    );
  });

  it('breaks an event-time tie by record id, and never replaces a value with its own redelivery', () => {
    expect(isNewer({ eventTime: 5, recordId: 'b' }, { eventTime: 5, recordId: 'a' })).toBe(true);
    expect(isNewer({ eventTime: 5, recordId: 'a' }, { eventTime: 5, recordId: 'b' })).toBe(false);
    expect(isNewer({ eventTime: 5, recordId: 'a' }, { eventTime: 5, recordId: 'a' })).toBe(false);
    expect(isNewer({ eventTime: 4, recordId: 'z' }, { eventTime: 5, recordId: 'a' })).toBe(false);
  });
});

describe('visibility at t', () => {
  it('shows an event at exactly t, not one a millisecond later', () => {
    expect(isVisibleAt(1000, 1000)).toBe(true);
    expect(isVisibleAt(1001, 1000)).toBe(false);
  });

  it('expires a value whose age is exactly the ttl (event_time > t - ttl offline)', () => {
    expect(isFreshAt(0, 999, 1000)).toBe(true);
    expect(isFreshAt(0, 1000, 1000)).toBe(false);
  });
});

describe('resolveFeature', () => {
  const feature = { default: 0 };
  it('reports missing with the default when nothing is stored', () => {
    expect(resolveFeature(feature, undefined, 10, 5)).toEqual({
      value: 0,
      status: 'missing',
      ageMs: null,
    });
  });
  it('reports missing for a value not yet true at t, as the offline join would not see it', () => {
    expect(resolveFeature(feature, { value: 7, eventTime: 11 }, 10, 5)).toEqual({
      value: 0,
      status: 'missing',
      ageMs: null,
    });
  });
  it('reports expired with the default at age >= ttl', () => {
    expect(resolveFeature(feature, { value: 7, eventTime: 5 }, 10, 5)).toEqual({
      value: 0,
      status: 'expired',
      ageMs: 5,
    });
  });
  it('serves the value under the ttl, and the default for a stored null', () => {
    expect(resolveFeature(feature, { value: 7, eventTime: 6 }, 10, 5)).toEqual({
      value: 7,
      status: 'present',
      ageMs: 4,
    });
    expect(resolveFeature(feature, { value: null, eventTime: 6 }, 10, 5)).toEqual({
      value: 0,
      status: 'present',
      ageMs: 4,
    });
    expect(
      resolveFeature({ default: null }, { value: null, eventTime: 6 }, 10, 5).value,
    ).toBeNull();
  });
});
