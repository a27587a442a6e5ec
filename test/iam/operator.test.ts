/**
 * The CLI's AWS paths, run as the commands (`buildProgram`, clients built from the flags) with
 * S3, Athena and DynamoDB served at the SDK boundary, and their recorded calls simulated against
 * the role the construct's grant gives an operator: `skewless export --aws --promote-baseline`
 * under `grantExport`, `skewless backfill --aws` (which then materializes) under
 * `grantBackfill`, `skewless forget --aws` under `grantForget`, `skewless plan --replay --aws`
 * of a new view version (rebuilt from the deployed, applied version's table) under
 * `grantReplay`; and `skewless push --aws` against kinesalite (its client recorded at the
 * middleware layer) under `grantProduce`. Each grant then loses each of its actions in turn: some recorded call must
 * be denied, or the action is named in `NEEDED_BY_AWS`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService, getView } from '../../lib/registry/query.ts';
import { startLocalStack } from '../../lib/local/stack.ts';
import { flightsRegistry } from '../cdk/synth.ts';
import { serveAthenaLocally } from '../export/athena-standin.ts';
import { serveForgetStandIns } from '../forget/aws-standins.ts';
import { writeOfflineRecords } from '../export/offline-fixture.ts';
import { SKEW_COLUMNS } from '../../lib/skew/logs.ts';
import { EXIT } from '../../lib/cli/context.ts';
import { runPlan, writeDefsFolder } from '../replay/fixtures/cli.ts';
import { flightsRuntime, type FlightsChanges } from '../replay/fixtures/flights-defs.ts';
import { buildReplayWorld, DAY } from '../replay/fixtures/world.ts';
import type { AwsCall } from './calls.ts';
import {
  deployOperatorRoles,
  expectRoleFits as expectOperatorRoleFits,
  type OperatorRole,
  type OperatorStore,
} from './operator-roles.ts';
import { h2cProxy } from './h2c-proxy.ts';
import { fromMocks, recordAwsCalls } from './recorder.ts';

const runtime = registryFromModule(flights);
const view = getView(runtime.registry, 'airport_departures');
const service = getService(runtime.registry, 'departure_delay_model');
const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');
const STORE = { bucket: 'store', workgroup: 'wg', database: 'db' };
const FLAGS = [
  ...['--aws', '--region', 'us-east-1', '--prefix', 'skewless'],
  ...['--bucket', STORE.bucket, '--workgroup', STORE.workgroup, '--database', STORE.database],
  ...['--defs', path.resolve('feature_defs'), '--json'],
];

let dir: string;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;
let store: OperatorStore;

/** Runs a command with its output kept off the test's. */
async function cli(...args: string[]): Promise<void> {
  const log = console.log;
  console.log = () => undefined;
  try {
    await buildProgram().parseAsync(['node', 'skewless', ...args]);
  } finally {
    console.log = log;
  }
}

const expectRoleFits = (role: OperatorRole, calls: AwsCall[]) =>
  expectOperatorRoleFits(store, STORE, role, calls);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-iam-operator-'));
  instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  store = deployOperatorRoles(await flightsRegistry(), view.source.stream);
});

afterAll(async () => {
  athena.restore();
  s3.restore();
  dynamodb.restore();
  duckdb?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI's AWS paths, recorded", () => {
  it('`skewless export --aws --promote-baseline` fits `grantExport`', async () => {
    const record = {
      keys: { origin: 'SFO' },
      values: { last_delay: 30, last_destination: 'LAX', last_departed_late: true },
      eventTime: T0,
      ingestedAt: T0,
      recordId: 's:1',
    };
    await writeOfflineRecords(duckdb, path.join(dir, 'data'), view, [record]);
    const spine = path.join(dir, 'spine.csv');
    await writeFile(
      spine,
      'origin,destination,event_time,scheduled_hour,label\nSFO,BOS,2001-01-01T10:30:00Z,10,1\n',
    );
    serveAthenaLocally({
      athena,
      s3,
      duckdb,
      runtime,
      bucket: STORE.bucket,
      database: STORE.database,
      dataDir: path.join(dir, 'data'),
      scratchDir: dir,
      plans: () => [
        { service: service.name, timeColumn: 'event_time', asOf: { kind: 'instant', at: T0 + 1 } },
      ],
    });
    await cli(
      ...['export', ...FLAGS, '--spine', spine, '--service', service.name],
      ...['--out', path.join(dir, 'train.parquet'), '--as-of', new Date(T0 + 1).toISOString()],
      '--promote-baseline',
    );
    const calls = fromMocks('exporter', athena, s3);
    expect(calls.some((c) => c.operation === 'StartQueryExecution')).toBe(true);
    await expectRoleFits('exporter', calls);
  }, 60_000);

  it('`skewless backfill --aws` (then materialize) and `materialize --aws` of an aggregation view fit `grantBackfill`', async () => {
    athena.reset();
    s3.reset();
    const objects = new Map<string, Uint8Array>();
    // What Athena's UNLOAD of the newest row per entity leaves under its target.
    const unloaded = path.join(dir, 'unloaded');
    await writeOfflineRecords(duckdb, unloaded, view, [
      {
        keys: { origin: 'SFO' },
        values: { last_delay: 5, last_destination: 'LAX', last_departed_late: false },
        eventTime: T0,
        ingestedAt: T0 + 1,
        recordId: 'backfill:1',
      },
    ]);
    const files = (
      await duckdb.runAndReadAll(`SELECT file FROM glob('${unloaded}/**/*.parquet')`)
    ).getRowObjectsJS();
    // What the UNLOAD of an aggregation view's tile events leaves: an hour-old event and its mark.
    const tileFile = path.join(dir, 'tiles.parquet');
    const at = new Date(Date.now() - 3_600_000).toISOString().replace('T', ' ').slice(0, 23);
    const id = `'shardId-000000000000:${'1'.padStart(40, '0')}'`;
    await duckdb.run(
      `COPY (SELECT 'e' AS _sk_kind, 'SFO' AS origin, 5::BIGINT AS delay, 300::BIGINT AS distance, TIMESTAMP '${at}' AS event_time, ${id} AS record_id
             UNION ALL SELECT 'm', 'SFO', NULL, NULL, NULL, ${id}) TO '${tileFile}' (FORMAT PARQUET)`,
    );
    let queries = 0;
    athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
      const target = /\nTO 's3:\/\/[^/]+\/([^']+)'\nWITH/.exec(input.QueryString)?.[1];
      const unloaded = input.QueryString.includes('"_sk_kind"')
        ? [tileFile]
        : files.map((f) => String(f['file']));
      if (target)
        for (const [i, f] of unloaded.entries())
          objects.set(`${target}part-${i}.parquet`, await readFile(f));
      return { QueryExecutionId: `q-${++queries}` };
    });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } },
    });
    s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: Uint8Array }) => {
      objects.set(input.Key, input.Body);
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
      Contents: [...objects.keys()]
        .filter((k) => k.startsWith(input.Prefix))
        .map((Key) => ({ Key })),
    }));
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => ({
      Body: { transformToByteArray: async () => objects.get(input.Key)! },
    }));
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({});
    const rows = path.join(dir, 'history.csv');
    await writeFile(
      rows,
      'origin,event_time,last_delay,last_destination,last_departed_late\nSFO,2001-01-01T10:00:00Z,5,LAX,false\n',
    );
    await cli('backfill', ...FLAGS, '--view', view.name, '--file', rows);
    // The same role rebuilds an aggregation view's tiles: read each item, put it conditionally.
    await cli('materialize', ...FLAGS, '--view', 'airport_delays');
    const calls = fromMocks('backfill', athena, s3, dynamodb);
    const operations = new Set(calls.map((c) => `${c.service}.${c.operation}`));
    expect(operations).toEqual(
      new Set([
        'S3.PutObject',
        'Athena.StartQueryExecution',
        'Athena.GetQueryExecution',
        'S3.ListObjectsV2',
        'S3.GetObject',
        'DynamoDB.PutItem',
        'DynamoDB.GetItem',
      ]),
    );
    expect(
      calls
        .filter((c) => c.operation === 'StartQueryExecution')
        .map((c) => String(c.input.QueryString).split(' ')[0]),
    ).toEqual(['CREATE', 'MERGE', 'DROP', 'UNLOAD', 'UNLOAD']);
    const puts = calls.filter((c) => c.operation === 'PutItem').map((c) => c.input);
    expect(puts.some((p) => String(p.ConditionExpression).includes('#rev'))).toBe(true);
    await expectRoleFits('backfill', calls);
  }, 60_000);

  it('`skewless forget --aws --exports` fits `grantForget`', async () => {
    for (const mock of [athena, s3, dynamodb]) mock.reset();
    const data = path.join(dir, 'forget-data');
    const values = { last_delay: 5, last_destination: 'LAX', last_departed_late: false };
    await writeOfflineRecords(duckdb, data, view, [
      { keys: { origin: 'SFO' }, values, eventTime: T0, ingestedAt: T0, recordId: 's:1' },
      { keys: { origin: 'BOS' }, values, eventTime: T0, ingestedAt: T0, recordId: 's:2' },
    ]);
    const training = path.join(dir, 'training.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM (VALUES ('SFO', 'LAX', 0), ('BOS', 'LAX', 1)) t(origin, destination, _sk_row)) TO '${training}' (FORMAT PARQUET)`,
    );
    const objects = new Map<string, Uint8Array>([
      ['exports/x1/training.parquet', await readFile(training)],
      [
        'exports/x1/manifest.json',
        Buffer.from(JSON.stringify({ exportId: 'x1', service: 'none', rows: 2 })),
      ],
    ]);
    const tables = [...runtime.registry.featureViews.map((v) => `${v.name}_v${v.version}`)];
    const standIns = serveForgetStandIns({ athena, s3, duckdb, dataDir: data, objects, tables });
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(DeleteItemCommand).resolves({ Attributes: { pk: { S: 's:SFO' } } });
    dynamodb.on(ScanCommand).resolves({
      Items: [{ pk: { S: 's:SFO|s:LAX' }, sk: { S: 'route_flights#v1' } }],
    });
    await cli('forget', ...FLAGS, '--entity', 'origin=SFO', '--exports', '--settle-seconds', '0');
    const calls = fromMocks('forgetter', athena, s3, dynamodb);
    expect(new Set(calls.map((c) => `${c.service}.${c.operation}`))).toEqual(
      new Set([
        'S3.GetObject',
        'S3.PutObject',
        'S3.DeleteObject',
        'S3.ListObjectsV2',
        'DynamoDB.PutItem',
        'DynamoDB.DeleteItem',
        'DynamoDB.Scan',
        'Athena.StartQueryExecution',
        'Athena.GetQueryExecution',
        'Athena.GetQueryResults',
      ]),
    );
    expect(standIns.queries.map((q) => q.split(' ')[0])).toContain('DELETE');
    expect(standIns.queries.map((q) => q.split(' ')[0])).toContain('OPTIMIZE');
    expect([...standIns.objects.keys()].some((k) => k.startsWith('forget/audit/'))).toBe(true);
    await expectRoleFits('forgetter', calls);
  }, 120_000);

  it('`skewless plan --replay --aws` of a new view version fits `grantReplay`', async () => {
    for (const mock of [athena, s3, dynamodb]) mock.reset();
    const data = path.join(dir, 'replay-data');
    await buildReplayWorld(duckdb, data, runtime, { vectors: 50 });
    const changes: FlightsChanges = { routeWindow: '14d', routeDelaysVersion: 2 };
    const standIn = serveAthenaLocally({
      athena,
      s3,
      duckdb,
      runtime: flightsRuntime(changes),
      bucket: STORE.bucket,
      database: STORE.database,
      dataDir: data,
      scratchDir: dir,
      plans: () => [
        {
          service: service.name,
          timeColumn: SKEW_COLUMNS.servedAt,
          asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
          eventsFrom: new Map([['route_delays', 1]]),
        },
      ],
    });
    const defs = await writeDefsFolder(path.join(dir, 'replay-defs'), changes);
    const r = await runPlan([
      ...['--defs', defs, '--replay', DAY, '--aws', '--region', 'us-east-1'],
      ...['--bucket', STORE.bucket, '--workgroup', STORE.workgroup, '--database', STORE.database],
    ]);
    expect([EXIT.ok, EXIT.refused], r.err).toContain(r.exit);
    // The new version's table is not deployed: the rebuild reads the applied one's.
    expect(standIn.queries.some((q) => q.includes('"route_delays_v1"'))).toBe(true);
    const calls = fromMocks('replayer', athena, s3);
    expect(
      calls.some(
        (c) => c.operation === 'PutObject' && /^skew-reports\/replay\//.test(String(c.input.Key)),
      ),
    ).toBe(true);
    await expectRoleFits('replayer', calls);
  }, 120_000);

  it('`skewless push --aws` fits `grantProduce` for its source', async () => {
    // Real clients from here: the local stack's DynamoDB and the CLI's Kinesis.
    for (const mock of [athena, s3, dynamodb]) mock.restore();
    const stack = await startLocalStack({
      registry: runtime.registry,
      dataDir: dir,
      prefix: 'skewless',
    });
    const kinesis = await h2cProxy(stack.endpoints.kinesis);
    const env = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KINESIS: kinesis.url,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const rows = path.join(dir, 'departures.csv');
    await writeFile(
      rows,
      'origin,event_time,last_delay,last_destination,last_departed_late\nSFO,2001-01-01T10:00:00Z,5,LAX,false\n',
    );
    const recording = recordAwsCalls();
    try {
      await recording.as('producer', () =>
        cli(
          'push',
          '--aws',
          '--region',
          'us-east-1',
          '--defs',
          path.resolve('feature_defs'),
          '--view',
          view.name,
          '--file',
          rows,
        ),
      );
    } finally {
      recording.stop();
      process.env = env;
      await kinesis.close();
      await stack.stop();
    }
    const calls = recording.of('producer');
    expect(calls.map((c) => `${c.service}.${c.operation}`)).toEqual(['Kinesis.PutRecords']);
    await expectRoleFits('producer', calls);
  }, 60_000);
});
