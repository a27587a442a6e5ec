/** The Athena path with the SDK clients mocked at the boundary (no Athena runs locally). */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import {
  runAthenaExport,
  runAthenaQuery,
  SPINE_TABLE_PREFIX,
  type AthenaExportDeps,
} from '../../lib/export/athena-aws.ts';
import { ExportQueryError } from '../../lib/export/errors.ts';
import type { ExportManifest } from '../../lib/export/manifest.ts';
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

const request = {
  service: 'departure_delay_model',
  exportId: 'exp_1',
  spineColumns: [
    { name: 'origin', type: 'VARCHAR' },
    { name: 'destination', type: 'VARCHAR' },
    { name: 'event_time', type: 'TIMESTAMP' },
    { name: '_sk_row', type: 'BIGINT' },
  ],
  spineSource: 'spine.csv',
  spineSha256: 'abc',
  spineRows: 3,
  timeColumn: 'event_time',
  asOf: Date.parse('2001-07-01T00:00:00.000Z'),
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

describe('runAthenaExport', () => {
  it('creates the spine table, unloads into the export prefix, drops the table and writes the manifest', async () => {
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

    const result = await runAthenaExport(deps([]), request);

    const queries = athenaMock
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.QueryString ?? '');
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatch(/^CREATE EXTERNAL TABLE `skewless_offline`.`tmp_spine_exp_1`/);
    expect(queries[0]).toContain("LOCATION 's3://store-bucket/spines/exp_1/'");
    expect(queries[1]).toMatch(/^UNLOAD \(\nWITH/);
    expect(queries[1]).toContain(
      "TO 's3://store-bucket/exports/exp_1/data/'\nWITH (format = 'PARQUET')",
    );
    expect(queries[2]).toBe('DROP TABLE IF EXISTS `skewless_offline`.`tmp_spine_exp_1`');
    expect(result).toMatchObject({
      queryId: 'q-2',
      bytesScanned: 99_000,
      files: [
        's3://store-bucket/exports/exp_1/data/a.parquet',
        's3://store-bucket/exports/exp_1/data/b.parquet',
      ],
      manifestUri: 's3://store-bucket/exports/exp_1/manifest.json',
    });
    const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Key).toBe('exports/exp_1/manifest.json');
    const manifest = JSON.parse(String(put.Body)) as ExportManifest;
    expect(manifest).toMatchObject({
      engine: 'athena',
      queryId: 'q-2',
      asOf: '2001-07-01T00:00:00.000Z',
      registryHash: runtime.registry.hash,
      transformsPending: ['departure_context'],
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
    await expect(runAthenaExport(deps([]), request)).rejects.toThrow(/HIVE_BAD_DATA: bad parquet/);
    const last = athenaMock.commandCalls(StartQueryExecutionCommand).at(-1)!.args[0].input;
    expect(last.QueryString).toMatch(/^DROP TABLE IF EXISTS/);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
