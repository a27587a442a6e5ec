/**
 * The real skew-check Lambda handler with its AWS clients mocked at the boundary. S3 serves a
 * planted day's inference log (GZIP, as Firehose writes it) and takes the uploads; Athena's
 * UNLOAD is checked against the generator and played by its DuckDB spelling of the same shape
 * over the local offline store (`test/export/athena-standin.ts`); SNS takes the alert.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HANDLER_ENV } from '../../lib/config.ts';
import * as definitions from './fixtures/flights-v1/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService } from '../../lib/registry/query.ts';
import { SKEW_COLUMNS } from '../../lib/skew/logs.ts';
import { SERVICE } from './fixtures/defs.ts';
import { SCRATCH_TABLE_PREFIX } from '../../lib/cdk/offline-store.ts';
import { buildWorld, DAY } from './fixtures/world.ts';
import { serveAthenaLocally } from '../export/athena-standin.ts';
import { recordedCalls } from '../iam/calls.ts';
import { expectCallsAllowedForHandler, settingsFromEnv } from '../iam/simulate.ts';

// The planted day was served under the flights definitions of before windowed aggregations
// (airport_hourly pushed by a producer): the handler bundles those, as a deployment of them would.
vi.mock('#feature-defs', () => import('./fixtures/flights-v1/index.ts'));

const BUCKET = 'store-bucket';
const DATABASE = 'skewless_offline';
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
const sns = mockClient(SNSClient);

describe('the skew-check Lambda (AWS clients mocked)', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let uploads: Map<string, Uint8Array | string>;
  let queries: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-lambda-'));
    instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    // The deployed definitions drive the handler; the day is served under them.
    const runtime = registryFromModule(definitions as Record<string, unknown>);
    // The local log's Parquet files stand in for the Iceberg table that Athena reads.
    await buildWorld(duckdb, dir, runtime, { plants: { imputeNulls: true } });

    // S3 and Athena served locally: the UNLOADs are the export's generator, checked against
    // the rebuilds' plans and run in DuckDB over the local offline store.
    const standIn = serveAthenaLocally({
      athena,
      s3,
      duckdb,
      runtime,
      bucket: BUCKET,
      database: DATABASE,
      dataDir: dir,
      scratchDir: dir,
      plans: () => [
        {
          service: SERVICE,
          timeColumn: SKEW_COLUMNS.servedAt,
          asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
        },
        // The served records rebuild only the views some suspect value came from.
        ...subsets(getService(runtime.registry, SERVICE).views).map((views) => ({
          service: SERVICE,
          timeColumn: SKEW_COLUMNS.servedRecordAt,
          asOf: { kind: 'column' as const, column: SKEW_COLUMNS.servedAt },
          views,
        })),
      ],
    });
    uploads = standIn.objects;
    queries = standIn.queries;
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    process.env[HANDLER_ENV.bucket] = BUCKET;
    process.env[HANDLER_ENV.athenaWorkgroup] = 'wg';
    process.env[HANDLER_ENV.glueDatabase] = DATABASE;
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
      alerts: 1,
      services: [
        {
          service: SERVICE,
          vectors: 1500,
          logged: 1500,
          verdict: 'skew',
          kinds: expect.arrayContaining(['skew']),
          malformedLines: 0,
          alert: true,
          report: `s3://${BUCKET}/skew-reports/${DAY}/${SERVICE}.html`,
        },
      ],
    });
    // The rebuild went through the export's Athena SQL with the per-row as-of.
    // Athena read the day: its counts, then the service's sample, before the rebuild.
    expect(queries[0]).toMatch(/^UNLOAD \(\n[^]*\nSELECT "service", count\(\*\) AS vectors/);
    expect(queries[1]).toContain('WITH entities AS');
    const unload = queries.find((q) => q.startsWith('UNLOAD') && q.includes('tmp_spine_'))!;
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
    // The catalog's pages follow the reports: the same renderer as `skewless ui`, under catalog/,
    // each service's history linking the report just written (the bucket's layout, relative).
    expect(String(uploads.get('catalog/index.html'))).toContain('id="catalog-index"');
    expect(String(uploads.get('catalog/view/airport_hourly.html'))).toContain(
      'data-output="airport_hourly__late_share_1h"',
    );
    expect(String(uploads.get(`catalog/service/${SERVICE}.html`))).toContain(
      `href="../../skew-reports/${DAY}/${SERVICE}.html"`,
    );
    expect(String(uploads.get('catalog/plan.html'))).toContain('No working definitions here');

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

/** Every non-empty subset of `items`, each in the order of `items`. */
function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length - 1 }, (_, m) =>
    items.filter((_, i) => ((m + 1) >> i) & 1),
  );
}
