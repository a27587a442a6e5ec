/**
 * A shadow of a new version of a served view: the flights example with `route_delays` defined
 * twice, v1 served and a candidate v2 (its `flights_7d` over 14 days) that only the shadow
 * `departure_delay_model_next` reads. The registry holds both versions; ingest writes every
 * record to both; the nightly check replays the served day under the candidate, reading the
 * candidate's history from v1's table (its own holds only what arrived since it was deployed),
 * and reports the brute-force oracle's figures; a served service may not read a candidate.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { onlineItemKey } from '../../lib/core/online-item.ts';
import { decodeTileItem, tileValueAt } from '../../lib/core/tile-state.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { localTileHistories } from '../../lib/materialize/tile-source.ts';
import { materializeTiles } from '../../lib/materialize/tiles.ts';
import { healAggregationViews } from '../../lib/heal/heal.ts';
import type { AggregationRegistryView } from '../../lib/registry/types.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { stringLiteral, timestampLiteral } from '../../lib/sql/literals.ts';
import { candidateValues } from './fixtures/oracle.ts';
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  field,
  type Definition,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { candidateHistory, storedViews } from '../../lib/registry/candidates.ts';
import { getService, getView, viewsOfStream } from '../../lib/registry/query.ts';
import { derivedNames } from '../../lib/core/naming.ts';
import { startLocalFeatureStore } from '../../lib/local/store.ts';
import { pushTarget } from '../../lib/cli/commands/push.ts';
import { buildLookupPlans } from '../../lib/serve/plan.ts';
import { flightsRuntime } from './fixtures/flights-defs.ts';
import { expectOracleFigures, nightlyCheck, useReplayWorld } from './fixtures/expect.ts';

const runtime = flightsRuntime({ shadowRouteWindow: '14d' });
const SHADOW = 'departure_delay_model_next';
const SERVED = 'departure_delay_model';

describe('a candidate version of a served view', () => {
  it('is held beside the served version: served services read v1, the shadow v2', () => {
    const { registry } = runtime;
    expect(getView(registry, 'route_delays').version).toBe(1);
    expect(registry.candidateViews?.map((v) => [v.name, v.version])).toEqual([['route_delays', 2]]);
    expect(
      getService(registry, SERVED).features.find((f) => f.view === 'route_delays')?.version,
    ).toBe(1);
    expect(
      getService(registry, SHADOW).features.find((f) => f.view === 'route_delays')?.version,
    ).toBe(2);
    // Stored: both versions read the stream and have a delivery stream each.
    expect(
      viewsOfStream(registry, 'flights')
        .map((v) => `${v.name} v${v.version}`)
        .sort(),
    ).toEqual(['airport_delays v1', 'route_delays v1', 'route_delays v2']);
    expect(derivedNames(registry, { prefix: 'p' }).map((d) => d.of)).toContain(
      "view 'route_delays' v2",
    );
    // Same event stream, so v1's table holds v2's history.
    expect([...candidateHistory(registry)]).toEqual([['route_delays', 1]]);
    // Only served services are served.
    expect([...buildLookupPlans(runtime).services.keys()]).toEqual([SERVED]);
    // The served registry (no candidate) keeps its shape and hash.
    expect(flightsRuntime().registry.candidateViews).toBeUndefined();
  });

  it('is written to by ingest beside its served version, its tiles healed from it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-candidate-ingest-'));
    const now = Date.parse('2026-03-15T12:00:00Z');
    const at = (h: number) => new Date(now - h * 3_600_000).toISOString();
    const departure = (h: number) => ({
      origin: 'ORD',
      destination: 'ATL',
      delay: 5,
      distance: 600,
      event_time: at(h),
    });
    const route = { origin: 'ORD', destination: 'ATL' };
    // Before the candidate: the served definitions store two departures (10 and 3 days ago).
    const before = await startLocalFeatureStore({
      runtime: flightsRuntime(),
      dataDir,
      writeEndpoints: false,
      clock: () => now,
    });
    await before.push('route_delays', [departure(240), departure(72)]);
    await before.stop();
    // kinesalite's sequence numbers (our record ids) carry the stream's creation second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const store = await startLocalFeatureStore({
      runtime,
      dataDir,
      writeEndpoints: false,
      clock: () => now,
    });
    try {
      await store.push('route_delays', [departure(1)]);
      const tables = await readdir(path.join(dataDir, 'offline'));
      expect(tables).toEqual(expect.arrayContaining(['route_delays_v1', 'route_delays_v2']));
      const { stack } = store;
      const items = await stack.dynamodb.send(new ScanCommand({ TableName: stack.onlineTable }));
      const sortKeys = (items.Items ?? [])
        .map((i) => i.sk?.S)
        .filter((s) => s?.startsWith('route_delays'));
      expect(sortKeys.sort()).toEqual(['route_delays#v1', 'route_delays#v2']);
      const candidate = runtime.registry.candidateViews![0]! as AggregationRegistryView;
      const flights14d = async () => {
        const key = onlineItemKey(encodeEntityKey(candidate.joinKeys, route), candidate);
        const read = await stack.dynamodb.send(
          new GetItemCommand({ TableName: stack.onlineTable, Key: key, ConsistentRead: true }),
        );
        return tileValueAt(candidate, decodeTileItem(read.Item as never).state, 'flights_7d', now)
          .value;
      };
      // Ingest fed the candidate since its deployment; the nightly heal of the served route
      // fills the rest from v1's events, and `materialize --from-version 1` then has nothing to do.
      expect(await flights14d()).toBe(1);
      const source = localTileHistories({
        duckdb: stack.duckdb,
        registry: runtime.registry,
        dataDir,
      });
      const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
      const heal = await healAggregationViews(
        { registry: runtime.registry, source, online },
        { now, served: new Map([['route_delays', [route]]]) },
      );
      // (dynalite holds the online store in memory: v1's item, too, restarted with the new event
      // only, and is mended the same way.)
      expect(heal.views.map((v) => [v.view, v.entities, v.written])).toEqual([
        ['route_delays', 1, 1],
        ['route_delays v2', 1, 1],
      ]);
      expect(await flights14d()).toBe(3);
      const again = await materializeTiles(source, online, candidate, { now, fromVersion: 1 });
      expect([again.written, again.kept]).toEqual([0, 1]);
    } finally {
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  describe('replayed each night under the shadow', () => {
    // The served versions' tables only: the candidate was deployed after the day.
    const world = useReplayWorld(runtime, { vectors: 300 });

    it("reports the candidate's window against the served values, by the oracle", async () => {
      const { result, alerts } = await nightlyCheck(world, runtime);
      expect(result.reports[0]!.alert).toBe(false);
      const [shadow] = result.shadows;
      expect([shadow?.shadow, shadow?.service]).toEqual([SHADOW, SERVED]);
      expect(shadow!.changes).toEqual(
        expect.arrayContaining([
          {
            output: 'route_delays__flights_7d',
            was: 'route_delays v1 (now v2): window 7d (now 14d)',
          },
          { output: 'route_delays__dep_delay_mean_7d', was: 'route_delays v1 (now v2)' },
        ]),
      );
      const served = getService(runtime.registry, SERVED);
      expectOracleFigures(world, shadow!, { routeWindow: '14d' }, served);
      // Only the window moved: every other output, the 7-day mean of v2 included, matched.
      expect(shadow!.outputs.filter((o) => o.matches < o.rows).map((o) => o.output)).toEqual([
        'route_delays__flights_7d',
      ]);
      expect(alerts).toEqual([]);
    }, 240_000);
  });

  describe('exported for training', () => {
    const world = useReplayWorld(runtime, { vectors: 120 });

    it("reads the candidate's history too: the shadow's training rows have the 14-day window", async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
      const duckdb = await instance.connect();
      await duckdb.run(`SET TimeZone = 'UTC'`);
      try {
        const rows = world.vectors.map(
          (v, i) =>
            `(${i}, ${stringLiteral(v.origin)}, ${stringLiteral(v.destination)}, ${v.scheduledHour ?? 'NULL'}, ${timestampLiteral(v.servedAt)})`,
        );
        await duckdb.run(
          `CREATE TABLE spine AS SELECT * FROM (VALUES ${rows.join(', ')})
             AS s(i, origin, destination, scheduled_hour, served_at)`,
        );
        await exportPointInTimeLocal(
          { duckdb, dataDir: world.dataDir, runtime },
          {
            service: SHADOW,
            spineTable: 'spine',
            timeColumn: 'served_at',
            asOf: { kind: 'column', column: 'served_at' },
            into: 'training',
          },
        );
        const got = await duckdb.runAndReadAll(
          `SELECT i, route_delays__flights_7d AS n FROM training ORDER BY i`,
        );
        const want = world.vectors.map(
          (v) =>
            candidateValues(world.departures, v, { routeWindow: '14d' }).route_delays__flights_7d!
              .value,
        );
        expect(got.getRowObjectsJS().map((r) => (r.n === null ? null : Number(r.n)))).toEqual(want);
        // Windows longer than the served version's: the 14 days reach before its 7.
        const served = world.vectors.map(
          (v) => candidateValues(world.departures, v, {}).route_delays__flights_7d!.value,
        );
        expect(want).not.toEqual(served);
      } finally {
        duckdb.closeSync();
        instance.closeSync();
      }
    }, 120_000);
  });

  describe('is refused when', () => {
    const user = defineEntity({ name: 'user', keys: { user_id: 'string' } });
    const view = (version: number, dtype: 'int64' | 'string', stream = 'clicks') =>
      defineFeatureView({
        name: 'clicks',
        version,
        entities: [user],
        ttl: '1h',
        owner: 'x',
        source: { stream },
        features: { n: dtype === 'int64' ? field.int64() : field.string() },
      });
    const v1 = view(1, 'int64');
    const v2 = view(2, 'int64');
    const served = defineFeatureService({ name: 'model', features: [v1] });

    it('a served service reads it', () => {
      const reads = defineFeatureService({ name: 'other', features: [v2] });
      expect(() => compileRegistry([user, v1, v2, served, reads])).toThrow(
        /feature service 'other': \[candidate-served\] reads view 'clicks' v2, a candidate/,
      );
      const shadow = defineFeatureService({ name: 'next', features: [v2], shadowOf: served });
      expect(compileRegistry([user, v1, v2, served, shadow]).registry.candidateViews).toHaveLength(
        1,
      );
    });

    it('two definitions share a version, or there are three', () => {
      expect(() => compileRegistry([user, v1, view(1, 'int64'), served])).toThrow(
        /\[duplicate-name\] another feature view is also named 'clicks' at version 1/,
      );
      expect(() => compileRegistry([user, v1, v2, view(3, 'int64'), served])).toThrow(
        /\[duplicate-name\] view 'clicks' is defined more than twice/,
      );
    });

    it("its keys differ from its served version's on their shared stream, named in its file", () => {
      const device = defineEntity({ name: 'device', keys: { device_id: 'string' } });
      const wider = defineFeatureView({
        name: 'clicks',
        version: 2,
        entities: [user, device],
        ttl: '1h',
        owner: 'x',
        source: { stream: 'clicks' },
        features: { n: field.int64() },
      });
      const shadow = defineFeatureService({ name: 'next', features: [wider], shadowOf: served });
      const files = new Map<Definition, string>([
        [v1, 'served.ts'],
        [wider, 'candidate.ts'],
      ]);
      expect(() => compileRegistry([user, device, v1, wider, served, shadow], files)).toThrow(
        /candidate\.ts: feature view 'clicks': \[source-keys\]/,
      );
    });

    it("it changes a type on the served version's stream (its own stream may)", () => {
      const shadowOf = (v: ReturnType<typeof view>) =>
        defineFeatureService({ name: 'next', features: [v], shadowOf: served });
      const typed = view(2, 'string');
      expect(() => compileRegistry([user, v1, typed, served, shadowOf(typed)])).toThrow(
        /\[candidate-type\] candidate v2 makes feature 'n' string \(v1: int64\)/,
      );
      const own = view(2, 'string', 'clicks_v2');
      const { registry } = compileRegistry([user, v1, own, served, shadowOf(own)]);
      expect(storedViews(registry).map((v) => v.source.stream)).toEqual(['clicks', 'clicks_v2']);
      // Another stream holds none of its history; `push --view clicks_v2` feeds it.
      expect(candidateHistory(registry).size).toBe(0);
      expect(pushTarget(registry, 'clicks_v2')).toMatchObject({
        view: { name: 'clicks', version: 2 },
        label: "stream 'clicks_v2'",
      });
      expect(pushTarget(registry, 'clicks').view.version).toBe(1);
    });
  });
});
