/**
 * Planted skews on the local stack: a synthetic day of the flights service is served, logged and
 * stored offline (real Parquet, real JSON lines), one skew is planted, and the real local check
 * (DuckDB + the export's point-in-time generator) must flag exactly the features it touches.
 * These views carry their values; skew planted in aggregation views' tiles is in
 * `planted-aggregation.test.ts`.
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

const withVerdict = (report: SkewReport, verdict: string) =>
  report.outputs.filter((o) => o.verdict === verdict).map((o) => o.output);
const output = (report: SkewReport, name: string) => report.outputs.find((o) => o.output === name)!;
/** Values per cause of one output, e.g. `{ 'ingest lag': 612 }`. */
const causes = (report: SkewReport, name: string) =>
  Object.fromEntries(output(report, name).causes.map((c) => [c.cause, c.count]));
const DEPARTURES = [
  'airport_departures__last_delay',
  'airport_departures__last_departed_late',
  'airport_departures__last_destination',
];

describe('the skew check on a planted day', () => {
  it('finds nothing but ok or drift on a clean day, with every figure computed', async () => {
    const { report, alerts, dataDir } = await checkPlantedDay({});
    for (const o of report.outputs) {
      expect(['ok', 'drift'], o.output).toContain(o.verdict);
      expect(o.exactMatchRate, o.output).toBe(1);
      expect(o.nullMismatchRate, o.output).toBe(0);
      expect(
        o.causes.filter((c) => c.kind === 'skew'),
        o.output,
      ).toEqual([]);
      expect(o.psi, o.output).not.toBeNull();
      expect(o.psi!, o.output).toBeLessThan(o.thresholds.psiMax);
      expect(o.psiNoise!, o.output).toBeGreaterThan(0);
      expect(o.ksNoise === null, o.output).toBe(o.ks === null);
      // Every value matched: the interval's top is 100%, its bottom below it (1,500 rows).
      expect(o.exactMatchInterval[1], o.output).toBe(1);
      expect(o.exactMatchInterval[0], o.output).toBeGreaterThan(0.99);
      expect(o.exactMatchInterval[0], o.output).toBeLessThan(1);
    }
    expect(report.kinds).toEqual([]);
    expect(report.verdict).toBe('ok');
    expect(report.alert).toBe(false);
    expect(alerts).toBe(0);
    await expect(readFile(localAlertsPath(dataDir), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(output(report, 'route_flights__last_delay').ks).not.toBeNull();
    expect(output(report, 'airport_hourly__late_share_1h').freshness?.ttlMs).toBe(3 * 3_600_000);
    expect(report.vectors).toBe(1500);
    expect(report.sample).toMatchObject({ logged: 1500, checked: 1500, rate: 1, whole: true });
    expect(report.malformed).toEqual({ count: 0, examples: [] });
  });

  it('calls a producer serving 0 for a stored null skew, unexplained, on that feature only', async () => {
    const { report, alerts, dataDir } = await checkPlantedDay({ imputeNulls: true });
    expect(withVerdict(report, 'skew')).toEqual(['airport_hourly__late_share_1h']);
    const o = output(report, 'airport_hourly__late_share_1h');
    expect(o.decisions.map((d) => [d.kind, d.metric])).toEqual(
      expect.arrayContaining([
        ['skew', 'exactMatch'],
        ['skew', 'nullMismatch'],
      ]),
    );
    expect(causes(report, o.output)).toEqual({ unexplained: o.rows - o.matches });
    expect(o.examples.length).toBeGreaterThanOrEqual(3);
    for (const e of o.examples)
      expect([e.served, e.rebuilt, e.cause]).toEqual([0, null, 'unexplained']);
    expect(o.notes.join(' ')).toMatch(/imputing nulls/);
    expect(alerts).toBe(1);
    const logged = (await readFile(localAlertsPath(dataDir), 'utf8')).trim().split('\n');
    expect(logged).toHaveLength(1);
    const alert = JSON.parse(logged[0]!);
    expect(alert.outputs).toEqual(['airport_hourly__late_share_1h']);
    expect(alert.subject).toMatch(/^skewless skew(, drift)?: /);
    expect(alert.message.split('\n')[0]).toMatch(/^Skew in 1 feature/);
  });

  it('calls event times shifted 5 h offline skew on route_flights, unexplained', async () => {
    const { report } = await checkPlantedDay({
      offlineShift: { view: 'route_flights', hours: 5 },
    });
    expect(withVerdict(report, 'skew')).toContain('route_flights__last_delay');
    for (const name of withVerdict(report, 'skew')) expect(name).toMatch(/^route_flights__/);
    const o = output(report, 'route_flights__last_delay');
    expect(o.exactMatchRate).toBeLessThan(0.5);
    expect(o.causes[0]!.cause).toBe('unexplained');
  });

  it('calls a stalled online writer (offline kept receiving) stale, ingest lag, not skew', async () => {
    const { report, alerts } = await checkPlantedDay({
      onlineStall: { view: 'airport_departures', fromHour: 6 },
    });
    // The transform output reads last_delay: stale too, for the same cause, and says so.
    expect(withVerdict(report, 'stale').sort()).toEqual(
      [...DEPARTURES, 'delay_above_hourly_mean'].sort(),
    );
    expect(withVerdict(report, 'skew')).toEqual([]);
    expect(alerts).toBe(1);
    for (const name of [...DEPARTURES, 'delay_above_hourly_mean']) {
      const byCause = causes(report, name);
      expect(byCause['ingest lag'], name).toBeGreaterThan(output(report, name).rows / 4);
      expect(byCause.unexplained ?? 0, name).toBe(0);
    }
    const o = output(report, 'airport_departures__last_delay');
    expect(o.status!.servedStale).toBeGreaterThan(o.rows / 2);
    expect(o.notes.join(' ')).toMatch(/online store should have held it/);
    expect(output(report, 'delay_above_hourly_mean').notes.join(' ')).toMatch(/Derived/);
  });

  it('calls a late batch (both stores received the rest of the day after midnight) stale, late data', async () => {
    // The rebuild at as_of = served_at sees the same state as the online store, so every value
    // matches (no skew); the rebuild with the latest as_of sees the late records: late data.
    const { report, alerts } = await checkPlantedDay({
      fullStall: { view: 'airport_departures', fromHour: 6 },
    });
    expect(alerts).toBe(1);
    expect(withVerdict(report, 'stale').sort()).toEqual(DEPARTURES);
    expect(withVerdict(report, 'skew')).toEqual([]);
    const o = output(report, 'airport_departures__last_destination');
    expect(o.exactMatchRate).toBe(1);
    expect(o.kinds).toContain('stale');
    expect(causes(report, o.output)).toEqual({ 'late data': expect.any(Number) });
    expect(o.staleRate).toBeGreaterThan(0.5);
    const e = o.causes[0]!.examples[0]!;
    expect(e.servedStatus).toMatch(/expired|missing/);
    expect(e.latest).not.toBeUndefined();
    expect(o.status!.servedStale).toBe(0);
    expect(o.notes.join(' ')).toMatch(/arrived after served_at/);
  });

  it('alerts on a late batch without a baseline too: stale has its own threshold', async () => {
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
    expect(report.alert).toBe(true);
    expect(report.kinds).toEqual(['stale']);
    expect(result.alerts[0]!.subject).toMatch(/^skewless stale: /);
    expect(output(report, 'airport_departures__last_destination').verdict).toBe('stale');
    expect(output(report, 'airport_hourly__flights_1h').verdict).toBe('ok');
  });

  it('calls half a day served under an older definition version skew, version', async () => {
    const old = flightsRuntime({ hourlyVersion: 1 });
    const { report } = await checkPlantedDay(
      { oldDeployment: { old, untilHour: 12 } },
      flightsRuntime({ hourlyVersion: 2 }),
    );
    expect(withVerdict(report, 'skew')).toEqual(['airport_hourly__flights_1h']);
    const o = output(report, 'airport_hourly__flights_1h');
    expect(o.versionMismatchRate).toBeGreaterThan(0.4);
    expect(o.versionMismatchRate).toBeLessThan(0.6);
    expect(causes(report, o.output)).toEqual({ version: o.rows - o.matches });
    expect(o.notes.join(' ')).toMatch(/airport_hourly v1 \(now v2\)/);
    expect(o.examples.every((e) => e.registryHash === old.registry.hash)).toBe(true);
    expect(report.registryHashes.map((h) => h.hash).sort()).toEqual(
      [old.registry.hash, report.registryHash].sort(),
    );
  });

  it('calls a lookup that serves a value aged exactly ttl skew, default/ttl edge', async () => {
    const { report } = await checkPlantedDay({
      ttlEdge: { view: 'airport_departures', vectors: 40 },
    });
    const o = output(report, 'airport_departures__last_delay');
    expect(o.verdict).toBe('skew');
    const byCause = causes(report, o.output);
    expect(byCause['default/ttl edge']).toBeGreaterThan(0);
    // Nothing else is skew (a value served missing whose record landed seconds later is not).
    expect(o.causes.filter((c) => c.kind === 'skew').map((c) => c.cause)).toEqual([
      'default/ttl edge',
    ]);
    for (const e of o.causes[0]!.examples)
      expect([e.servedStatus, e.rebuiltStatus]).toEqual(['present', 'expired']);
  });

  it('calls a corrupted online item skew, unexplained, on that feature only', async () => {
    const { report } = await checkPlantedDay({
      corruptItem: { output: 'route_flights__distance', origin: 'ORD', delta: 1000 },
    });
    expect(withVerdict(report, 'skew')).toEqual(['route_flights__distance']);
    const o = output(report, 'route_flights__distance');
    expect(Object.keys(causes(report, o.output))).toEqual(['unexplained']);
    for (const e of o.examples) {
      expect(e.entityKey).toMatch(/ORD/);
      expect(Number(e.served) - Number(e.rebuilt)).toBe(1000);
    }
  });

  it("counts and names the records the log refused (the writer's error output), and checks every other line", async () => {
    const lone = JSON.stringify({ request_id: 'bad-\ud800', served_at: `${DAY}T01:00:00.000Z` });
    const { report, alerts, dataDir } = await checkPlantedDay({
      malformedLines: [
        Buffer.from(lone),
        Buffer.from('{"request_id":"req-trunc","served_at":"2001-03-02T0'),
        Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
      ],
    });
    expect(report.vectors).toBe(1500);
    expect(report.malformed.count).toBe(3);
    expect(report.malformed.examples.map((m) => [m.line, m.reason.split(' (')[0]])).toEqual([
      [1, 'lone surrogate in request_id'],
      [2, 'not valid JSON'],
      [3, 'not UTF-8'],
    ]);
    expect(report.malformed.examples[0]!.excerpt).toContain('bad-\\ud800');
    expect(report.alert).toBe(true);
    expect(alerts).toBe(1);
    const alert = JSON.parse((await readFile(localAlertsPath(dataDir), 'utf8')).trim());
    expect(alert.message).toContain('3 malformed log lines skipped');
    expect(alert.message).toContain('part-local.jsonl line 2: not valid JSON');
  });
});
