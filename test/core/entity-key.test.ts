import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntityKey, encodeEntityKey } from '../../lib/core/entity-key.ts';
import { ValidationError } from '../../lib/core/errors.ts';
import type { RegistryKey } from '../../lib/registry/types.ts';

const route: RegistryKey[] = [
  { name: 'origin', dtype: 'string' },
  { name: 'destination', dtype: 'string' },
];
const mixed: RegistryKey[] = [
  { name: 'user_id', dtype: 'int64' },
  { name: 'shop', dtype: 'string' },
];

const tuple = fc.record({
  user_id: fc.maxSafeInteger().map((n) => (n === 0 ? 0 : n)), // no -0: it has one canonical form, 0
  shop: fc.string({
    minLength: 1,
    maxLength: 20,
    unit: fc.constantFrom('a', '|', '\\', ':', 'é', 'x'),
  }),
});

describe('encodeEntityKey', () => {
  it('writes keys in declared order, type-tagged', () => {
    expect(encodeEntityKey(route, { destination: 'LAX', origin: 'SFO' })).toBe('s:SFO|s:LAX');
    expect(encodeEntityKey(mixed, { user_id: 42, shop: 'a|b' })).toBe('i:42|s:a\\|b');
  });

  it('round-trips any key tuple, separators and escapes included', () => {
    fc.assert(
      fc.property(tuple, (t) => {
        expect(decodeEntityKey(mixed, encodeEntityKey(mixed, t))).toEqual(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('never gives two different tuples the same key', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        const same = a.user_id === b.user_id && a.shop === b.shop;
        expect(encodeEntityKey(mixed, a) === encodeEntityKey(mixed, b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [{ origin: 'SFO' }, "join key 'destination' must be a non-empty string"],
    [
      { origin: 'SFO', destination: 7 },
      "join key 'destination' must be a non-empty string, got number 7",
    ],
    [
      { origin: 'SFO', destination: '\ud800' },
      "join key 'destination' must be a non-empty string, got string holds a lone surrogate (U+D800",
    ],
    [{ origin: '', destination: 'LAX' }, "join key 'origin' must be a non-empty string"],
  ])('rejects %j naming the key', (values, message) => {
    expect(() => encodeEntityKey(route, values)).toThrow(ValidationError);
    expect(() => encodeEntityKey(route, values)).toThrow(message);
  });

  it('rejects an int64 key that is not a safe integer', () => {
    expect(() => encodeEntityKey(mixed, { user_id: 1.5, shop: 'a' })).toThrow(
      "join key 'user_id' must be an int64",
    );
    expect(() => encodeEntityKey(mixed, { user_id: '1', shop: 'a' })).toThrow(
      "join key 'user_id' must be an int64",
    );
  });

  it('rejects a key longer than a Kinesis partition key may be', () => {
    expect(() => encodeEntityKey(route, { origin: 'x'.repeat(300), destination: 'y' })).toThrow(
      'limit is 256',
    );
  });
});
