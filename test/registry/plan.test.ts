import { describe, expect, it } from 'vitest';
import { defineFeatureService, defineFeatureView, field } from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { formatPlan, planRegistry } from '../../lib/registry/plan.ts';
import { allOf, makeDefinitions } from './fixtures.ts';

const original = makeDefinitions();
const applied = compileRegistry(allOf(original)).registry;

/** The original definitions with `user_stats` replaced (and the service re-pointed at it). */
function withUserStats(
  spec:
    | Partial<Parameters<typeof defineFeatureView>[0]>
    | ((d: ReturnType<typeof makeDefinitions>) => Partial<Parameters<typeof defineFeatureView>[0]>),
) {
  const d = makeDefinitions();
  if (typeof spec === 'function') spec = spec(d);
  const userStats = defineFeatureView({
    name: 'user_stats',
    entities: [d.user],
    ttl: '1d',
    owner: 'team@example.com',
    features: { spend_7d: field.float64({ default: 0 }), country: field.string() },
    ...spec,
  });
  const fraud = defineFeatureService({ name: 'fraud_model', features: [userStats] });
  return compileRegistry([d.user, d.merchant, d.pairStats, userStats, fraud]).registry;
}

describe('planRegistry', () => {
  it('reports no change for the same definitions', () => {
    const plan = planRegistry(applied, compileRegistry(allOf(makeDefinitions())).registry);
    expect(plan.changes).toEqual([]);
    expect(formatPlan(plan)).toMatch(/^No changes/);
  });

  it('lists everything as added when nothing was applied', () => {
    const plan = planRegistry(undefined, applied);
    expect(plan.breaking).toEqual([]);
    expect(plan.changes.every((c) => c.kind === 'added')).toBe(true);
    expect(plan.changes.map((c) => c.path)).toContain('feature_view user_stats');
  });

  it('reports a type change without a version bump as breaking', () => {
    const plan = planRegistry(
      applied,
      withUserStats({
        features: { spend_7d: field.int64({ default: 0 }), country: field.string() },
      }),
    );
    expect(plan.breaking).toEqual([
      expect.objectContaining({
        path: 'feature_view user_stats.spend_7d',
        message: expect.stringContaining('type changed from float64 to int64'),
      }),
    ]);
    expect(formatPlan(plan)).toContain('! ~ feature_view user_stats.spend_7d');
  });

  it('accepts the same type change with a version bump', () => {
    const plan = planRegistry(
      applied,
      withUserStats({
        version: 2,
        features: { spend_7d: field.int64({ default: 0 }), country: field.string() },
      }),
    );
    expect(plan.breaking).toEqual([]);
    expect(plan.changes.map((c) => c.message)).toContain(
      'version 1 → 2: a new table and new online items',
    );
  });

  it('reports a removed feature and a key change as breaking', () => {
    const removed = planRegistry(
      applied,
      withUserStats({ features: { spend_7d: field.float64({ default: 0 }) } }),
    );
    expect(removed.breaking.map((c) => c.path)).toEqual(['feature_view user_stats.country']);
    const rekeyed = planRegistry(
      applied,
      withUserStats((d) => ({ entities: [d.merchant] })),
    );
    expect(rekeyed.breaking.map((c) => c.path)).toEqual(['feature_view user_stats.keys']);
  });

  it('reports a version that goes down as breaking', () => {
    const d = makeDefinitions();
    const down = defineFeatureView({ ...d.pairStats, version: 1 });
    const registry = compileRegistry([d.user, d.merchant, d.userStats, down]).registry;
    expect(planRegistry(applied, registry).breaking.map((c) => c.path)).toEqual([
      'feature_view pair_stats',
    ]);
  });

  it('treats an added feature, a new default and a new ttl as safe but lists them', () => {
    const plan = planRegistry(
      applied,
      withUserStats({
        ttl: '2d',
        features: {
          spend_7d: field.float64({ default: 1 }),
          country: field.string(),
          age: field.int64(),
        },
      }),
    );
    expect(plan.breaking).toEqual([]);
    const paths = plan.changes.map((c) => c.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'feature_view user_stats.age',
        'feature_view user_stats.spend_7d',
        'feature_view user_stats.ttl',
      ]),
    );
  });
});

describe('planRegistry and candidate versions', () => {
  const d = makeDefinitions();
  const stats = (version: number, ttl: '1d' | '2d') =>
    defineFeatureView({
      name: 'user_stats',
      version,
      entities: [d.user],
      ttl,
      owner: 'team@example.com',
      features: { spend_7d: field.float64({ default: 0 }), country: field.string() },
    });
  const v1 = stats(1, '1d');
  const v2 = stats(2, '2d');
  const served = defineFeatureService({ name: 'fraud_model', features: [v1] });
  const shadow = defineFeatureService({ name: 'fraud_next', features: [v2], shadowOf: served });
  const base = [d.user, d.merchant, d.pairStats];
  const before = compileRegistry([...base, v1, served]).registry;
  const withCandidate = compileRegistry([...base, v1, v2, served, shadow]).registry;

  it('lists a candidate as added, the served version unchanged', () => {
    const plan = planRegistry(before, withCandidate);
    expect(plan.breaking).toEqual([]);
    expect(plan.changes.map((c) => [c.kind, c.path])).toEqual(
      expect.arrayContaining([
        ['added', 'feature_view user_stats v2'],
        ['added', 'feature_service fraud_next'],
      ]),
    );
    expect(plan.changes.some((c) => c.path === 'feature_view user_stats')).toBe(false);
  });

  it('lists a promoted candidate as the served version bumped', () => {
    const promoted = defineFeatureService({ name: 'fraud_model', features: [v2] });
    const plan = planRegistry(withCandidate, compileRegistry([...base, v2, promoted]).registry);
    expect(plan.changes.map((c) => [c.kind, c.path])).toEqual(
      expect.arrayContaining([
        ['changed', 'feature_view user_stats'],
        ['changed', 'feature_view user_stats v2'],
      ]),
    );
    expect(plan.breaking).toEqual([]);
  });
});
