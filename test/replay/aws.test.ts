/**
 * `skewless plan --replay DATE --aws`: the same day as the local replay, read through the Athena
 * and S3 stand-ins of `test/export/` (the day's counts and sample UNLOADed from the log's Parquet
 * files, the rebuild from the offline store): the table must equal the local replay's, the
 * report must land in S3 under `skew-reports/replay/`, and the exit code must be the same.
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
import { serveAthenaLocally, type AthenaStandIn } from '../export/athena-standin.ts';
import { runPlan, writeDefsFolder } from './fixtures/cli.ts';
import { flightsRuntime } from './fixtures/flights-defs.ts';
import { buildReplayWorld, DAY } from './fixtures/world.ts';

const BUCKET = 'store-bucket';
const DATABASE = 'skewless_offline';
const CHANGES = { departuresTtl: '1h' } as const;
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
let root: string;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;
let standIn: AthenaStandIn;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'skewless-replay-aws-'));
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  await buildReplayWorld(duckdb, path.join(root, 'data'), flightsRuntime(), { vectors: 200 });
  standIn = serveAthenaLocally({
    athena,
    s3,
    duckdb,
    runtime: flightsRuntime(CHANGES),
    bucket: BUCKET,
    database: DATABASE,
    dataDir: path.join(root, 'data'),
    scratchDir: root,
    plans: () => [
      {
        service: 'departure_delay_model',
        timeColumn: SKEW_COLUMNS.servedAt,
        asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
      },
    ],
  });
}, 120_000);

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

describe('skewless plan --replay --aws', () => {
  it('reads the day through Athena, writes the report to S3, and agrees with the local replay', async () => {
    const defs = await writeDefsFolder(path.join(root, 'defs'), CHANGES);
    const local = await runPlan([
      '--defs',
      defs,
      '--data',
      path.join(root, 'data'),
      '--replay',
      DAY,
    ]);
    const aws = await runPlan([
      '--defs',
      defs,
      '--replay',
      DAY,
      '--aws',
      '--bucket',
      BUCKET,
      '--workgroup',
      'wg',
      '--database',
      DATABASE,
      '--region',
      'us-east-1',
    ]);
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
});
