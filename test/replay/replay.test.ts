/**
 * The replay (`skewless plan --replay`) on the flights example: a day served under the applied
 * definitions, replayed under candidates with one planted change each (a window 7d → 14d, a
 * changed default, a changed filter, a shorter ttl, a transform fix) and all at once. Every
 * output's reported figures must equal the brute-force oracle's over the same logged rows, an
 * unchanged service must match 100%, and only the outputs the change reaches may be named.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as definitions from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService } from '../../lib/registry/query.ts';
import { runLocalReplay } from '../../lib/local/replay.ts';
import { servicesToReplay, type ServiceReplay } from '../../lib/skew/replay.ts';
import { recordsFromApplied } from '../../lib/skew/versions.ts';
import { flightsRuntime, type FlightsChanges } from './fixtures/flights-defs.ts';
import { expectOracleFigures as expectFigures, useReplayWorld } from './fixtures/expect.ts';
import { DAY } from './fixtures/world.ts';

const SERVICE = 'departure_delay_model';
const applied = flightsRuntime();
const world = useReplayWorld(applied);

async function replay(changes: FlightsChanges, services?: string[]) {
  return runLocalReplay({
    dataDir: world.dataDir,
    candidate: flightsRuntime(changes),
    applied: applied.registry,
    date: DAY,
    duckdbConfig: { threads: '2' },
    ...(services ? { services } : {}),
  });
}

/** Every output's figures equal the oracle's over the logged vectors. */
function expectOracleFigures(r: ServiceReplay, changes: FlightsChanges): void {
  const service = getService(flightsRuntime(changes).registry, SERVICE);
  expect(r.outputs.map((o) => o.output)).toEqual(service.outputs.map((o) => o.name));
  expectFigures(world, r, changes, service);
}

const changedBy = (r: ServiceReplay) =>
  r.outputs
    .filter((o) => o.change !== null)
    .map((o) => o.output)
    .sort();
const differing = (r: ServiceReplay) =>
  r.outputs
    .filter((o) => o.matches < o.rows)
    .map((o) => o.output)
    .sort();

describe('plan --replay on the flights example', () => {
  it('the fixture factory compiles to the example itself', () => {
    const example = registryFromModule(definitions as Record<string, unknown>);
    expect(applied.registry.hash).toBe(example.registry.hash);
  });

  it('an unchanged service matches 100%, by the oracle too; unnamed, it is not replayed (its transforms give the served outputs)', async () => {
    const named = await replay({}, [SERVICE]);
    expect(named.replays).toHaveLength(1);
    const r = named.replays[0]!;
    expect(r.sample).toMatchObject({ logged: world.vectors.length, checked: world.vectors.length });
    for (const o of r.outputs) {
      expect(o.matchRate, o.output).toBe(1);
      expect(o.change, o.output).toBeNull();
      expect(o.examples, o.output).toEqual([]);
    }
    expect(r.crossed).toBe(false);
    expectOracleFigures(r, {});
    const unnamed = await replay({});
    expect(unnamed.replays).toEqual([]);
    expect(unnamed.unchanged).toEqual([SERVICE]);
  });

  // A transform reads all its inputs: each of its outputs is named when one input changes
  // (the registry cannot tell which output reads which), and the values show which moved.
  const TRANSFORM = ['delay_above_hourly_mean', 'evening_departure', 'late_share_7d'];
  const DEPARTURES = [
    'airport_departures__last_delay',
    'airport_departures__last_departed_late',
    'airport_departures__last_destination',
  ];
  const planted: [string, FlightsChanges, string[], string[]][] = [
    [
      'a window 7d → 14d',
      { routeWindow: '14d' },
      ['route_delays__flights_7d'],
      ['route_delays__flights_7d'],
    ],
    [
      'a changed default',
      { mean24hDefault: -1 },
      ['airport_delays__dep_delay_mean_24h'],
      ['airport_delays__dep_delay_mean_24h'],
    ],
    [
      'a changed filter',
      { lateOver: 30 },
      ['airport_delays__late_7d', ...TRANSFORM],
      ['airport_delays__late_7d', 'late_share_7d'],
    ],
    [
      'a shorter ttl',
      { departuresTtl: '1h' },
      [...DEPARTURES, ...TRANSFORM],
      [...DEPARTURES, 'delay_above_hourly_mean'],
    ],
  ];
  for (const [name, changes, named, moved] of planted)
    it(`${name}: names the outputs it reaches, with the oracle's figures`, async () => {
      const result = await replay(changes);
      expect(result.replays).toHaveLength(1);
      const r = result.replays[0]!;
      expect(changedBy(r)).toEqual(named.sort());
      expect(differing(r)).toEqual(moved.sort());
      expectOracleFigures(r, changes);
      for (const o of r.outputs.filter((x) => x.matches < x.rows)) {
        expect(o.examples.length, o.output).toBeGreaterThan(0);
        for (const e of o.examples) expect(e.served, o.output).not.toEqual(e.rebuilt);
      }
      expect(r.crossed).toBe(r.report.decisions.length > 0);
    });

  it('a window change under a new view version is replayed on the events already stored', async () => {
    const changes: FlightsChanges = { routeWindow: '14d', routeDelaysVersion: 2 };
    const r = (await replay(changes)).replays[0]!;
    expect(changedBy(r)).toEqual(['route_delays__dep_delay_mean_7d', 'route_delays__flights_7d']);
    expect(r.changes.find((c) => c.output === 'route_delays__flights_7d')?.was).toBe(
      'route_delays v1 (now v2): window 7d (now 14d)',
    );
    // The new version's own table holds nothing yet: the applied version's raw events are read.
    expect(differing(r)).toEqual(['route_delays__flights_7d']);
    expectOracleFigures(r, changes);
  });

  it("a ttl change under a new plain view version is replayed on the applied version's records", async () => {
    const changes: FlightsChanges = { departuresTtl: '1h', departuresVersion: 2 };
    const r = (await replay(changes)).replays[0]!;
    expect(r.changes.find((c) => c.output === 'airport_departures__last_delay')?.was).toBe(
      'airport_departures v1 (now v2): ttl 2h (now 1h)',
    );
    // The same values as the ttl change alone: the stored records are the same stream's.
    expect(differing(r)).toEqual([...DEPARTURES, 'delay_above_hourly_mean'].sort());
    expectOracleFigures(r, changes);
  });

  it('reads a new version from the applied one only when it stores no column the applied lacks', () => {
    const v2 = flightsRuntime({ departuresVersion: 2, routeDelaysVersion: 3 }).registry;
    expect([...recordsFromApplied(applied.registry, v2)]).toEqual([
      ['airport_departures', 1],
      ['route_delays', 1],
    ]);
    expect(recordsFromApplied(applied.registry, applied.registry).size).toBe(0);
    // A feature added, or one retyped, is not in the applied version's table: read its own.
    const edited = (edit: (features: { name: string; dtype: string }[]) => void) => {
      const copy = structuredClone(v2) as unknown as {
        featureViews: { name: string; features: { name: string; dtype: string }[] }[];
      };
      edit(copy.featureViews.find((v) => v.name === 'airport_departures')!.features);
      return copy as unknown as typeof v2;
    };
    const added = edited((f) => void f.push({ ...f[0]!, name: 'last_gate' }));
    const retyped = edited((f) => void (f[0]!.dtype = 'float64'));
    const removed = edited((f) => void f.pop());
    expect([...recordsFromApplied(applied.registry, added).keys()]).toEqual(['route_delays']);
    expect([...recordsFromApplied(applied.registry, retyped).keys()]).toEqual(['route_delays']);
    expect([...recordsFromApplied(applied.registry, removed).keys()]).toEqual([
      'airport_departures',
      'route_delays',
    ]);
  });

  it('a transform body fix (same spec, another function) is found on the served inputs and replayed', async () => {
    const fix = { eveningFrom: 17 };
    // The registry cannot show it: same spec, same hash of everything it holds.
    expect(servicesToReplay(applied.registry, flightsRuntime(fix).registry)).toEqual([]);
    const result = await replay(fix);
    expect(result.replays).toHaveLength(1);
    const r = result.replays[0]!;
    expect(changedBy(r)).toEqual(['evening_departure']);
    expect(differing(r)).toEqual(['evening_departure']);
    const o = r.outputs.find((x) => x.output === 'evening_departure')!;
    // Served with the hour 17 (false then, true now): the vectors the oracle counts as changed.
    const moved = world.vectors.filter((v) => v.scheduledHour === 17).length;
    expect(moved).toBeGreaterThan(0);
    expect(o.rows - o.matches).toBe(moved);
    expect(r.changes).toEqual([
      {
        output: 'evening_departure',
        was: `transform 'departure_context' gives other outputs on ${moved} of ${world.vectors.length} logged inputs`,
      },
    ]);
    expectOracleFigures(r, fix);
    expect(o.examples.every((e) => e.served === false && e.rebuilt === true)).toBe(true);
    // Named, it is replayed the same way.
    expect((await replay(fix, [SERVICE])).replays[0]!.outputs).toEqual(r.outputs);
  });

  it('all five at once: the figures, the report in the nightly format, the thresholds', async () => {
    const all: FlightsChanges = {
      routeWindow: '14d',
      mean24hDefault: -1,
      lateOver: 30,
      departuresTtl: '1h',
      eveningFrom: 17,
    };
    const r = (await replay(all)).replays[0]!;
    expectOracleFigures(r, all);
    expect(r.crossed).toBe(true);
    const crossed = new Set(r.report.decisions.map((d) => d.output));
    for (const o of r.outputs)
      expect(crossed.has(o.output), o.output).toBe(
        o.matchRate < 0.99 || (o.distribution?.psi ?? 0) > 0.25,
      );
    const html = await readFile(r.report.reportLocation!, 'utf8');
    expect(html).toMatch(/<title>Skew report: departure_delay_model, 2026-03-15<\/title>/);
    expect(html).toContain('route_delays__flights_7d');
    expect(html).toMatch(/window 7d \(now 14d\)/);
    const json = JSON.parse(
      await readFile(r.report.reportLocation!.replace(/\.html$/, '.json'), 'utf8'),
    );
    expect(json.outputs.map((o: { output: string }) => o.output)).toEqual(
      r.outputs.map((o) => o.output),
    );
  });
});
