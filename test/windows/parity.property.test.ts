/**
 * Property: online = offline = oracle for windowed aggregations. Random event streams (ties,
 * events on tile edges, null values, producer repeats with one event id, events ahead of the
 * clock, late and out-of-order arrivals) go through the real ingest core on dynalite in random
 * batches, with duplicate deliveries, replays from a checkpoint and crashes mid-batch. Then:
 * - the lookup core (real BatchGetItem on dynalite) at times at or after the last batch,
 * - the export over the Parquet files the ingest delivered, with one as-of instant and a per-row
 *   as-of column, at times on events, on tile edges and between; windows render one pick shape
 *   (the ASOF chain is for plain views), run with the spine's span as literal bounds (as the
 *   Athena runner renders it) and as a subquery (the local default),
 * each equal the brute-force oracle of the rule in docs/semantics.md (`oracle.ts`). Scenarios
 * start in 2001 or cross the epoch; fast-check draws a new seed each run and prints it on failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processKinesisBatch } from '../../lib/ingest/batch.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { startLocalStack, LOCAL_AWS, type LocalStack } from '../../lib/local/stack.ts';
import type { AggregationRegistryView } from '../../lib/registry/types.ts';
import { createDynamoDbClient, dynamoDbReader } from '../../lib/serve/dynamodb-aws.ts';
import { lookupFeatures } from '../../lib/serve/lookup.ts';
import { buildLookupPlans } from '../../lib/serve/plan.ts';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { timestampLiteral, valueLiteral } from '../../lib/sql/literals.ts';
import { duckdbDialect } from '../../lib/sql/dialect.ts';
import { MemoryDeadLetters, MemoryOffline } from '../ingest/fakes.ts';
import { writeOfflineRecords } from '../export/offline-fixture.ts';
import {
  arrivals,
  draft,
  expectClose,
  expectExportedRows,
  kinesisRecord,
  NAMES,
  offlineEvents,
  ORIGINS,
  runtime,
  STEP,
  views,
} from './stream-fixture.ts';
import { oracleAggregate, type OracleEvent } from './oracle.ts';

const registry = runtime.registry;

/** How records reach the handler: batches, each delivered with its own clock and faults. */
const scenario = fc.record({
  origin: fc.constantFrom(...ORIGINS),
  drafts: fc.array(draft, { minLength: 1, maxLength: 25 }),
  order: fc.array(fc.nat(), { maxLength: 25 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
  /** Clock of the first batch, as grid steps from the origin (events after it are ahead of the clock). */
  firstClock: fc.integer({ min: 60, max: 250 }),
  clockSteps: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 10, maxLength: 10 }),
  faults: fc.array(fc.constantFrom('none', 'none', 'redeliver', 'crash', 'replay'), {
    minLength: 10,
    maxLength: 10,
  }),
  queries: fc.array(
    fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 0, 1, -1, 7_000)),
    { minLength: 1, maxLength: 5 },
  ),
  asOfStep: fc.integer({ min: 0, max: 300 }),
});

let stack: LocalStack;
let dataDir: string;
let run = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-windows-'));
  stack = await startLocalStack({ registry, dataDir, prefix: NAMES.prefix });
  await stack.duckdb.run("SET TimeZone = 'UTC'");
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

async function ingest(s: Scenario, prefix: string) {
  const payloads = arrivals(s.drafts, s.order, s.origin, prefix);
  const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
  const offline = new MemoryOffline();
  const seqOf = new Map<string, number>();
  const records = payloads.map((p) => {
    const shard = `shardId-${String(p.user_id).endsWith('u1') ? '000' : '001'}`;
    const seq = (seqOf.get(shard) ?? 0) + 1;
    seqOf.set(shard, seq);
    return kinesisRecord(p, shard, seq);
  });
  let clock = s.origin + s.firstClock * STEP;
  const deliver = async (recs: KinesisStreamRecord[]) => {
    if (recs.length === 0) return;
    const event: KinesisStreamEvent = { Records: recs };
    const result = await processKinesisBatch(event, {
      registry,
      names: NAMES,
      online,
      offline,
      deadLetter: new MemoryDeadLetters(),
      clock: () => clock,
    });
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.deadLetters).toEqual([]);
  };
  let at = 0;
  let b = 0;
  while (at < records.length) {
    const size = s.batchSizes[b % s.batchSizes.length]!;
    const batch = records.slice(at, at + size);
    const fault = s.faults[b % s.faults.length];
    if (fault === 'crash') await deliver(batch.slice(0, batch.length >> 1));
    await deliver(batch);
    if (fault === 'redeliver') await deliver(batch);
    if (fault === 'replay') await deliver(records.slice(Math.max(0, at - 3), at + size));
    at += size;
    clock += s.clockSteps[b % s.clockSteps.length]! * STEP;
    b++;
  }
  return { offline, clock };
}

describe('windowed aggregations: online = offline = oracle', () => {
  it('holds for random streams, deliveries and query times', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const prefix = `r${++run}`;
        const { offline, clock } = await ingest(s, prefix);
        const events: OracleEvent[] = offlineEvents(offline, views[0]!).map((e) => ({
          ...e,
          keys: { ...e.keys },
        }));
        // Every view's table holds the same records; pair keys come from the pair view's rows.
        const pairEvents = offlineEvents(offline, views[1]!);
        const entities = ['u1', 'u2'].flatMap((u) =>
          [0, 1].map((item) => ({ user_id: `${prefix}${u}`, item })),
        );
        const oracle = (
          view: AggregationRegistryView,
          feature: string,
          keys: Record<string, string | number>,
          t: number,
          asOf: number,
        ) => oracleAggregate(view, feature, view === views[0] ? events : pairEvents, keys, t, asOf);

        // Online: at or after the last batch's clock.
        const plans = buildLookupPlans(runtime);
        const reader = dynamoDbReader(
          createDynamoDbClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }),
        );
        const onlineTimes = s.queries.map(([k, d]) => clock + k * STEP + d);
        for (const t of onlineTimes) {
          const out = await lookupFeatures(
            { plans, store: reader, tableName: stack.onlineTable, clock: () => t },
            { service: 'svc', entities },
            'req',
          );
          out.response.rows.forEach((row, r) => {
            for (const view of views) {
              for (const f of view.features) {
                const o = oracle(view, f.name, entities[r]!, t, Infinity);
                const output = `${view.name}__${f.name}`;
                expectClose(
                  row.values[output] ?? null,
                  o.value ?? f.default,
                  `online ${output} at ${t}`,
                );
                expect(row.statuses[output]).toBe(o.count > 0 ? 'present' : 'missing');
              }
            }
          });
        }

        // Offline: the Parquet the ingest delivered, at times before, on and after the clock.
        const dir = path.join(dataDir, prefix);
        for (const view of views)
          await writeOfflineRecords(stack.duckdb, dir, view, offlineEvents(offline, view));
        const times = [
          ...onlineTimes,
          ...s.queries.map(([k, d]) => s.origin + k * 4 * STEP + d),
          ...events.slice(0, 3).map((e) => e.eventTime),
        ];
        const asOf = s.origin + s.asOfStep * STEP;
        // The per-row as-of varies around `asOf`, so that some rows' windows lose part of their
        // events (the correction path), not all or none.
        const rowAsOf = (i: number) => (i % 3 === 0 ? Infinity : asOf + ((i % 5) - 2) * 3 * STEP);
        const spine = times.flatMap((t) => entities.map((e) => ({ ...e, t })));
        await stack.duckdb.run(
          `CREATE OR REPLACE TABLE spine AS SELECT * FROM (VALUES ${spine
            .map(
              (r, i) =>
                `(${valueLiteral(r.user_id, 'string', duckdbDialect)}, CAST(${r.item} AS BIGINT), ${timestampLiteral(r.t)}, ${i % 3 === 0 ? 'NULL' : timestampLiteral(rowAsOf(i))})`,
            )
            .join(', ')}) AS x(user_id, item, t, as_of)`,
        );
        for (const [label, asOfSpec, at] of [
          ['instant', { kind: 'instant' as const, at: asOf }, () => asOf],
          ['column', { kind: 'column' as const, column: 'as_of' }, rowAsOf],
        ] as const) {
          // 'duckdb' renders the span as literal bounds, as the Athena runner does.
          for (const dialect of ['duckdb', 'duckdb-asof'] as const) {
            await exportPointInTimeLocal(
              { duckdb: stack.duckdb, dataDir: dir, runtime },
              {
                service: 'svc',
                spineTable: 'spine',
                timeColumn: 't',
                asOf: asOfSpec,
                into: 'out',
                dialect,
              },
            );
            const rows = (
              await stack.duckdb.runAndReadAll('SELECT * FROM out ORDER BY _sk_row')
            ).getRowObjectsJS();
            expectExportedRows(
              rows,
              spine,
              (view, feature, i) => oracle(view, feature, spine[i]!, spine[i]!.t, at(i)),
              `${label}/${dialect}`,
            );
          }
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
  }, 600_000);
});
