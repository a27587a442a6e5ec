/**
 * The real skew-check Lambda handler with its AWS clients mocked at the boundary. S3 serves a
 * planted day's inference log (GZIP, as Firehose writes it) and takes the uploads; Athena's
 * UNLOAD is played by the same generator in its DuckDB dialect over the local offline store
 * (so the rows are the ones Athena's shape gives); SNS takes the alert.
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
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HANDLER_ENV } from '../../lib/config.ts';
import { emptyRelation, localRelations } from '../../lib/export/offline-local.ts';
import * as definitions from './fixtures/flights-v1/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { dialectByName } from '../../lib/sql/dialect.ts';
import { stringLiteral } from '../../lib/sql/literals.ts';
import { buildPointInTimePlan } from '../../lib/sql/plan.ts';
import { renderPointInTimeSql } from '../../lib/sql/render.ts';
import { SERVICE } from './fixtures/defs.ts';
import { SCRATCH_TABLE_PREFIX } from '../../lib/cdk/offline-store.ts';
import { buildWorld, DAY } from './fixtures/world.ts';
import { recordedCalls } from '../iam/calls.ts';
import { expectCallsAllowedForHandler, settingsFromEnv } from '../iam/simulate.ts';

// The planted day was served under the flights definitions of before windowed aggregations
// (airport_hourly pushed by a producer): the handler bundles those, as a deployment of them would.
vi.mock('#feature-defs', () => import('./fixtures/flights-v1/index.ts'));

const BUCKET = 'store-bucket';
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
const sns = mockClient(SNSClient);

/** The two methods of an SDK stream body the code reads. */
function body(bytes: Uint8Array) {
  return {
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToString: async () => Buffer.from(bytes).toString('utf8'),
  } as never;
}

describe('the skew-check Lambda (AWS clients mocked)', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  const uploads = new Map<string, Uint8Array | string>();
  const queries: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-lambda-'));
    instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    // The deployed definitions drive the handler; the day is served under them.
    const runtime = registryFromModule(definitions as Record<string, unknown>);
    const world = await buildWorld(duckdb, dir, runtime, { plants: { imputeNulls: true } });
    // Firehose's GZIP object: the local log already is one (multi-member GZIP JSON lines).
    const log = await readFile(world.logFiles[0]!.replace('*.jsonl.gz', 'part-0.jsonl.gz'));
    const logKey = `inference-log/dt=${DAY}/skewless-inference-log-1-${DAY}-00-00-00-abc`;

    s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => {
      if (input.Prefix === `inference-log/dt=${DAY}/`) return { Contents: [{ Key: logKey }] };
      const keys = [...uploads.keys()].filter((k) => k.startsWith(input.Prefix));
      return { Contents: keys.map((Key) => ({ Key })) };
    });
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key === logKey) return { Body: body(log) };
      const stored = uploads.get(input.Key);
      if (stored === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return { Body: body(typeof stored === 'string' ? Buffer.from(stored) : stored) };
    });
    s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: Uint8Array | string }) => {
      uploads.set(input.Key, input.Body);
      return {};
    });
    // Athena: DDL succeeds; UNLOAD is run by the same generator's DuckDB dialect, locally.
    athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
      queries.push(input.QueryString);
      const unload = /^UNLOAD[\s\S]*TO '(s3:\/\/[^']+)'/.exec(input.QueryString);
      if (unload) await emulateUnload(unload[1]!);
      return { QueryExecutionId: `q-${queries.length}` };
    });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } },
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    async function emulateUnload(target: string) {
      const key = target.slice(`s3://${BUCKET}/`.length);
      const spineKey = [...uploads.keys()].find((k) => k.startsWith('spines/'))!;
      const spineFile = path.join(dir, 'uploaded-spine.parquet');
      await writeFile(spineFile, uploads.get(spineKey) as Uint8Array);
      const plan = buildPointInTimePlan(runtime.registry, SERVICE, {
        timeColumn: 'served_at',
        asOf: { kind: 'column', column: 'served_at' },
      });
      const relations = await localRelations(runtime.registry, dir, plan.views);
      const sql = renderPointInTimeSql(plan, dialectByName('duckdb'), {
        spine: `read_parquet(${stringLiteral(spineFile)})`,
        view: (v) => relations.get(v.table) ?? emptyRelation(runtime.registry, v),
      });
      const out = path.join(dir, 'unloaded.parquet');
      await duckdb.run(`COPY (${sql}) TO ${stringLiteral(out)} (FORMAT PARQUET)`);
      uploads.set(`${key}20010303_000000_00001_abcde_0`, await readFile(out));
    }

    process.env[HANDLER_ENV.bucket] = BUCKET;
    process.env[HANDLER_ENV.athenaWorkgroup] = 'wg';
    process.env[HANDLER_ENV.glueDatabase] = 'skewless_offline';
    process.env[HANDLER_ENV.alertTopicArn] = 'arn:aws:sns:us-east-1:123456789012:alerts';
  }, 120_000);

  afterAll(async () => {
    s3.restore();
    athena.restore();
    sns.restore();
    duckdb?.closeSync();
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('checks the day before a scheduled event, writes the report to S3 and alerts on SNS', async () => {
    const { handler } = await import('../../lambdas/skew-check.ts');
    const response = await handler(
      { 'detail-type': 'Scheduled Event', time: '2001-03-03T03:00:00Z' },
      {} as never,
    );
    expect(response).toMatchObject({
      date: DAY,
      logObjects: 1,
      alerts: 1,
      services: [
        {
          service: SERVICE,
          vectors: 1500,
          verdict: 'skew',
          kinds: expect.arrayContaining(['skew']),
          malformedLines: 0,
          alert: true,
          report: `s3://${BUCKET}/skew-reports/${DAY}/${SERVICE}.html`,
        },
      ],
    });
    // The rebuild went through the export's Athena SQL with the per-row as-of.
    const unload = queries.find((q) => q.startsWith('UNLOAD'))!;
    expect(unload).toContain('"served_at"');
    expect(queries.some((q) => q.startsWith('CREATE EXTERNAL TABLE'))).toBe(true);
    expect(queries.some((q) => q.startsWith('DROP TABLE'))).toBe(true);
    // The role may create and drop only scratch tables (`tmp_*`) in the store's database.
    for (const ddl of queries.filter((q) => /^(CREATE EXTERNAL TABLE|DROP TABLE)/.test(q))) {
      expect(ddl).toMatch(
        new RegExp(
          `^(CREATE EXTERNAL TABLE|DROP TABLE IF EXISTS|DROP TABLE) \`?[\\w]+\`?\\.\`?${SCRATCH_TABLE_PREFIX}`,
        ),
      );
    }

    const json = JSON.parse(String(uploads.get(`skew-reports/${DAY}/${SERVICE}.json`)));
    expect(
      json.outputs
        .filter((o: { verdict: string }) => o.verdict === 'skew')
        .map((o: { output: string }) => o.output),
    ).toEqual(['airport_hourly__late_share_1h']);
    expect(String(uploads.get(`skew-reports/${DAY}/${SERVICE}.html`))).toContain('<!doctype html>');

    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    expect(published[0]!.args[0].input.Subject).toBe(
      `skewless skew: ${SERVICE} ${DAY} (1 feature)`,
    );
    expect(published[0]!.args[0].input.Message).toMatch(
      /^Skew in 1 feature: .*\n[^]*skew airport_hourly__late_share_1h[^]*causes: unexplained \d+/,
    );
    expect(published[0]!.args[0].input.Message).toContain(
      `Report: s3://${BUCKET}/skew-reports/${DAY}/${SERVICE}.html`,
    );
  });

  it("made only AWS calls the skew check's deployed role allows (IAM contract)", async () => {
    expect(s3.calls().length).toBeGreaterThan(0);
    await expectCallsAllowedForHandler(
      'skew-check',
      recordedCalls(s3, athena, sns),
      settingsFromEnv(process.env, ['bucket', 'athenaWorkgroup', 'glueDatabase', 'alertTopicArn']),
      registryFromModule(definitions as Record<string, unknown>).registry,
    );
  }, 60_000);
});
