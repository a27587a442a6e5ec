/**
 * Planted skews on the local stack: a synthetic day of the flights service is served, logged and
 * stored offline (real Parquet, real JSON lines), one skew is planted, and the real local check
 * (DuckDB + the export's point-in-time generator) must flag exactly the features it touches.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';
import { localAlertSink, localAlertsPath } from '../../lib/local/skew-alerts.ts';
import { parseBaseline } from '../../lib/skew/baseline.ts';
import type { SkewReport } from '../../lib/skew/types.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { flightsRuntime, SERVICE } from './fixtures/defs.ts';
import { buildWorld, DAY, writeTrainingBaseline, type Plants } from './fixtures/world.ts';

let stack: LocalStack | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  stack = undefined;
  dataDir = undefined;
});

async function checkPlantedDay(
  plants: Plants,
  runtime: RuntimeRegistry = flightsRuntime(),
): Promise<{ report: SkewReport; alerts: number; dataDir: string }> {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-skew-'));
  stack = await startLocalStack({ registry: runtime.registry, dataDir });
  await buildWorld(stack.duckdb, dataDir, runtime, { plants });
  const baselineFile = await writeTrainingBaseline(stack.duckdb, dataDir, runtime);
  const { baseline } = parseBaseline(
    JSON.parse(await readFile(baselineFile, 'utf8')),
    baselineFile,
  );
  const result = await runLocalSkewCheck({
    dataDir,
    runtime,
    date: DAY,
    duckdb: stack.duckdb,
    baselines: new Map([[SERVICE, baseline]]),
    knownRegistries: plants.oldDeployment ? [plants.oldDeployment.old.registry] : [],
    alerts: localAlertSink(dataDir, () => {}),
  });
  expect(result.reports).toHaveLength(1);
  return { report: result.reports[0]!, alerts: result.alerts.length, dataDir };
}

const flagged = (report: SkewReport) =>
  report.outputs.filter((o) => o.verdict === 'skew').map((o) => o.output);
const output = (report: SkewReport, name: string) => report.outputs.find((o) => o.output === name)!;

describe('the skew check on a planted day', () => {
  it('raises nothing on a clean day, with every figure computed', async () => {
    const { report, alerts, dataDir } = await checkPlantedDay({});
    expect(flagged(report)).toEqual([]);
    expect(report.alert).toBe(false);
    expect(alerts).toBe(0);
    await expect(readFile(localAlertsPath(dataDir), 'utf8')).rejects.toThrow(/ENOENT/);
    for (const o of report.outputs) {
      expect(o.exactMatchRate, o.output).toBe(1);
      expect(o.nullMismatchRate, o.output).toBe(0);
      expect(o.psi, o.output).not.toBeNull();
      expect(o.psi!, o.output).toBeLessThan(o.thresholds.psiMax);
    }
    expect(output(report, 'route_flights__last_delay').ks).not.toBeNull();
    expect(output(report, 'airport_hourly__late_share_1h').freshness?.ttlMs).toBe(3 * 3_600_000);
    expect(report.vectors).toBe(1500);
  });

  it('flags only late_share_1h when the producer serves 0 where the stored value is null', async () => {
    const { report, alerts, dataDir } = await checkPlantedDay({ imputeNulls: true });
    expect(flagged(report)).toEqual(['airport_hourly__late_share_1h']);
    const o = output(report, 'airport_hourly__late_share_1h');
    expect(o.decisions.map((d) => d.metric)).toEqual(
      expect.arrayContaining(['exactMatch', 'nullMismatch']),
    );
    expect(o.examples.length).toBeGreaterThanOrEqual(3);
    for (const e of o.examples) expect([e.served, e.rebuilt]).toEqual([0, null]);
    expect(o.notes.join(' ')).toMatch(/imputing nulls/);
    expect(alerts).toBe(1);
    const logged = (await readFile(localAlertsPath(dataDir), 'utf8')).trim().split('\n');
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!).outputs).toEqual(['airport_hourly__late_share_1h']);
  });

  it('flags route_flights when its offline event times are 5 h off from what was served', async () => {
    const { report } = await checkPlantedDay({
      offlineShift: { view: 'route_flights', hours: 5 },
    });
    expect(flagged(report)).toContain('route_flights__last_delay');
    for (const name of flagged(report)) expect(name).toMatch(/^route_flights__/);
    expect(output(report, 'route_flights__last_delay').exactMatchRate).toBeLessThan(0.5);
  });

  it("flags the stalled view's features when its online writes stopped but offline kept receiving", async () => {
    const { report } = await checkPlantedDay({
      onlineStall: { view: 'airport_departures', fromHour: 6 },
    });
    // The transform output reads last_delay: it is skewed too, and says it derives from it.
    expect(flagged(report).sort()).toEqual(
      [
        'airport_departures__last_delay',
        'airport_departures__last_departed_late',
        'airport_departures__last_destination',
        'delay_above_hourly_mean',
      ].sort(),
    );
    const o = output(report, 'airport_departures__last_delay');
    expect(o.status!.servedStale).toBeGreaterThan(o.rows / 2);
    expect(o.notes.join(' ')).toMatch(/online store lagged/);
    expect(output(report, 'delay_above_hourly_mean').notes.join(' ')).toMatch(/Derived/);
  });

  it('flags a fully stalled view by distribution, not by value, as latency skew', async () => {
    // Both stores stopped receiving: the rebuild at as_of = served_at sees the same stale state,
    // so every value matches (expected staleness, no logic skew); but the model was served
    // defaults where training sees fresh values, which PSI/KS against the baseline catch.
    const { report, alerts } = await checkPlantedDay({
      fullStall: { view: 'airport_departures', fromHour: 6 },
    });
    expect(alerts).toBe(1);
    expect(flagged(report).sort()).toEqual(
      [
        'airport_departures__last_delay',
        'airport_departures__last_departed_late',
        'airport_departures__last_destination',
        'delay_above_hourly_mean',
      ].sort(),
    );
    for (const d of report.decisions) expect(['psi', 'ks']).toContain(d.metric);
    const o = output(report, 'airport_departures__last_destination');
    expect(o.exactMatchRate).toBe(1);
    expect(o.freshness!.expiredShare).toBeGreaterThan(0.5);
    expect(o.freshness!.ageP90Ms!).toBeGreaterThan(o.freshness!.ttlMs);
    expect(o.status!.expectedStale).toBeGreaterThan(o.rows / 2);
    expect(o.status!.servedStale).toBe(0);
    expect(o.notes.join(' ')).toMatch(/Latency skew/);
  });

  it('marks a fully stalled view stale, without an alert, when no baseline is given', async () => {
    // Values match and there is no training distribution to compare with: only the freshness
    // figures report the stall (the CloudWatch freshness alarms own the paging).
    const runtime = flightsRuntime();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-skew-'));
    stack = await startLocalStack({ registry: runtime.registry, dataDir });
    await buildWorld(stack.duckdb, dataDir, runtime, {
      plants: { fullStall: { view: 'airport_departures', fromHour: 6 } },
    });
    const result = await runLocalSkewCheck({
      dataDir,
      runtime,
      date: DAY,
      duckdb: stack.duckdb,
      alerts: localAlertSink(dataDir, () => {}),
    });
    const report = result.reports[0]!;
    expect(report.alert).toBe(false);
    expect(output(report, 'airport_departures__last_destination').verdict).toBe('stale');
    expect(output(report, 'airport_hourly__flights_1h').verdict).toBe('ok');
  });

  it('flags flights_1h when half the day was served under an older definition version', async () => {
    const old = flightsRuntime({ hourlyVersion: 1 });
    const { report } = await checkPlantedDay(
      { oldDeployment: { old, untilHour: 12 } },
      flightsRuntime({ hourlyVersion: 2 }),
    );
    expect(flagged(report)).toEqual(['airport_hourly__flights_1h']);
    const o = output(report, 'airport_hourly__flights_1h');
    expect(o.versionMismatchRate).toBeGreaterThan(0.4);
    expect(o.versionMismatchRate).toBeLessThan(0.6);
    expect(o.notes.join(' ')).toMatch(/airport_hourly v1 \(now v2\)/);
    expect(o.examples.every((e) => e.registryHash === old.registry.hash)).toBe(true);
    expect(report.registryHashes.map((h) => h.hash).sort()).toEqual(
      [old.registry.hash, report.registryHash].sort(),
    );
  });
});
