/**
 * The random event streams of the window tests: draft events on a 30 s grid after an origin
 * (ties, tile edges, nulls, producer repeats with one event id), their Kinesis records, and the
 * offline rows the ingest delivered, read back as events. Shared by the parity test and the
 * tile rebuild tests.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import type { AggregationRegistryView } from '../../lib/registry/types.ts';
import type { MemoryOffline } from '../ingest/fakes.ts';
import type { OfflineRecord } from '../export/offline-fixture.ts';
import { statusColumnName } from '../../lib/sql/plan.ts';
import * as defs from './defs.ts';

export const runtime = compileRegistry(collectDefinitions(defs));
export const registry = runtime.registry;
export const views = ['user_windows', 'pair_windows'].map((n) =>
  getViewOfKind(registry, n, 'aggregation'),
);
/**
 * Where a scenario's 2 h grid starts: in 2001, or an hour before the epoch so its events, tiles,
 * clocks and query times cross 1970 (negative epoch ms, where SQL's integer division would
 * truncate toward zero: docs/semantics.md, "Windows and tiles").
 */
export const ORIGINS = [
  Date.parse('2001-01-01T00:00:00.000Z'),
  Date.parse('1969-12-31T23:00:00.000Z'),
];
export const NAMES = { prefix: 'wtest' };
export const STEP = 30_000;

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 5 });
export const draft = fc.record({
  user: fc.constantFrom('u1', 'u2'),
  item: fc.integer({ min: 0, max: 1 }),
  // A 30 s grid over 2 h (every 10th point a 5 min tile edge), nudged by a ms either side: ms
  // after the scenario's origin.
  eventTime: fc
    .tuple(fc.integer({ min: 0, max: 240 }), fc.constantFrom(0, 0, 0, 1, -1))
    .map(([k, d]) => k * STEP + d),
  amount: nullable(fc.integer({ min: -3, max: 6 })),
  price: nullable(fc.integer({ min: -20, max: 40 }).map((x) => x / 4)),
  kind: nullable(fc.constantFrom('a', 'b')),
  // A producer repeat: the same event (same event id) sent again.
  repeat: fc.option(fc.nat(), { nil: null, freq: 4 }),
});

export type Draft = typeof draft extends fc.Arbitrary<infer D> ? D : never;

export function kinesisRecord(payload: object, shard: string, seq: number): KinesisStreamRecord {
  const sequenceNumber = String(seq);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: shard,
      sequenceNumber,
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
      approximateArrivalTimestamp: ORIGINS[0]! / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
    awsRegion: 'us-east-1',
    eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${sourceStreamName(NAMES, 'clicks')}`,
  };
}

/** Builds the payloads in arrival order: repeats copy an earlier event, order is shuffled. */
export function arrivals(
  drafts: readonly Draft[],
  order: readonly number[],
  origin: number,
  prefix: string,
) {
  const payloads: Record<string, FeatureValue>[] = [];
  drafts.forEach((d, i) => {
    const original = d.repeat !== null && i > 0 ? payloads[d.repeat % i]! : undefined;
    payloads.push(
      original ?? {
        user_id: `${prefix}${d.user}`,
        item: d.item,
        event_time: new Date(origin + d.eventTime).toISOString(),
        amount: d.amount,
        price: d.price,
        kind: d.kind,
        eid: `${prefix}e${i}`,
      },
    );
  });
  // Out of order: swap by the drawn positions.
  for (let i = 0; i < order.length && payloads.length > 1; i++) {
    const j = order[i]! % payloads.length;
    const k = i % payloads.length;
    [payloads[j], payloads[k]] = [payloads[k]!, payloads[j]!];
  }
  return payloads;
}
export function offlineEvents(
  offline: MemoryOffline,
  view: AggregationRegistryView,
): OfflineRecord[] {
  const rows =
    [...offline.rows.entries()].find(([name]) =>
      name.includes(view.name.replace(/_/g, '-')),
    )?.[1] ?? [];
  return rows.map((r) => ({
    keys: Object.fromEntries(view.joinKeys.map((k) => [k.name, r[k.name] as string | number])),
    values: Object.fromEntries(
      view.aggregation.columns.map((c) => [c.name, (r[c.name] ?? null) as FeatureValue]),
    ),
    eventTime: (r.event_time as number) / 1000,
    ingestedAt: (r.ingested_at as number) / 1000,
    recordId: r.record_id as string,
  }));
}

export function expectClose(got: FeatureValue, want: FeatureValue, what: string) {
  if (typeof got === 'number' && typeof want === 'number' && !Number.isInteger(want)) {
    expect(Math.abs(got - want), what).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
  } else expect(got, what).toEqual(want);
}

/** What the oracle says of one aggregate for one spine row (its index `i`). */
export type RowOracle = (
  view: AggregationRegistryView,
  feature: string,
  i: number,
) => { value: FeatureValue; count: number };

/**
 * Every exported row's value and status of every view's aggregates equal the oracle's (the
 * default where it found no event), `label` naming the run in a failure.
 */
export function expectExportedRows(
  rows: readonly Record<string, unknown>[],
  spine: readonly Record<string, unknown>[],
  oracle: RowOracle,
  label: string,
): void {
  rows.forEach((row, i) => {
    for (const view of views) {
      for (const f of view.features) {
        const o = oracle(view, f.name, i);
        const output = `${view.name}__${f.name}`;
        const got = row[output];
        const what = `${label} ${output} (${JSON.stringify(spine[i])})`;
        expectClose(
          typeof got === 'bigint' ? Number(got) : (got as FeatureValue),
          o.value ?? f.default,
          what,
        );
        expect(row[statusColumnName(output)], what).toBe(o.count > 0 ? 'present' : 'missing');
      }
    }
  });
}
