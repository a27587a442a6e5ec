/**
 * The AWS export paths against the local one, with Athena and S3 served locally at the SDK
 * boundary (`athena-standin.ts`: the UNLOAD text checked against the generator, its Athena shape
 * run in DuckDB over the same offline store): `skewless export --aws` and the export Lambda
 * (the real handler) give the training set, the baseline and the manifest the local export gives
 * on the same data — request transforms applied, spine order restored from files unloaded in no
 * order — and the Lambda makes only calls its deployed role allows.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { HANDLER_ENV } from '../../lib/config.ts';
import { SpineError } from '../../lib/export/errors.ts';
import { athenaOfflineReader } from '../../lib/export/offline-athena-aws.ts';
import { runExport, runLocalExport } from '../../lib/export/run.ts';
import { transformOutputs } from '../../lib/export/transforms-duckdb.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService, getView } from '../../lib/registry/query.ts';
import { serveAthenaLocally, type AthenaStandIn, type UnloadPlan } from './athena-standin.ts';
import { writeOfflineRecords } from './offline-fixture.ts';
import { recordedCalls } from '../iam/calls.ts';
import { expectCallsAllowedForHandler } from '../iam/simulate.ts';

const runtime = registryFromModule(flights);
const service = getService(runtime.registry, 'departure_delay_model');
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');
const AS_OF = T0 + 1000;
const BUCKET = 'store';
const DATABASE = 'db';
const PLANS: UnloadPlan[] = [
  { service: service.name, timeColumn: 'event_time', asOf: { kind: 'instant', at: AS_OF } },
];

describe('AWS exports equal the local export', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let standIn: AthenaStandIn;
  const spineCsv = () => path.join(dir, 'spine.csv');
  const read = async (f: string) =>
    (await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${f}')`)).getRowObjectsJS();
  const json = (body: string | Uint8Array | undefined) =>
    JSON.parse(Buffer.from(body ?? '').toString('utf8')) as Record<string, unknown>;
  /** A baseline without what names its export. */
  const content = (baseline: Record<string, unknown>) => ({ ...baseline, exportId: undefined });

  /** The reference: the local export of the same spine and as-of. */
  async function localExport() {
    const out = path.join(dir, 'local.parquet');
    await runLocalExport(
      { duckdb, dataDir: path.join(dir, 'data'), runtime, clock: () => T0 },
      { spineFile: spineCsv(), service: service.name, out, asOf: AS_OF, exportId: 'exp_local' },
    );
    return {
      rows: await read(out),
      baseline: json(await readFile(`${out}.baseline.json`)),
    };
  }

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
      spineCsv(),
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
    standIn = serveAthenaLocally({
      athena: athenaMock,
      s3: s3Mock,
      duckdb,
      runtime,
      bucket: BUCKET,
      database: DATABASE,
      dataDir: path.join(dir, 'data'),
      scratchDir: dir,
      plans: () => PLANS,
    });
  });

  it('`export --aws`: the same rows, transforms applied, and the same baseline as locally', async () => {
    const out = path.join(dir, 'aws.parquet');
    const summary = await runExport(
      {
        duckdb,
        runtime,
        clock: () => T0,
        store: athenaOfflineReader({
          athena: new AthenaClient({ region: 'us-east-1' }),
          s3: new S3Client({ region: 'us-east-1' }),
          bucket: BUCKET,
          workgroup: 'wg',
          glueDatabase: DATABASE,
          runtime,
          clock: () => T0,
          sleep: async () => undefined,
          duckdb,
        }),
      },
      {
        spineFile: spineCsv(),
        service: service.name,
        out,
        asOf: AS_OF,
        exportId: 'exp_aws',
        promoteBaseline: true,
      },
    );
    expect(summary).toMatchObject({ rows: 40, queryId: 'q-2', bytesScanned: 4096 });

    const reference = await localExport();
    const rows = await read(out);
    expect(rows).toEqual(reference.rows);
    // The transform outputs are in the file, not left to whoever reads it.
    const computed = transformOutputs(service).map((o) => o.name);
    expect(computed.length).toBeGreaterThan(0);
    for (const name of computed) expect(rows[0]).toHaveProperty(name);
    expect(rows.some((r) => computed.some((name) => r[name] !== null))).toBe(true);
    const baseline = json(await readFile(`${out}.baseline.json`));
    expect(content(baseline)).toEqual(content(reference.baseline));

    expect([...standIn.objects.keys()].filter((k) => !k.includes('/data/'))).toEqual([
      'spines/exp_aws/spine.parquet',
      'exports/exp_aws/manifest.json',
      'exports/exp_aws/baseline.json',
      `baselines/${service.name}.baseline.json`,
    ]);
    const manifest = json(await readFile(`${out}.manifest.json`));
    expect(manifest).toMatchObject({
      engine: 'athena',
      dialect: 'athena',
      queryId: 'q-2',
      transformsPending: [],
      rows: 40,
      files: [out],
    });
    expect(manifest['unloaded']).toHaveLength(2);
    expect(json(standIn.objects.get('exports/exp_aws/manifest.json'))).toEqual(manifest);
  });

  it('`skewless export --aws` (the command, clients built from its flags) writes the same file', async () => {
    const out = path.join(dir, 'cli-aws.parquet');
    const lines: string[] = [];
    const log = console.log;
    console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
    try {
      await buildProgram().parseAsync([
        ...['node', 'skewless', 'export', '--aws', '--region', 'us-east-1'],
        ...['--bucket', BUCKET, '--workgroup', 'wg', '--database', DATABASE],
        ...['--defs', path.resolve('feature_defs'), '--spine', spineCsv()],
        ...['--service', service.name, '--out', out, '--as-of', new Date(AS_OF).toISOString()],
        '--json',
      ]);
    } finally {
      console.log = log;
    }
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ rows: 40, queryId: 'q-2', out });
    expect(await read(out)).toEqual((await localExport()).rows);
  });

  it('the export Lambda: the same training set, baseline and manifest as the CLI', async () => {
    // A spine Parquet without `_sk_row`: the Lambda numbers the rows in file order.
    const spineParquet = path.join(dir, 'lambda-spine.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM read_csv('${spineCsv()}', header = true)) TO '${spineParquet}' (FORMAT PARQUET)`,
    );
    standIn.objects.set('spines/in/spine.parquet', await readFile(spineParquet));
    const env = {
      [HANDLER_ENV.bucket]: BUCKET,
      [HANDLER_ENV.athenaWorkgroup]: 'wg',
      [HANDLER_ENV.glueDatabase]: DATABASE,
    };
    Object.assign(process.env, env);
    const { handler } = await import('../../lambdas/export.ts');
    const result = await handler(
      {
        service: service.name,
        spineS3Uri: `s3://${BUCKET}/spines/in/spine.parquet`,
        asOf: new Date(AS_OF).toISOString(),
        promoteBaseline: true,
      },
      {} as never,
    );
    const id = result.exportId;
    expect(id).toMatch(/^departure_delay_model_\d{8}t\d{6}_[0-9a-f]{6}$/);
    expect(result).toMatchObject({
      queryId: 'q-2',
      rows: 40,
      out: `s3://${BUCKET}/exports/${id}/training.parquet`,
      manifestUri: `s3://${BUCKET}/exports/${id}/manifest.json`,
      baselineUri: `s3://${BUCKET}/exports/${id}/baseline.json`,
    });

    const training = path.join(dir, 'lambda-training.parquet');
    await writeFile(training, standIn.objects.get(`exports/${id}/training.parquet`)!);
    const reference = await localExport();
    expect(await read(training)).toEqual(reference.rows);
    const baseline = json(standIn.objects.get(`exports/${id}/baseline.json`));
    expect(content(baseline)).toEqual(content(reference.baseline));
    expect(json(standIn.objects.get(`baselines/${service.name}.baseline.json`))).toEqual(baseline);
    expect(json(standIn.objects.get(`exports/${id}/manifest.json`))).toMatchObject({
      engine: 'athena',
      transformsPending: [],
      files: [result.out],
      spine: { source: `s3://${BUCKET}/spines/in/spine.parquet`, rows: 40 },
    });

    // IAM contract: the export Lambda's deployed role allows every call it just made.
    await expectCallsAllowedForHandler('export', recordedCalls(s3Mock, athenaMock), {
      bucket: BUCKET,
      athenaWorkgroup: 'wg',
      glueDatabase: DATABASE,
    });
  }, 60_000);

  it('rejects a Lambda spine without a join key, naming it, before any query', async () => {
    const spineFile = path.join(dir, 'bad-spine.parquet');
    await duckdb.run(
      `COPY (SELECT origin, event_time FROM read_csv('${spineCsv()}', header = true)) TO '${spineFile}' (FORMAT PARQUET)`,
    );
    standIn.objects.set('spines/bad.parquet', await readFile(spineFile));
    const { handler } = await import('../../lambdas/export.ts');
    const error = await handler(
      { service: service.name, spineS3Uri: `s3://${BUCKET}/spines/bad.parquet` },
      {} as never,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpineError);
    expect((error as SpineError).problems).toEqual([
      "missing join key column 'destination' (service 'departure_delay_model' needs origin, destination)",
    ]);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
