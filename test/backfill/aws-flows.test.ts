/**
 * Backfill and materialize in AWS, with the SDK mocked at the boundary: the rows go up as the
 * view's offline Parquet, Athena merges them into the Iceberg table on record_id through a
 * scratch table that is dropped whatever happens; materialize UNLOADs the newest row per
 * entity and writes each with ingestion's conditional put.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { runAwsBackfill } from '../../lib/backfill/aws.ts';
import { offlineColumns } from '../../lib/core/columns.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { runAwsMaterialize } from '../../lib/materialize/aws.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import { serveAthenaLocally } from '../export/athena-standin.ts';
import { writeOfflineRecords } from '../export/offline-fixture.ts';

const runtime = registryFromModule(flights);
const { registry } = runtime;
const view = getViewOfKind(registry, 'airport_departures', 'plain');
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const dynamoMock = mockClient(DynamoDBClient);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');

function athenaStates(states: Record<number, 'SUCCEEDED' | 'FAILED'> = {}): string[] {
  const sql: string[] = [];
  athenaMock.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
    sql.push(input.QueryString);
    return { QueryExecutionId: `q-${sql.length}` };
  });
  athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
    const n = Number(input.QueryExecutionId.slice(2));
    const state = states[n] ?? 'SUCCEEDED';
    return { QueryExecution: { Status: { State: state, StateChangeReason: 'merge refused' } } };
  });
  return sql;
}

describe('AWS backfill and materialize', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  const deps = () => ({
    duckdb,
    registry,
    athena: new AthenaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'store',
    workgroup: 'wg',
    glueDatabase: 'db',
    clock: () => T0,
    sleep: async () => undefined,
    tmpDir: dir,
    runId: 'r1',
  });
  const rows = [
    {
      keys: { origin: 'SFO' },
      values: { last_delay: 5, last_destination: 'LAX', last_departed_late: false },
      eventTime: T0,
      ingestedAt: T0 + 1,
      recordId: 'backfill:1',
    },
    {
      keys: { origin: 'JFK' },
      values: { last_delay: null, last_destination: null, last_departed_late: null },
      eventTime: T0 - 86_400_000,
      ingestedAt: T0 + 1,
      recordId: 'backfill:2',
    },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-aws-backfill-'));
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
  });
  afterAll(async () => {
    duckdb.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    athenaMock.reset();
    s3Mock.reset();
    dynamoMock.reset();
  });

  it('uploads the rows as offline Parquet and merges new record ids into the Iceberg table', async () => {
    const sql = athenaStates();
    const uploads: { key: string; body: Uint8Array }[] = [];
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array }) => {
      uploads.push({ key: input.Key, body: input.Body });
      return {};
    });
    const { queryId } = await runAwsBackfill({ ...deps(), runId: 'up1' }, view, rows);
    expect(queryId).toBe('q-2');
    // One file per event date, flat under the scratch prefix.
    expect(uploads.map((u) => u.key).sort()).toEqual([
      'spines/backfill_up1/part-0.parquet',
      'spines/backfill_up1/part-1.parquet',
    ]);
    const files = await Promise.all(
      uploads.map(async (u, i) => {
        const file = path.join(dir, `uploaded-${i}.parquet`);
        await writeFile(file, u.body);
        return `'${file}'`;
      }),
    );
    const read = await duckdb.runAndReadAll(
      `SELECT * FROM read_parquet([${files.join(', ')}]) ORDER BY record_id`,
    );
    expect(read.columnNames()).toEqual(offlineColumns(view).map((c) => c.name));
    expect(
      read.getRowObjectsJS().map((r) => [r['origin'], r['record_id'], r['last_delay']]),
    ).toEqual([
      ['SFO', 'backfill:1', 5n],
      ['JFK', 'backfill:2', null],
    ]);

    expect(sql).toHaveLength(3);
    expect(sql[0]).toMatch(/^CREATE EXTERNAL TABLE `db`\.`tmp_spine_backfill_up1`/);
    expect(sql[0]).toMatch(/`event_time` timestamp/);
    expect(sql[0]).toContain("LOCATION 's3://store/spines/backfill_up1/'");
    expect(sql[1]).toBe(
      [
        'MERGE INTO "db"."airport_departures_v1" AS t',
        'USING "db"."tmp_spine_backfill_up1" AS s',
        'ON t."record_id" = s."record_id"',
        'WHEN NOT MATCHED THEN INSERT ("origin", "last_delay", "last_destination", "last_departed_late", "event_time", "ingested_at", "record_id")',
        'VALUES (s."origin", s."last_delay", s."last_destination", s."last_departed_late", s."event_time", s."ingested_at", s."record_id")',
      ].join('\n'),
    );
    expect(sql[2]).toBe('DROP TABLE IF EXISTS `db`.`tmp_spine_backfill_up1`');
  });

  it('drops the scratch table when the merge fails, and says why', async () => {
    const sql = athenaStates({ 2: 'FAILED' });
    s3Mock.on(PutObjectCommand).resolves({});
    await expect(runAwsBackfill({ ...deps(), runId: 'fail1' }, view, rows)).rejects.toThrow(
      /merge refused/,
    );
    expect(sql[2]).toMatch(/^DROP TABLE IF EXISTS/);
  });

  it('sends nothing for an empty backfill', async () => {
    const sql = athenaStates();
    expect(await runAwsBackfill(deps(), view, [])).toEqual({ queryId: undefined });
    expect(sql).toEqual([]);
  });

  /** Athena and S3 served locally: the view's Iceberg table is the offline store under `data`. */
  const standIn = async (data: string) => {
    await writeOfflineRecords(duckdb, data, view, rows);
    return serveAthenaLocally({
      athena: athenaMock,
      s3: s3Mock,
      duckdb,
      runtime,
      bucket: 'store',
      database: 'db',
      dataDir: data,
      scratchDir: dir,
      plans: () => [],
    });
  };
  const online = () => dynamoOnlineWriter(new DynamoDBClient({ region: 'us-east-1' }), 'p-online');

  it('materializes the newest row per entity with conditional puts; a fresher item is kept', async () => {
    const served = await standIn(path.join(dir, 'materialize-data'));
    const puts: { origin: string; condition: string }[] = [];
    dynamoMock.on(PutItemCommand).callsFake((input) => {
      const item = input.Item as Record<string, { S?: string }>;
      puts.push({ origin: item['pk']!.S!, condition: input.ConditionExpression as string });
      if (item['pk']!.S!.includes('JFK'))
        throw Object.assign(new Error('newer item'), { name: 'ConditionalCheckFailedException' });
      return {};
    });
    const result = await runAwsMaterialize({ ...deps(), runId: 'm1', online: online() }, view);
    expect(result).toEqual({ view: view.name, entities: 2, written: 1, kept: 1, failed: 0 });
    const sql = served.queries;
    expect(sql).toHaveLength(1);
    // Every timestamp the UNLOAD writes is milliseconds: the Hive writer refuses timestamp(6).
    expect(sql[0]).toMatch(
      /^UNLOAD \(\nSELECT "origin", "last_delay", "last_destination", "last_departed_late", CAST\("event_time" AS timestamp\(3\)\) AS "event_time", CAST\("ingested_at" AS timestamp\(3\)\) AS "ingested_at", "record_id"\nFROM \(\nSELECT "origin", "last_delay"/,
    );
    expect(sql[0]).toContain(
      'row_number() OVER (PARTITION BY "origin" ORDER BY "event_time" DESC, "record_id" DESC)',
    );
    expect(sql[0]).toContain('FROM "db"."airport_departures_v1"');
    expect(sql[0]).toMatch(
      /TO 's3:\/\/store\/exports\/materialize_m1\/data\/'\nWITH \(format = 'PARQUET'\)$/,
    );
    expect(puts).toHaveLength(2);
    for (const p of puts) expect(p.condition).toMatch(/attribute_not_exists/);
  });

  it('`backfill --aws`: the merge, then the materialize that follows it, both succeed', async () => {
    const served = await standIn(path.join(dir, 'backfill-data'));
    dynamoMock.on(PutItemCommand).resolves({});
    const { queryId } = await runAwsBackfill({ ...deps(), runId: 'bm1' }, view, rows);
    expect(queryId).toBe('q-2');
    const result = await runAwsMaterialize({ ...deps(), runId: 'bm1', online: online() }, view);
    expect(result).toMatchObject({ entities: 2, written: 2, failed: 0 });
    expect(served.queries.map((q) => q.split(' ')[0])).toEqual([
      'CREATE',
      'MERGE',
      'DROP',
      'UNLOAD',
    ]);
  });
});
