import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coerceValue,
  INSTANT_LIMITS,
  instantProblem,
  jsonDepth,
  NUMBER_LIMITS,
  parseInstant,
  stringProblem,
  valueFromText,
} from '../../lib/core/values.ts';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('parseInstant', () => {
  it('reads back every instant of years 0001-9999 from its ISO text and its epoch ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: INSTANT_LIMITS.minMs, max: INSTANT_LIMITS.maxMs }), (ms) => {
        expect(parseInstant(new Date(ms).toISOString())).toBe(ms);
        expect(parseInstant(ms)).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a written date and time exactly when the calendar has it (oracle: Date.UTC round trip)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        (y, mo, d, h, mi, s) => {
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z`;
          // The oracle: build the instant, then check every field survived unchanged.
          const date = new Date(0);
          date.setUTCFullYear(y, mo - 1, d);
          date.setUTCHours(h, mi, s, 0);
          const real =
            date.getUTCFullYear() === y &&
            date.getUTCMonth() === mo - 1 &&
            date.getUTCDate() === d &&
            date.getUTCHours() === h &&
            date.getUTCMinutes() === mi &&
            date.getUTCSeconds() === s;
          expect(parseInstant(text)).toBe(real ? date.getTime() : undefined);
          if (!real) expect(instantProblem(text)).toBeDefined();
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['2001-02-30T00:00:00Z', '2001-02 has no day 30'],
    ['2001-01-01T24:00:00Z', '24:00:00 is not a time of day'],
    ['2001-01-01T00:00:60Z', 'is not a time of day'],
    ['2001-13-01T00:00:00Z', 'month 13 does not exist'],
    ['0000-01-01T00:00:00Z', 'year 0000 is outside 0001-9999'],
    ['2001-01-01T00:00:00', 'is not ISO-8601 UTC'],
    ['2001-01-01 00:00:00Z', 'is not ISO-8601 UTC'],
    [9000000000000000, '9000000000000000 ms is outside years 0001-9999'],
    [INSTANT_LIMITS.maxMs + 1, 'is outside years 0001-9999'],
    [1.5, 'epoch ms must be an integer'],
  ])('refuses %j: %s', (value, message) => {
    expect(parseInstant(value)).toBeUndefined();
    expect(instantProblem(value)).toContain(message);
  });
});

describe('coerceValue', () => {
  it('keeps every float64 DynamoDB stores and refuses the rest, naming why', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const m = Math.abs(x);
        const storable =
          Number.isFinite(x) &&
          m <= NUMBER_LIMITS.maxMagnitude &&
          (m === 0 || m >= NUMBER_LIMITS.minMagnitude);
        const c = coerceValue('float64', x);
        expect(c.ok).toBe(storable);
        if (c.ok) expect(Object.is(c.value, x === 0 ? 0 : x)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a string exactly when it holds a lone surrogate (oracle: UTF-8 round trip)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 8 }), (s) => {
        const wellFormed = Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(coerceValue('string', s).ok).toBe(wellFormed);
        expect(stringProblem(s) === undefined).toBe(wellFormed);
      }),
      { numRuns: 5000 },
    );
  });

  it('turns -0 into 0 in every numeric dtype', () => {
    for (const [dtype, value] of [
      ['int64', -0],
      ['float64', -0],
      ['float64_list', [-0, 1]],
    ] as const) {
      const c = coerceValue(dtype, value);
      expect(c.ok && Object.is(Array.isArray(c.value) ? c.value[0] : c.value, 0)).toBe(true);
    }
  });

  it('takes a value read back from a store as written, checking its type only', () => {
    expect(coerceValue('float64', 5e-324, 'store')).toEqual({ ok: true, value: 5e-324 });
    expect(Object.is((coerceValue('float64', -0, 'store') as { value: number }).value, -0)).toBe(
      true,
    );
    expect(coerceValue('float64_list', [1e200], 'store').ok).toBe(true);
    expect(coerceValue('timestamp', 8e15, 'store').ok).toBe(true);
    expect(coerceValue('float64', Infinity, 'store').ok).toBe(false);
    expect(coerceValue('int64', 2 ** 53, 'store').ok).toBe(false);
    expect(coerceValue('int64', 'x', 'store').ok).toBe(false);
  });

  it('describes any value without walking it, however deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(coerceValue('float64', deep)).toEqual({
      ok: false,
      error: 'expected float64, got an array of 1',
    });
    expect(jsonDepth(deep)).toBe(17);
  });
});

describe('valueFromText', () => {
  it.each(['0x10', '0b101', '1e3', ' 12 ', '+12', '12.0', '', '-', '1_000', 'Infinity'])(
    'refuses the int64 text %j',
    (text) => expect(() => valueFromText('int64', text)).toThrow(/is not an int64/),
  );
  it.each([
    ['12', 12],
    ['-7', -7],
    ['007', 7],
  ])('reads the int64 text %j as %j', (text, n) => expect(valueFromText('int64', text)).toBe(n));
  it.each(['1e3', '-0.5', '.5', '5.', '1E-7'])('reads the float64 text %j', (text) =>
    expect(valueFromText('float64', text)).toBe(Number(text)),
  );
  it.each(['0x10', 'NaN', 'Infinity', ' 1', '1,5', ''])('refuses the float64 text %j', (text) =>
    expect(() => valueFromText('float64', text)).toThrow(/is not a decimal number/),
  );
});
