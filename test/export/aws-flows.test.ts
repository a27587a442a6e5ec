/**
 * The AWS flows around Athena, with the SDK mocked at the boundary: the CLI's `--aws` export
 * (spine up, UNLOAD files down in no order, transforms applied, spine order restored) and the
 * export Lambda's event handling (spine schema read from its Parquet footer).
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
import { getService, getView } from '../../lib/registry/query.ts';
import type { AthenaExportDeps } from '../../lib/export/athena-aws.ts';
import { SpineError } from '../../lib/export/errors.ts';
import { runAwsExport } from '../../lib/export/export-aws.ts';
import { runLocalExport } from '../../lib/export/export-local.ts';
import { exportPointInTimeLocal } from '../../lib/export/local.ts';
import { parquetSpineColumns, runExportEvent } from '../../lib/export/lambda-aws.ts';
import { loadSpineFile } from '../../lib/export/spine-file.ts';
import { statusColumnName } from '../../lib/sql/plan.ts';
import { writeOfflineRecords } from './offline-fixture.ts';
import { recordedCalls } from '../iam/calls.ts';
import { expectCallsAllowedForHandler } from '../iam/simulate.ts';

const runtime = registryFromModule(flights);
const service = getService(runtime.registry, 'departure_delay_model');
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');

const body = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes }) as never;

function athenaDeps(): AthenaExportDeps {
  return {
    athena: new AthenaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'store',
    workgroup: 'wg',
    glueDatabase: 'db',
    runtime,
    clock: () => T0,
    sleep: async () => undefined,
  };
}

function athenaSucceeds(): void {
  let n = 0;
  athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
  athenaMock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 4096 } },
  });
}

describe('AWS flows', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-aws-export-'));
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await writeOfflineRecords(
      duckdb,
      path.join(dir, 'data'),
      getView(runtime.registry, 'airport_departures'),
      [
        {
          keys: { origin: 'SFO' },
          values: { last_delay: 30, last_destination: 'LAX', last_departed_late: true },
          eventTime: T0,
          ingestedAt: T0,
          recordId: 's:1',
        },
        {
          keys: { origin: 'LAX' },
          values: { last_delay: 5, last_destination: 'SFO', last_departed_late: false },
          eventTime: T0,
          ingestedAt: T0,
          recordId: 's:2',
        },
      ],
    );
    await writeFile(
      path.join(dir, 'spine.csv'),
      [
        'origin,destination,event_time,scheduled_hour,label',
        ...Array.from(
          { length: 40 },
          (_, i) =>
            `${i % 3 === 0 ? 'SFO' : i % 3 === 1 ? 'LAX' : 'JFK'},BOS,2001-01-01T10:${String(i).padStart(2, '0')}:00Z,${i % 24},${i % 2}`,
        ),
      ].join('\n'),
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
  });

  it('restores spine order and applies transforms to the files Athena unloads in no order', async () => {
    // What Athena would unload: the Athena shape's rows (no transform outputs), in two files,
    // each in reverse order.
    await loadSpineFile(duckdb, path.join(dir, 'spine.csv'), 'sim_spine');
    await exportPointInTimeLocal(
      { duckdb, dataDir: path.join(dir, 'data'), runtime },
      {
        service: service.name,
        spineTable: 'sim_spine',
        timeColumn: 'event_time',
        asOf: { kind: 'instant', at: T0 + 1000 },
        into: 'sim',
        dialect: 'duckdb',
      },
    );
    const athenaColumns = [
      'origin',
      'destination',
      'event_time',
      'scheduled_hour',
      'label',
      '_sk_row',
      ...service.features.map((f) => f.output),
      ...service.features.map((f) => statusColumnName(f.output)),
    ];
    const files: Record<string, Uint8Array> = {};
    for (const part of [0, 1]) {
      const file = path.join(dir, `unload-${part}.parquet`);
      await duckdb.run(
        `COPY (SELECT ${athenaColumns.map((c) => `"${c}"`).join(', ')} FROM sim WHERE _sk_row % 2 = ${part} ORDER BY _sk_row DESC) TO '${file}' (FORMAT PARQUET)`,
      );
      files[`exports/exp_aws/data/part-${part}.parquet`] = await readFile(file);
    }
    athenaSucceeds();
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: Object.keys(files)
        .reverse()
        .map((Key) => ({ Key })),
    });
    s3Mock
      .on(GetObjectCommand)
      .callsFake((input: { Key: string }) => ({ Body: body(files[input.Key]!) }));

    const out = path.join(dir, 'aws.parquet');
    const summary = await runAwsExport(
      { ...athenaDeps(), duckdb },
      {
        spineFile: path.join(dir, 'spine.csv'),
        service: service.name,
        out,
        asOf: T0 + 1000,
        exportId: 'exp_aws',
        promoteBaseline: true,
      },
    );
    expect(summary).toMatchObject({ rows: 40, queryId: 'q-2', bytesScanned: 4096 });

    const local = path.join(dir, 'local.parquet');
    await runLocalExport(
      { duckdb, dataDir: path.join(dir, 'data'), runtime, clock: () => T0 },
      {
        spineFile: path.join(dir, 'spine.csv'),
        service: service.name,
        out: local,
        asOf: T0 + 1000,
        exportId: 'exp_local',
      },
    );
    const read = async (f: string) =>
      (await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${f}')`)).getRowObjectsJS();
    expect(await read(out)).toEqual(await read(local));

    const uploads = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(uploads).toEqual([
      'spines/exp_aws/spine.parquet',
      'exports/exp_aws/manifest.json',
      'exports/exp_aws/baseline.json',
      `baselines/${service.name}.baseline.json`,
    ]);
    const manifest = JSON.parse(await readFile(`${out}.manifest.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      engine: 'athena',
      queryId: 'q-2',
      transformsPending: [],
      rows: 40,
    });
  });

  it('runs a Lambda export event from a spine Parquet that carries _sk_row', async () => {
    const spineFile = path.join(dir, 'lambda-spine.parquet');
    await duckdb.run(
      `COPY (SELECT *, CAST(rowid AS BIGINT) AS _sk_row FROM sim_spine) TO '${spineFile}' (FORMAT PARQUET)`,
    );
    const bytes = await readFile(spineFile);
    expect(parquetSpineColumns(bytes).columns).toEqual([
      { name: 'origin', type: 'VARCHAR' },
      { name: 'destination', type: 'VARCHAR' },
      { name: 'event_time', type: 'TIMESTAMP' },
      { name: 'scheduled_hour', type: 'BIGINT' },
      { name: 'label', type: 'BIGINT' },
      { name: '_sk_row', type: 'BIGINT' },
    ]);
    athenaSucceeds();
    s3Mock.on(GetObjectCommand).resolves({ Body: body(bytes) });
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'exports/x/data/a.parquet' }] });
    const result = await runExportEvent(
      athenaDeps(),
      {
        service: service.name,
        spineS3Uri: 's3://store/spines/in/spine.parquet',
        asOf: '2001-01-01T10:00:01Z',
      },
      () => 'abcdef',
    );
    expect(result).toMatchObject({
      exportId: 'departure_delay_model_20010101t100000_abcdef',
      queryId: 'q-2',
      rows: 40,
      transformsPending: ['departure_context'],
    });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Key).toBe(
      'spines/departure_delay_model_20010101t100000_abcdef/spine.parquet',
    );
    // IAM contract: the export Lambda's deployed role allows every call it just made.
    const deps = athenaDeps();
    await expectCallsAllowedForHandler('export', recordedCalls(s3Mock, athenaMock), {
      bucket: deps.bucket,
      athenaWorkgroup: deps.workgroup,
      glueDatabase: deps.glueDatabase,
    });
  }, 60_000);

  it('rejects a Lambda spine without _sk_row or a join key, naming both', async () => {
    const spineFile = path.join(dir, 'bad-spine.parquet');
    await duckdb.run(
      `COPY (SELECT origin, event_time FROM sim_spine) TO '${spineFile}' (FORMAT PARQUET)`,
    );
    s3Mock.on(GetObjectCommand).resolves({ Body: body(await readFile(spineFile)) });
    const error = await runExportEvent(athenaDeps(), {
      service: service.name,
      spineS3Uri: 's3://store/spines/bad.parquet',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpineError);
    expect((error as SpineError).problems).toEqual([
      "missing join key column 'destination' (service 'departure_delay_model' needs origin, destination)",
      "missing '_sk_row' (the spine row number, from 0): add it, or export with `skewless export --aws`, which does",
    ]);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
