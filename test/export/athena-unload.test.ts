/**
 * What Athena refuses of an UNLOAD, served by the stand-in (`athena-standin.ts`) from the rules
 * of `lib/aws-rules/athena.ts`: a column it would write as `timestamp(6)` (the Hive writer takes
 * milliseconds only), a target prefix that already holds data, a query string over the limit.
 * `unloadSql` casts every timestamp to `timestamp(3)`, so an export of a service with a
 * `timestamp` feature goes through Athena and gives the local export's rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATHENA_RULES } from '../../lib/aws-rules/athena.ts';
import { runAthenaQuery } from '../../lib/export/athena-aws.ts';
import { unloadSql } from '../../lib/export/athena-sql.ts';
import { athenaOfflineReader } from '../../lib/export/offline-athena-aws.ts';
import { runExport, runLocalExport } from '../../lib/export/run.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import * as defs from '../property/value-space-defs.ts';
import { serveAthenaLocally, type AthenaStandIn } from './athena-standin.ts';
import { writeOfflineRecords } from './offline-fixture.ts';

const runtime = registryFromModule(defs as Record<string, unknown>);
const SERVICE = 'all_types_service';
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');
const TABLE = '"db"."all_types_v1"';

describe('UNLOAD as Athena runs it', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let standIn: AthenaStandIn;
  const deps = () => ({
    athena: new AthenaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'store',
    workgroup: 'wg',
    glueDatabase: 'db',
    runtime,
    clock: () => T0,
    sleep: async () => undefined,
  });
  const target = (name: string) => `s3://store/exports/${name}/data/`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-unload-'));
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await writeOfflineRecords(
      duckdb,
      path.join(dir, 'data'),
      getView(runtime.registry, 'all_types'),
      [
        {
          keys: { id: 'a' },
          values: { i: 1, f: 0.5, s: 'x', b: true, ts: T0 - 123_456, list: [1, 2] },
          eventTime: T0 - 60_000,
          ingestedAt: T0 - 59_000,
          recordId: 's:1',
        },
      ],
    );
    await writeFile(
      path.join(dir, 'spine.csv'),
      ['id,event_time', `a,2001-01-01T10:00:00Z`, `b,2001-01-01T10:00:00Z`].join('\n'),
    );
  });
  afterAll(async () => {
    duckdb.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    athenaMock.reset();
    s3Mock.reset();
    standIn = serveAthenaLocally({
      athena: athenaMock,
      s3: s3Mock,
      duckdb,
      runtime,
      bucket: 'store',
      database: 'db',
      dataDir: path.join(dir, 'data'),
      scratchDir: dir,
      plans: () => [
        { service: SERVICE, timeColumn: 'event_time', asOf: { kind: 'instant', at: T0 } },
      ],
    });
  });

  it('refuses a timestamp(6) column, as the Hive writer does; unloadSql writes timestamp(3)', async () => {
    const raw = `UNLOAD (\nSELECT "id", "ts" FROM ${TABLE}\n)\nTO '${target('raw')}'\nWITH (format = 'PARQUET')`;
    await expect(runAthenaQuery(deps(), raw)).rejects.toThrow(
      /Incorrect timestamp precision for timestamp\(6\); the configured precision is MILLISECONDS; column name: ts/,
    );
    const cast = unloadSql(
      `SELECT "id", "ts" FROM ${TABLE}`,
      [
        { name: 'id', timestamp: false },
        { name: 'ts', timestamp: true },
      ],
      target('cast'),
    );
    await runAthenaQuery(deps(), cast);
    const written = [...standIn.objects.keys()].filter((k) => k.startsWith('exports/cast/'));
    expect(written.length).toBeGreaterThan(0);
    const file = path.join(dir, 'cast.parquet');
    await writeFile(file, standIn.objects.get(written[0]!) as Uint8Array);
    // DuckDB reads a TIMESTAMP_MILLIS Parquet column back as TIMESTAMP: ask the file itself.
    const schema = await duckdb.runAndReadAll(
      `SELECT name, converted_type FROM parquet_schema('${file}') WHERE name = 'ts'`,
    );
    expect(schema.getRowObjectsJS()).toEqual([{ name: 'ts', converted_type: 'TIMESTAMP_MILLIS' }]);
  });

  it('refuses a target that holds data, and a query over the length limit', async () => {
    const sql = unloadSql(
      `SELECT "id" FROM ${TABLE}`,
      [{ name: 'id', timestamp: false }],
      target('t'),
    );
    await runAthenaQuery(deps(), sql);
    await expect(runAthenaQuery(deps(), sql)).rejects.toThrow(/already exists/);
    // The runner refuses it before sending; the stand-in refuses it as Athena would.
    const long = `SELECT 1 -- ${'x'.repeat(ATHENA_RULES.queryStringMaxBytes.value)}`;
    await expect(runAthenaQuery(deps(), long)).rejects.toThrow(/over Athena's 262144-byte limit/);
    const athena = new AthenaClient({ region: 'us-east-1' });
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({ QueryString: long, WorkGroup: 'wg' }),
    );
    const { QueryExecution } = await athena.send(
      new GetQueryExecutionCommand({ QueryExecutionId }),
    );
    expect(QueryExecution?.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: expect.stringMatching(/less than or equal to 262144/),
    });
  });

  it('exports a service with a timestamp feature through Athena: the local rows', async () => {
    const request = {
      spineFile: path.join(dir, 'spine.csv'),
      service: SERVICE,
      asOf: T0,
    };
    const out = path.join(dir, 'aws.parquet');
    const store = athenaOfflineReader({ ...deps(), duckdb });
    await runExport(
      { duckdb, runtime, clock: () => T0, store },
      { ...request, out, exportId: 'e1' },
    );
    const local = path.join(dir, 'local.parquet');
    await runLocalExport(
      { duckdb, runtime, clock: () => T0, dataDir: path.join(dir, 'data') },
      { ...request, out: local, exportId: 'e2' },
    );
    const rows = async (f: string) =>
      (
        await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${f}') ORDER BY id`)
      ).getRowObjectsJS();
    const got = await rows(out);
    expect(got).toEqual(await rows(local));
    expect(got[0]!['all_types__ts']).toEqual(new Date(T0 - 123_456));
  });
});
