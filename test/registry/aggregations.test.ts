import { describe, expect, it } from 'vitest';
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureView,
  field,
  type Definition,
  type EventStream,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { DefinitionError } from '../../lib/core/errors.ts';
import { canonicalJson } from '../../lib/core/canonical-json.ts';
import * as defs from '../windows/defs.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';

const { user, pair, clicks } = defs;

function problemsOf(definitions: readonly Definition[]) {
  try {
    compileRegistry(definitions, new Map(definitions.map((d) => [d, 'feature_defs/x.ts'])));
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return (error as DefinitionError).problems.map((p) => ({
      object: p.object,
      rule: p.rule,
      file: p.file,
    }));
  }
  throw new Error('expected the definitions to be rejected');
}

/** One aggregation view over `stream` with the features `features` builds (typed loosely). */
function viewOf(stream: EventStream, features: (a: any) => any, entities: readonly any[] = [user]) {
  return defineAggregationView({
    name: 'bad_view',
    entities,
    stream,
    owner: 'o@example.com',
    features,
  });
}

const base: Definition[] = [user, pair, clicks];

describe('aggregation views in the registry', () => {
  it('compiles the windows, tiles (defaults stated) and raw columns of each view', () => {
    const { registry } = compileRegistry(collectDefinitions(defs));
    const view = getViewOfKind(registry, 'user_windows', 'aggregation');
    const n = view.features.find((f) => f.name === 'n_1h')!;
    expect(n.aggregate).toEqual({
      fn: 'count',
      column: null,
      windowMs: 3_600_000,
      tileMs: 300_000,
      where: null,
    });
    expect(view.features.find((f) => f.name === 'amount_sum_30m')!.aggregate!.tileMs).toBe(600_000);
    expect(view.aggregation).toEqual({
      stream: 'clicks',
      columns: [
        { name: 'amount', dtype: 'int64' },
        { name: 'price', dtype: 'float64' },
        { name: 'kind', dtype: 'string' },
        { name: 'eid', dtype: 'string' },
      ],
      eventId: 'eid',
    });
    expect(view.source.stream).toBe('clicks');
    expect(registry.eventStreams?.[0]?.partitionKey).toEqual(['user_id']);
    // Deterministic: the same bytes whatever the order of the definitions.
    const again = compileRegistry(collectDefinitions(defs).reverse()).registry;
    expect(canonicalJson(again)).toBe(canonicalJson(registry));
  });

  it('rejects a tile that does not divide its window', () => {
    expect(
      problemsOf([...base, viewOf(clicks, (a) => ({ x: a.count({ window: '1h', tile: '7m' }) }))]),
    ).toContainEqual({
      object: "feature view 'bad_view'",
      rule: 'tile',
      file: 'feature_defs/x.ts',
    });
    // The default tile (5 min under 12 h) does not divide 90 s either.
    expect(
      problemsOf([...base, viewOf(clicks, (a) => ({ x: a.count({ window: '90s' }) }))]).map(
        (p) => p.rule,
      ),
    ).toContain('tile');
  });

  it('rejects a sum of a string column', () => {
    expect(
      problemsOf([...base, viewOf(clicks, (a) => ({ x: a.sum('kind', { window: '1h' }) }))]).map(
        (p) => p.rule,
      ),
    ).toContain('aggregate-type');
  });

  it('rejects an unknown column, in the aggregation or its filter', () => {
    expect(
      problemsOf([...base, viewOf(clicks, (a) => ({ x: a.max('nope', { window: '1h' }) }))]).map(
        (p) => p.rule,
      ),
    ).toContain('unknown-column');
    expect(
      problemsOf([
        ...base,
        viewOf(clicks, (a) => ({
          x: a.count({ window: '1h', where: { column: 'nope', op: '>', value: 1 } }),
        })),
      ]).map((p) => p.rule),
    ).toContain('unknown-column');
  });

  it('rejects a filter whose value does not fit its column, or a filter on min/max/last', () => {
    expect(
      problemsOf([
        ...base,
        viewOf(clicks, (a) => ({
          x: a.count({ window: '1h', where: { column: 'kind', op: '>', value: 'a' } }),
        })),
      ]).map((p) => p.rule),
    ).toContain('filter-type');
    expect(
      problemsOf([
        ...base,
        viewOf(clicks, (a) => ({
          x: a.max('amount', { window: '1h', where: { column: 'amount', op: '>', value: 1 } }),
        })),
      ]).map((p) => p.rule),
    ).toContain('filter');
  });

  it("rejects a partition key that is not a subset of a consuming view's keys", () => {
    const item = defineEntity({ name: 'item', keys: { item: 'int64' } });
    const stream = defineEventStream({
      name: 'clicks2',
      entities: [user, pair, item],
      partitionKey: ['user_id'],
      columns: { amount: 'int64' },
    });
    const byItem = defineAggregationView({
      name: 'by_item',
      entities: [item],
      stream,
      owner: 'o',
      features: (a) => ({ n: a.count({ window: '1h' }) }),
    });
    expect(problemsOf([user, pair, item, stream, byItem])).toContainEqual({
      object: "feature view 'by_item'",
      rule: 'partition-key',
      file: 'feature_defs/x.ts',
    });
  });

  it('rejects a partition key that is not a join key of the stream', () => {
    const stream = defineEventStream({
      name: 'clicks3',
      entities: [user],
      partitionKey: ['item'],
      columns: {},
    });
    expect(problemsOf([user, stream]).map((p) => p.rule)).toContain('partition-key');
  });

  it('rejects a view keyed by an entity the stream does not carry', () => {
    const shop = defineEntity({ name: 'shop', keys: { shop_id: 'string' } });
    const v = viewOf(clicks, (a) => ({ n: a.count({ window: '1h' }) }), [shop]);
    expect(problemsOf([...base, shop, v]).map((p) => p.rule)).toEqual(
      expect.arrayContaining(['view-keys', 'partition-key']),
    );
  });

  it('rejects an event id column that is missing or not a string/int64', () => {
    const s1 = defineEventStream({
      name: 's1',
      entities: [user],
      partitionKey: ['user_id'],
      columns: { p: 'float64' },
      eventId: 'p',
    });
    expect(problemsOf([user, s1]).map((p) => p.rule)).toContain('event-id');
    const s2 = {
      ...defineEventStream({
        name: 's2',
        entities: [user],
        partitionKey: ['user_id'],
        columns: {},
      }),
      eventId: 'ghost',
    };
    expect(problemsOf([user, s2 as EventStream]).map((p) => p.rule)).toContain('event-id');
  });

  it('rejects a stream column named like a join key, and an unknown stream', () => {
    const s = defineEventStream({
      name: 's3',
      entities: [user],
      partitionKey: ['user_id'],
      columns: { user_id: 'string' },
    });
    expect(problemsOf([user, s]).map((p) => p.rule)).toContain('name-clash');
    const orphan = defineEventStream({
      name: 'orphan',
      entities: [user],
      partitionKey: ['user_id'],
      columns: { a: 'int64' },
    });
    expect(
      problemsOf([user, viewOf(orphan, (a) => ({ n: a.count({ window: '1h' }) }))]).map(
        (p) => p.rule,
      ),
    ).toContain('unknown-stream');
  });

  it('rejects a plain view that reads an event stream', () => {
    const plain = defineFeatureView({
      name: 'plain',
      entities: [user],
      ttl: '1h',
      owner: 'o',
      source: { stream: 'clicks' },
      features: { amount: field.int64() },
    });
    expect(problemsOf([...base, plain]).map((p) => p.rule)).toContain('source');
  });

  it('rejects a plain field in an aggregation view', () => {
    expect(
      problemsOf([...base, viewOf(clicks, () => ({ x: field.int64() }))]).map((p) => p.rule),
    ).toContain('aggregate');
  });

  it('keeps the hash of registries without event streams (no empty eventStreams key)', () => {
    const plain = defineFeatureView({
      name: 'plain',
      entities: [user],
      ttl: '1h',
      owner: 'o',
      features: { amount: field.int64() },
    });
    expect(Object.keys(compileRegistry([user, plain]).registry)).not.toContain('eventStreams');
  });
});
