import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isFreshAt,
  isInWindow,
  isNewer,
  isVisibleAt,
  kinesisRecordId,
  type RecordVersion,
} from '../../lib/core/ordering.ts';
import { resolveFeature } from '../../lib/core/defaults.ts';

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

  it('is the same for every redelivery of one record', () => {
    expect(
      kinesisRecordId('shardId-0', '49590338271490256608559692538361571095921575989136588898'),
    ).toBe(
      kinesisRecordId('shardId-0', '49590338271490256608559692538361571095921575989136588898'),
    );
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

  it('windows are (t - w, t]', () => {
    expect(isInWindow(0, 1000, 1000)).toBe(false);
    expect(isInWindow(1, 1000, 1000)).toBe(true);
    expect(isInWindow(1000, 1000, 1000)).toBe(true);
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
