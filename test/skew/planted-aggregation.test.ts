/**
 * Planted skew on aggregation definitions (the flights example's windows over its event
 * stream): a synthetic day served from the window rule over raw events (computed by the
 * fixture, not by the library's tiles), stored offline as the ingest stores raw events; then
 * one airport's tiles changed behind the store's back. The real local check (DuckDB and the
 * export's window SQL) must pass the clean day, and on the planted one name exactly the outputs
 * the changed tiles feed, cause unexplained, with counts that agree with what was planted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';
import { localAlertSink } from '../../lib/local/skew-alerts.ts';
import type { SkewReport } from '../../lib/skew/types.ts';
import {
  AGG_SERVICE,
  aggregationRuntime,
  buildAggregationWorld,
  type AggregationWorld,
  type TilePlant,
} from './fixtures/aggregation-world.ts';
import { DAY, DAY_MS, HOUR } from './fixtures/histories.ts';

let stack: LocalStack | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  stack = undefined;
  dataDir = undefined;
});

async function check(plant?: TilePlant): Promise<{ report: SkewReport; world: AggregationWorld }> {
  const runtime = aggregationRuntime();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-agg-skew-'));
  stack = await startLocalStack({ registry: runtime.registry, dataDir });
  const world = await buildAggregationWorld(stack.duckdb, dataDir, runtime, plant);
  const result = await runLocalSkewCheck({
    dataDir,
    runtime,
    date: DAY,
    duckdb: stack.duckdb,
    services: [AGG_SERVICE],
    alerts: localAlertSink(dataDir, () => {}),
  });
  expect(result.reports).toHaveLength(1);
  return { report: result.reports[0]!, world };
}

const skewed = (report: SkewReport) =>
  report.outputs
    .filter((o) => o.kinds.includes('skew'))
    .map((o) => o.output)
    .sort();

describe('the skew check on aggregation views', () => {
  it('passes a clean day: every windowed value equals its rebuild from the raw events', async () => {
    const { report, world } = await check();
    expect(world.planted.size).toBe(0);
    expect(report.vectors).toBe(world.vectors);
    for (const o of report.outputs) {
      expect(o.exactMatchRate, o.output).toBe(1);
      expect(o.staleRate, o.output).toBe(0);
    }
    expect(report.kinds).toEqual([]);
    expect(report.alert).toBe(false);
  });

  it("names the outputs a tile changed behind the store's back feeds, cause unexplained", async () => {
    // At noon a script adds 600 minutes to the delay sum of ORD's hourly tile (10:00, 11:00].
    const plant: TilePlant = {
      origin: 'ORD',
      at: DAY_MS + 12 * HOUR,
      tileMs: HOUR,
      tileStart: DAY_MS + 10 * HOUR,
      addedDelay: 600,
    };
    const { report, world } = await check(plant);
    // The 24 h mean reads hourly tiles; the 1 h mean reads 5-minute ones, counts and the max
    // no sum; the transform reads the 24 h mean.
    expect([...world.planted.keys()]).toEqual(['airport_delays__dep_delay_mean_24h']);
    expect(skewed(report)).toEqual(['airport_delays__dep_delay_mean_24h', 'hour_above_day']);
    expect(report.alert).toBe(true);
    const mean24h = report.outputs.find((o) => o.output === 'airport_delays__dep_delay_mean_24h')!;
    const planted = world.planted.get(mean24h.output)!;
    expect(planted).toBeGreaterThan(20);
    expect(mean24h.rows - mean24h.matches).toBe(planted);
    expect(mean24h.causes.map((c) => [c.cause, c.count])).toEqual([['unexplained', planted]]);
    for (const e of mean24h.examples) {
      expect(e.entityKey).toMatch(/^s:ORD\|/);
      expect(Date.parse(e.servedAt)).toBeGreaterThanOrEqual(plant.at);
      expect(Number(e.served)).toBeGreaterThan(Number(e.rebuilt));
    }
    const derived = report.outputs.find((o) => o.output === 'hour_above_day')!;
    expect(derived.causes.map((c) => c.cause)).toEqual(['unexplained']);
    expect(derived.rows - derived.matches).toBe(planted);
  });
});
