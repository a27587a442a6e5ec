import { describe, expect, it } from 'vitest';
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineRequestTransform,
  field,
  pick,
  type Definition,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { DefinitionError } from '../../lib/core/errors.ts';
import { allOf, makeDefinitions } from './fixtures.ts';

function problemsOf(definitions: readonly Definition[], files = new Map<Definition, string>()) {
  try {
    compileRegistry(definitions, files);
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return (error as DefinitionError).problems;
  }
  throw new Error('expected the definitions to be rejected');
}

describe('compileRegistry', () => {
  it('compiles valid definitions into views, services and transforms sorted by name', () => {
    const { registry } = compileRegistry(allOf(makeDefinitions()));
    expect(registry.featureViews.map((v) => v.name)).toEqual(['pair_stats', 'user_stats']);
    const pair = registry.featureViews[0]!;
    expect(pair.joinKeys).toEqual([
      { name: 'user_id', dtype: 'int64' },
      { name: 'merchant_id', dtype: 'string' },
    ]);
    expect(pair.ttlMs).toBe(6 * 3_600_000);
    expect(pair.version).toBe(2);
    const service = registry.featureServices[0]!;
    expect(service.outputs.map((o) => o.name)).toEqual([
      'user_stats__spend_7d',
      'user_stats__country',
      'pair_stats__visits',
      'amount_over_spend',
    ]);
    expect(service.joinKeys.map((k) => k.name)).toEqual(['user_id', 'merchant_id']);
    expect(service.request).toEqual([{ name: 'amount', dtype: 'float64' }]);
    expect(service.skew.defaults.exactMatchMin).toBe(0.99);
  });

  it('gives the same bytes and hash for the same definitions, whatever their order', () => {
    const a = compileRegistry(allOf(makeDefinitions())).registry;
    const b = compileRegistry(allOf(makeDefinitions()).reverse()).registry;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(b.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when any feature changes', () => {
    const a = compileRegistry(allOf(makeDefinitions())).registry;
    const defs = makeDefinitions();
    const changed = defineFeatureView({
      ...defs.userStats,
      features: { ...defs.userStats.features, spend_7d: field.float64({ default: 1 }) },
    });
    const b = compileRegistry([
      ...allOf(defs).filter((d) => d !== defs.userStats && d !== defs.fraud && d !== defs.ratio),
      changed,
    ]).registry;
    expect(b.hash).not.toBe(a.hash);
  });

  it('names the file, the object and the rule of each problem', () => {
    const defs = makeDefinitions();
    const twin = defineEntity({ name: 'user', keys: { id: 'string' } });
    const files = new Map<Definition, string>([
      [defs.user, 'feature_defs/a.ts'],
      [twin, 'feature_defs/b.ts'],
    ]);
    const [problem] = problemsOf([...allOf(defs), twin], files);
    expect(problem).toMatchObject({
      file: 'feature_defs/b.ts',
      object: "entity 'user'",
      rule: 'duplicate-name',
    });
    expect(problem!.message).toContain('feature_defs/a.ts');
  });
});

describe('compileRegistry rejects', () => {
  // One set of definitions for all: they are frozen, and compiling never changes them.
  const shared = makeDefinitions();
  const base = () => shared;
  const view = (over: Partial<Parameters<typeof defineFeatureView>[0]>) =>
    defineFeatureView({
      name: 'v',
      entities: [base().user],
      ttl: '1h',
      owner: 'o',
      features: { f: field.int64() },
      ...over,
    });
  const rulesOf = (defs: readonly Definition[]) => problemsOf(defs).map((p) => p.rule);

  it('duplicate view names', () => {
    const d = base();
    const again = defineFeatureView({ ...d.userStats, features: { other: field.bool() } });
    expect(rulesOf([...allOf(d), again])).toContain('duplicate-name');
  });

  it('a view whose entity is not exported', () => {
    const d = base();
    const ghost = defineEntity({ name: 'ghost', keys: { ghost_id: 'string' } });
    const v = defineFeatureView({
      name: 'haunted',
      entities: [ghost],
      ttl: '1h',
      owner: 'o',
      features: { f: field.int64() },
    });
    expect(rulesOf([...allOf(d), v])).toEqual(['unknown-entity']);
  });

  it('a join key whose type differs between two entities of one view', () => {
    const a = defineEntity({ name: 'a', keys: { id: 'string' } });
    const b = defineEntity({ name: 'b', keys: { id: 'int64' } });
    const v = defineFeatureView({
      name: 'clash',
      entities: [a, b],
      ttl: '1h',
      owner: 'o',
      features: { f: field.int64() },
    });
    expect(rulesOf([a, b, v])).toEqual(['key-type-clash']);
  });

  it('a join key whose type differs between two views of one service', () => {
    const a = defineEntity({ name: 'a', keys: { id: 'string' } });
    const b = defineEntity({ name: 'b', keys: { id: 'int64' } });
    const va = defineFeatureView({
      name: 'va',
      entities: [a],
      ttl: '1h',
      owner: 'o',
      features: { f: field.int64() },
    });
    const vb = defineFeatureView({
      name: 'vb',
      entities: [b],
      ttl: '1h',
      owner: 'o',
      features: { g: field.int64() },
    });
    const s = defineFeatureService({ name: 's', features: [va, vb] });
    expect(rulesOf([a, b, va, vb, s])).toEqual(['key-type-clash']);
  });

  it.each(['event_time', 'ingested_at', 'record_id', '_sk_row'])(
    'the reserved column name %s as a feature',
    (name) => {
      const d = base();
      const v = view({ features: { [name]: field.int64() } });
      expect(rulesOf([...allOf(d), d.user, v])).toContain('reserved-name');
    },
  );

  it('a reserved name as a join key', () => {
    const e = defineEntity({ name: 'e', keys: { event_time: 'string' } });
    expect(rulesOf([e])).toContain('reserved-name');
  });

  it.each([0, -5, '0h', 'soon'] as const)('a ttl of %s', (ttl) => {
    const d = base();
    expect(rulesOf([d.user, view({ ttl: ttl as never })])).toEqual(['ttl']);
  });

  it('a service naming a feature the view does not have', () => {
    const d = base();
    const s = defineFeatureService({
      name: 's2',
      features: [pick(d.userStats, ['spend_7d', 'nope' as never])],
    });
    expect(rulesOf([...allOf(d), s])).toEqual(['unknown-feature']);
  });

  it('a service naming a view that is not exported', () => {
    const d = base();
    const hidden = view({ name: 'hidden' });
    const s = defineFeatureService({ name: 's2', features: [hidden] });
    expect(rulesOf([...allOf(d), s])).toEqual(['unknown-view']);
  });

  it('a service using a transform that is not exported', () => {
    const d = base();
    const s = defineFeatureService({ name: 's2', features: [d.userStats], transforms: [d.ratio] });
    expect(rulesOf([d.user, d.merchant, d.userStats, d.pairStats, s])).toEqual([
      'unknown-transform',
    ]);
  });

  it('a transform reading a feature its service does not select', () => {
    const d = base();
    const s = defineFeatureService({ name: 's2', features: [d.pairStats], transforms: [d.ratio] });
    expect(rulesOf([...allOf(d), s])).toContain('transform-input');
  });

  it('an output name used twice in one service', () => {
    const d = base();
    const t = defineRequestTransform({
      name: 'echo',
      request: {},
      inputs: [],
      outputs: { amount_over_spend: 'float64' },
      fn: () => ({ amount_over_spend: 1 }),
    });
    const s = defineFeatureService({
      name: 's2',
      features: [d.userStats],
      transforms: [d.ratio, t],
    });
    expect(rulesOf([...allOf(d), t, s])).toContain('duplicate-output');
  });

  it('names that are not lower-case identifiers, or contain the __ separator', () => {
    const d = base();
    expect(rulesOf([d.user, view({ name: 'Bad-Name' })])).toEqual(['name']);
    expect(rulesOf([d.user, view({ name: 'a__b' })])).toEqual(['name']);
    expect(rulesOf([d.user, view({ features: { 'x y': field.int64() } })])).toEqual(['name']);
  });

  it('a feature with the name of a join key', () => {
    const d = base();
    expect(rulesOf([d.user, view({ features: { user_id: field.int64() } })])).toEqual([
      'name-clash',
    ]);
  });

  it('a default of the wrong type', () => {
    const d = base();
    expect(rulesOf([d.user, view({ features: { f: field.int64({ default: 1.5 }) } })])).toEqual([
      'default-type',
    ]);
  });

  it('a key of a type that has no exact canonical form', () => {
    const e = defineEntity({ name: 'e', keys: { score: 'float64' as never } });
    expect(rulesOf([e])).toEqual(['key-type']);
  });

  it('an entity with no keys, and a view with no features', () => {
    const e = defineEntity({ name: 'e', keys: {} });
    expect(rulesOf([e])).toEqual(['no-keys']);
    const d = base();
    expect(rulesOf([d.user, view({ features: {} })])).toEqual(['no-features']);
  });

  it('a version that is not a positive integer', () => {
    const d = base();
    expect(rulesOf([d.user, view({ version: 0 })])).toEqual(['version']);
    expect(rulesOf([d.user, view({ version: 1.5 })])).toEqual(['version']);
  });

  it('two views sharing a stream with different join keys', () => {
    const d = base();
    const a = view({ name: 'a', source: { stream: 'shared' } });
    const b = defineFeatureView({
      name: 'b',
      entities: [d.merchant],
      ttl: '1h',
      owner: 'o',
      features: { g: field.int64() },
      source: { stream: 'shared' },
    });
    expect(rulesOf([d.user, d.merchant, a, b])).toEqual(['source-keys']);
  });

  it('skew thresholds out of range, or for an output the service does not have', () => {
    const d = base();
    const s = defineFeatureService({
      name: 's2',
      features: [d.userStats],
      skew: { exactMatchMin: 2, perFeature: { nope: { psiMax: 0.1 } } },
    });
    expect(new Set(rulesOf([...allOf(d), s]))).toEqual(
      new Set(['skew-threshold', 'skew-unknown-feature']),
    );
  });

  it('a view with no owner', () => {
    const d = base();
    expect(rulesOf([d.user, view({ owner: '' })])).toEqual(['owner']);
  });

  it('reports every problem at once', () => {
    const d = base();
    expect(rulesOf([d.user, view({ ttl: -1 as never, version: 0, owner: '' })]).sort()).toEqual([
      'owner',
      'ttl',
      'version',
    ]);
  });
});
