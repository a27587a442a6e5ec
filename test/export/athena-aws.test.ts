/** The Athena path with the SDK clients mocked at the boundary (no Athena runs locally). */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import {
  runAthenaQuery,
  SPINE_TABLE_PREFIX,
  type AthenaExportDeps,
} from '../../lib/export/athena-aws.ts';
import { ExportQueryError } from '../../lib/export/errors.ts';
import { athenaOfflineReader } from '../../lib/export/offline-athena-aws.ts';
import type { StoreQuery } from '../../lib/export/offline-reader.ts';
import { SCRATCH_TABLE_PREFIX } from '../../lib/cdk/offline-store.ts';

const runtime = registryFromModule(flights);
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);

function deps(sleeps: number[], now = { t: 0 }): AthenaExportDeps {
  return {
    athena: new AthenaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'store-bucket',
    workgroup: 'skewless-wg',
    glueDatabase: 'skewless_offline',
    runtime,
    clock: () => now.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      now.t += ms;
    },
    poll: { initialMs: 100, factor: 2, maxMs: 300, timeoutMs: 10_000 },
  };
}

const request: StoreQuery = {
  service: 'departure_delay_model',
  id: 'exp_1',
  spine: 'spine',
  spineColumns: [
    { name: 'origin', type: 'VARCHAR' },
    { name: 'destination', type: 'VARCHAR' },
    { name: 'event_time', type: 'TIMESTAMP' },
    { name: '_sk_row', type: 'BIGINT' },
  ],
  timeColumn: 'event_time',
  asOf: { kind: 'instant', at: Date.parse('2001-07-01T00:00:00.000Z') },
};

beforeEach(() => {
  athenaMock.reset();
  s3Mock.reset();
});

it('names the spine table with the scratch prefix the CDK lets the export create and drop', () => {
  expect(SPINE_TABLE_PREFIX.startsWith(SCRATCH_TABLE_PREFIX)).toBe(true);
});

describe('runAthenaQuery', () => {
  it('polls with backoff until the query succeeds and reports the bytes scanned', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 1234 },
        },
      });
    const sleeps: number[] = [];
    const outcome = await runAthenaQuery(deps(sleeps), 'SELECT 1');
    expect(outcome).toEqual({ queryId: 'q-1', bytesScanned: 1234 });
    expect(sleeps).toEqual([100, 200, 300, 300]);
    const start = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({
      QueryString: 'SELECT 1',
      WorkGroup: 'skewless-wg',
      QueryExecutionContext: { Database: 'skewless_offline' },
    });
  });

  it("fails with Athena's own message when the query fails", async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 3:8: Column 'origin' cannot be resolved",
        },
      },
    });
    const error = await runAthenaQuery(deps([]), 'SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportQueryError);
    expect((error as ExportQueryError).queryId).toBe('q-2');
    expect((error as ExportQueryError).message).toContain(
      "COLUMN_NOT_FOUND: line 3:8: Column 'origin' cannot be resolved",
    );
  });

  it('gives up after the timeout, naming the query', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    const error = await runAthenaQuery(deps([]), 'SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportQueryError);
    expect((error as Error).message).toMatch(/q-3 RUNNING: still RUNNING after 10000 ms/);
  });
});

describe('athenaOfflineReader', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await duckdb.run(
      `CREATE TABLE spine AS SELECT 'SFO' AS origin, 'LAX' AS destination,
         TIMESTAMP '2001-01-01 10:00:00' + to_minutes(i) AS event_time, i AS _sk_row
       FROM range(3) t(i)`,
    );
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });
  const store = () => athenaOfflineReader({ ...deps([]), duckdb });

  it('uploads the spine, creates its table, unloads into the export prefix and drops the table', async () => {
    let n = 0;
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
    athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => ({
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: input.QueryExecutionId === 'q-2' ? 99_000 : 0 },
      },
    }));
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'exports/exp_1/data/b.parquet' }],
        IsTruncated: true,
        NextContinuationToken: 't',
      })
      .resolves({ Contents: [{ Key: 'exports/exp_1/data/a.parquet' }] });
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: async () => new Uint8Array([1]) } as never,
    });

    const rows = await store().pointInTime(request);
    await rows.release();

    const queries = athenaMock
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.QueryString ?? '');
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatch(/^CREATE EXTERNAL TABLE `skewless_offline`.`tmp_spine_exp_1`/);
    expect(queries[0]).toContain("LOCATION 's3://store-bucket/spines/exp_1/'");
    expect(queries[1]).toMatch(/^UNLOAD \(\nSELECT [^\n]*\nFROM \(\nWITH/);
    // The runner computed the spine's span: the scan bounds are literals, not subqueries.
    expect(queries[1]).toMatch(/"event_time" > TIMESTAMP '/);
    expect(queries[1]).not.toMatch(/\(SELECT (min|max)\("_sk_t"\)/);
    expect(queries[1]).toContain(
      "TO 's3://store-bucket/exports/exp_1/data/'\nWITH (format = 'PARQUET')",
    );
    expect(queries[2]).toBe('DROP TABLE IF EXISTS `skewless_offline`.`tmp_spine_exp_1`');
    expect(rows).toMatchObject({
      queryId: 'q-2',
      bytesScanned: 99_000,
      files: [
        's3://store-bucket/exports/exp_1/data/a.parquet',
        's3://store-bucket/exports/exp_1/data/b.parquet',
      ],
    });
    expect(rows.relation).toMatch(/^read_parquet\(\[/);
    const put = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(put).toEqual(['spines/exp_1/spine.parquet']);
  });

  it('keeps an export in the store: manifest and baseline under its prefix, and the promoted baseline', () => {
    expect(store().artifacts('exp_1', 'departure_delay_model', true)).toEqual({
      manifest: ['s3://store-bucket/exports/exp_1/manifest.json'],
      baseline: [
        's3://store-bucket/exports/exp_1/baseline.json',
        's3://store-bucket/baselines/departure_delay_model.baseline.json',
      ],
    });
  });

  it('still drops the spine table when the UNLOAD fails, and reports the failure', async () => {
    let n = 0;
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
    athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => ({
      QueryExecution: {
        Status:
          input.QueryExecutionId === 'q-2'
            ? { State: 'FAILED', StateChangeReason: 'HIVE_BAD_DATA: bad parquet' }
            : { State: 'SUCCEEDED' },
      },
    }));
    s3Mock.on(PutObjectCommand).resolves({});
    await expect(store().pointInTime(request)).rejects.toThrow(/HIVE_BAD_DATA: bad parquet/);
    const last = athenaMock.commandCalls(StartQueryExecutionCommand).at(-1)!.args[0].input;
    expect(last.QueryString).toMatch(/^DROP TABLE IF EXISTS/);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});
