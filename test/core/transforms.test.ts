import { describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { applyTransforms, parseRequestFields, TransformError } from '../../lib/core/transforms.ts';
import { ValidationError } from '../../lib/core/errors.ts';
import { coerceValue, parseInstant } from '../../lib/define/dtypes.ts';
import { defineFeatureService, defineRequestTransform } from '../../lib/define/index.ts';
import { allOf, makeDefinitions } from '../registry/fixtures.ts';

const runtime = compileRegistry(allOf(makeDefinitions()));
const service = runtime.registry.featureServices[0]!;

describe('request transforms', () => {
  it('run the declared function over the resolved features and request', () => {
    const out = applyTransforms(runtime, service, { user_stats__spend_7d: 50 }, { amount: 25 });
    expect(out).toEqual({ amount_over_spend: 0.5 });
  });

  it('pass nulls through when request fields are absent', () => {
    const request = parseRequestFields(service, {});
    expect(request).toEqual({ amount: null });
    expect(applyTransforms(runtime, service, { user_stats__spend_7d: 50 }, request)).toEqual({
      amount_over_spend: null,
    });
  });

  it('reject an unknown or mistyped request field by name', () => {
    expect(() => parseRequestFields(service, { amout: 1 })).toThrow(ValidationError);
    expect(() => parseRequestFields(service, { amout: 1 })).toThrow(
      "request field 'amout' is not used by service 'fraud_model'",
    );
    expect(() => parseRequestFields(service, { amount: 'ten' })).toThrow(
      "request field 'amount': expected float64",
    );
  });

  it('name the transform whose output has the wrong type', () => {
    const d = makeDefinitions();
    const bad = defineRequestTransform({
      name: 'bad',
      request: {},
      inputs: [],
      outputs: { x: 'int64' },
      fn: () => ({ x: 0.5 }),
    });
    const s = defineFeatureService({ name: 's', features: [d.userStats], transforms: [bad] });
    const rt = compileRegistry([...allOf(d), bad, s]);
    const svc = rt.registry.featureServices.find((x) => x.name === 's')!;
    expect(() => applyTransforms(rt, svc, {}, {})).toThrow(TransformError);
    expect(() => applyTransforms(rt, svc, {}, {})).toThrow(
      "request transform 'bad': output 'x': expected int64",
    );
  });
});

describe('value types', () => {
  it('accept only UTC instants, as ISO ending in Z or epoch ms', () => {
    expect(parseInstant('2001-01-01T00:00:00Z')).toBe(978307200000);
    expect(parseInstant('2001-01-01T00:00:00.123Z')).toBe(978307200123);
    expect(parseInstant(978307200000)).toBe(978307200000);
    expect(parseInstant('2001-01-01T00:00:00+02:00')).toBeUndefined();
    expect(parseInstant('2001-01-01 00:00:00')).toBeUndefined();
    expect(coerceValue('timestamp', '2001-01-01T00:00:00Z')).toEqual({
      ok: true,
      value: '2001-01-01T00:00:00.000Z',
    });
  });

  it('reject NaN, infinities and unsafe integers', () => {
    expect(coerceValue('float64', Number.NaN).ok).toBe(false);
    expect(coerceValue('float64', Infinity).ok).toBe(false);
    expect(coerceValue('int64', 2 ** 60).ok).toBe(false);
    expect(coerceValue('float64_list', [1, 'a']).ok).toBe(false);
  });
});
