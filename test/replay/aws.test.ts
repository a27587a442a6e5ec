/**
 * `skewless plan --replay DATE --aws`: the same day as the local replay, read through the Athena
 * and S3 stand-ins of `test/export/` (the day's counts and sample UNLOADed from the log's Parquet
 * files, the rebuild from the offline store): the table must equal the local replay's, the
 * report must land in S3 under `skew-reports/replay/`, and the exit code must be the same. A new
 * version of a view is rebuilt from the applied version's table, whose name the UNLOAD must
 * read (the new version's table holds nothing until ingested).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/context.ts';
import { SKEW_COLUMNS } from '../../lib/skew/logs.ts';
import {
  serveAthenaLocally,
  type AthenaStandIn,
  type UnloadPlan,
} from '../export/athena-standin.ts';
import { runPlan, writeDefsFolder } from './fixtures/cli.ts';
import { flightsRuntime, type FlightsChanges } from './fixtures/flights-defs.ts';
import { buildReplayWorld, DAY } from './fixtures/world.ts';
import { getService } from '../../lib/registry/query.ts';
import { athenaOfflineReader } from '../../lib/export/offline-athena-aws.ts';
import { athenaDayLog } from '../../lib/skew/day-log-athena.ts';
import { s3ReportStore } from '../../lib/skew/s3-aws.ts';
import { replayShadows, shadowRuntime } from '../../lib/skew/shadow.ts';
import type { ServiceReplay } from '../../lib/skew/replay.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';

const BUCKET = 'store-bucket';
const SERVICE = 'departure_delay_model';
const DATABASE = 'skewless_offline';
const CHANGES = { departuresTtl: '1h' } as const;
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
let root: string;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'skewless-replay-aws-'));
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  await buildReplayWorld(duckdb, path.join(root, 'data'), flightsRuntime(), { vectors: 200 });
}, 120_000);

/** Athena and S3 for the candidate: its rebuild's UNLOAD must be the generator's for it. */
function standInFor(changes: FlightsChanges, plan: Partial<UnloadPlan> = {}): AthenaStandIn {
  athena.reset();
  s3.reset();
  return serveAthenaLocally({
    athena,
    s3,
    duckdb,
    runtime: flightsRuntime(changes),
    bucket: BUCKET,
    database: DATABASE,
    dataDir: path.join(root, 'data'),
    scratchDir: root,
    plans: () => [
      {
        service: 'departure_delay_model',
        timeColumn: SKEW_COLUMNS.servedAt,
        asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
        ...plan,
      },
    ],
  });
}

/** `plan --replay DAY` of the candidate, locally and with --aws. */
async function replayBoth(name: string, changes: FlightsChanges) {
  const defs = await writeDefsFolder(path.join(root, name), changes);
  const local = await runPlan(['--defs', defs, '--data', path.join(root, 'data'), '--replay', DAY]);
  const aws = await runPlan([
    ...['--defs', defs, '--replay', DAY, '--aws', '--bucket', BUCKET],
    ...['--workgroup', 'wg', '--database', DATABASE, '--region', 'us-east-1'],
  ]);
  return { local, aws };
}

afterAll(async () => {
  duckdb?.closeSync();
  instance?.closeSync();
  s3.restore();
  athena.restore();
  await rm(root, { recursive: true, force: true });
});

/** The table's output rows (the lines between the header and the examples). */
const tableRows = (out: string) =>
  out.split('\n').filter((l) => /^[a-z0-9_]+\s+.*\d+\.\d\d%/.test(l) && !l.startsWith('  '));

describe("a shadow's candidate version, replayed nightly through Athena", () => {
  it("reads its history from the served version's table and agrees with the local check", async () => {
    const runtime = flightsRuntime({ shadowRouteWindow: '14d' });
    const shadow = getService(runtime.registry, 'departure_delay_model_next');
    const standIn = standInFor(
      { shadowRouteWindow: '14d' },
      { runtime: shadowRuntime(runtime, shadow), eventsFrom: new Map([['route_delays', 1]]) },
    );
    const world = {
      athena: new AthenaClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      bucket: BUCKET,
      workgroup: 'wg',
      glueDatabase: DATABASE,
      runtime,
      clock: Date.now,
      sleep: async () => undefined,
      duckdb,
      tmpDir: root,
      runId: 'shadow',
    };
    const [aws] = await replayShadows(
      {
        duckdb,
        runtime,
        clock: Date.now,
        offline: athenaOfflineReader({ ...world, idPrefix: 'shadow' }),
        reports: s3ReportStore(world.s3, BUCKET),
      },
      { date: DAY, log: athenaDayLog(world, DAY), logged: new Map([[SERVICE, 200]]) },
    );
    const local = (
      await runLocalSkewCheck({ dataDir: path.join(root, 'data'), runtime, date: DAY })
    ).shadows[0]!;
    const figures = (r: ServiceReplay) => r.outputs.map((o) => [o.output, o.rows, o.matches]);
    expect(figures(aws!)).toEqual(figures(local));
    expect(aws!.outputs.filter((o) => o.matches < o.rows).map((o) => o.output)).toEqual([
      'route_delays__flights_7d',
    ]);
    const rebuild = standIn.queries.filter((q) => /"tmp_spine_/.test(q) && /^UNLOAD/.test(q));
    expect(rebuild.length).toBeGreaterThan(0);
    for (const q of rebuild) {
      expect(q).toContain(`"${DATABASE}"."route_delays_v1"`);
      expect(q).not.toContain('route_delays_v2');
    }
    expect(standIn.objects.has(`skew-reports/${DAY}/departure_delay_model_next.json`)).toBe(true);
  }, 120_000);
});

describe('skewless plan --replay --aws', () => {
  it('reads the day through Athena, writes the report to S3, and agrees with the local replay', async () => {
    const standIn = standInFor(CHANGES);
    const { local, aws } = await replayBoth('ttl', CHANGES);
    expect(aws.err).toMatch(/cross the thresholds of departure_delay_model/);
    expect([aws.exit, local.exit]).toEqual([EXIT.refused, EXIT.refused]);
    expect(tableRows(aws.out).length).toBe(16);
    expect(tableRows(aws.out)).toEqual(tableRows(local.out));
    expect(aws.out).toMatch(
      new RegExp(`Report: s3://${BUCKET}/skew-reports/replay/${DAY}/departure_delay_model\\.html`),
    );
    const report = JSON.parse(
      String(standIn.objects.get(`skew-reports/replay/${DAY}/departure_delay_model.json`)),
    );
    expect(report.vectors).toBe(200);
    expect(standIn.queries.some((q) => /UNLOAD/.test(q))).toBe(true);
  }, 120_000);

  it("rebuilds a window change under a new view version from the applied version's table", async () => {
    const changes: FlightsChanges = { routeWindow: '14d', routeDelaysVersion: 2 };
    const standIn = standInFor(changes, { eventsFrom: new Map([['route_delays', 1]]) });
    const { local, aws } = await replayBoth('v2', changes);
    expect(aws.err, aws.out).toBe(local.err);
    expect(tableRows(aws.out)).toEqual(tableRows(local.out));
    const rows = tableRows(aws.out);
    // The window moved one output; the other output of the new version matches every value,
    // which an empty table (defaults everywhere) would not.
    expect(rows.find((r) => r.startsWith('route_delays__flights_7d '))).not.toMatch(/100\.00%/);
    expect(rows.find((r) => r.startsWith('route_delays__dep_delay_mean_7d '))).toMatch(
      /route_delays v1 \(now v2\)\s+100\.00%/,
    );
    const rebuild = standIn.queries.filter((q) => /"tmp_spine_/.test(q) && /^UNLOAD/.test(q));
    expect(rebuild.length).toBeGreaterThan(0);
    for (const q of rebuild) {
      expect(q).toContain(`"${DATABASE}"."route_delays_v1"`);
      expect(q).not.toContain('route_delays_v2');
    }
  }, 120_000);

  it('finds a transform body fix on the served inputs the sample brings back, as locally', async () => {
    const changes: FlightsChanges = { eveningFrom: 17 };
    standInFor(changes);
    const { local, aws } = await replayBoth('fix', changes);
    expect([aws.exit, aws.err]).toEqual([local.exit, local.err]);
    expect(tableRows(aws.out)).toEqual(tableRows(local.out));
    expect(aws.out).toMatch(/^evening_departure\s+transform 'departure_context' gives other o/m);
  }, 120_000);
});
