/**
 * The AWS skew check (the real handler, its clients mocked at the boundary) at two sizes of day:
 * 10k logged vectors (checked whole) and 1M (the default sample: 200k). Athena and S3 are the
 * stand-ins of `test/export/`: the day's counts and sample are UNLOADed from the local log's
 * Parquet files, the rebuild from the local offline store; every byte the handler downloads is
 * counted there. A skew planted on 1% of the entities must be reported at both sizes, and what
 * the handler downloads must follow the sample's cap, not the traffic.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HANDLER_ENV } from '../../lib/config.ts';
import { offlineColumns, offlineTableName } from '../../lib/core/columns.ts';
import { DEFAULT_SKEW_SAMPLE } from '../../lib/define/definitions.ts';
import { localDayLogGlob } from '../../lib/local/inference-log.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { SKEW_COLUMNS } from '../../lib/skew/logs.ts';
import { quoteIdentifier as q, stringLiteral } from '../../lib/sql/literals.ts';
import { serveAthenaLocally, type AthenaStandIn } from '../export/athena-standin.ts';
import * as definitions from './fixtures/scorer/index.ts';

vi.mock('#feature-defs', () => import('./fixtures/scorer/index.ts'));

const BUCKET = 'store-bucket';
const DATABASE = 'skewless_offline';
const DAY = '2001-03-02';
const USERS = 20_000;
const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
const sns = mockClient(SNSClient);
const runtime = registryFromModule(definitions as Record<string, unknown>);

/** One user in a hundred was served a score the offline store never held. */
const planted = (u: string) => `hash(${u}) % 100 = 0`;

async function writeWorld(duckdb: DuckDBConnection, dir: string, vectors: number): Promise<void> {
  const view = getView(runtime.registry, 'profile');
  const cols = offlineColumns(view).map((c) => q(c.name));
  await mkdir(path.join(dir, 'offline'), { recursive: true });
  await mkdir(path.dirname(localDayLogGlob(dir, DAY)), { recursive: true });
  await duckdb.run(
    `COPY (SELECT ${cols.join(', ')}, '2001-03-01' AS event_date FROM (
       SELECT 'u' || i AS user_id, (i % 97) / 7.0 AS score, TIMESTAMP '2001-03-01 00:00:00' AS event_time,
              TIMESTAMP '2001-03-01 00:00:01' AS ingested_at, 'shard-0:' || lpad(i::VARCHAR, 12, '0') AS record_id
       FROM range(${USERS}) t(i)))
     TO ${stringLiteral(path.join(dir, 'offline', offlineTableName(view)))}
     (FORMAT PARQUET, PARTITION_BY (event_date))`,
  );
  // The day's log as the store writes it: every user looked up about equally often.
  const logDir = path.dirname(localDayLogGlob(dir, DAY));
  await duckdb.run(`SELECT setseed(0.5)`);
  await duckdb.run(
    `COPY (
       WITH v AS (SELECT i, i % ${USERS} AS u FROM range(${vectors}) t(i))
       SELECT 'req-' || i AS request_id, 0 AS "row",
              TIMESTAMP '${DAY} 00:00:00' + to_milliseconds(i * (86400000 // ${vectors})) AS served_at,
              'scorer' AS service, ${stringLiteral(runtime.registry.hash)} AS registry_hash,
              's:u' || u AS entity_key, MAP {'user_id': 'u' || u} AS keys,
              MAP([], [])::MAP(VARCHAR, VARCHAR) AS request,
              MAP {'profile__score': CAST((u % 97) / 7.0 + CASE WHEN ${planted("'s:u' || u")} THEN 1 ELSE 0 END AS VARCHAR)} AS "values",
              MAP {'profile__score': 'present'} AS statuses,
              MAP {'profile__score': 1000::BIGINT} AS ages_ms
       FROM v)
     TO ${stringLiteral(path.join(logDir, 'part-0.parquet'))} (FORMAT PARQUET, COMPRESSION ZSTD)`,
  );
}

describe.each([
  [10_000, 'checked whole'],
  [1_000_000, 'the default sample'],
])('the AWS skew check over a day of %i logged vectors (%s)', (vectors) => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  let standIn: AthenaStandIn;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-aws-sample-'));
    instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await writeWorld(duckdb, dir, vectors);
    s3.reset();
    athena.reset();
    sns.reset();
    standIn = serveAthenaLocally({
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
          service: 'scorer',
          timeColumn: SKEW_COLUMNS.servedAt,
          asOf: { kind: 'column', column: SKEW_COLUMNS.asOf },
        },
        {
          service: 'scorer',
          timeColumn: SKEW_COLUMNS.servedRecordAt,
          asOf: { kind: 'column', column: SKEW_COLUMNS.servedAt },
          views: ['profile'],
        },
      ],
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    process.env[HANDLER_ENV.bucket] = BUCKET;
    process.env[HANDLER_ENV.athenaWorkgroup] = 'wg';
    process.env[HANDLER_ENV.glueDatabase] = DATABASE;
    process.env[HANDLER_ENV.alertTopicArn] = 'arn:aws:sns:us-east-1:123456789012:alerts';
  }, 300_000);

  afterAll(async () => {
    duckdb?.closeSync();
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the skew planted on 1% of entities and downloads what the sample bounds', async () => {
    const { handler } = await import('../../lambdas/skew-check.ts');
    const response = await handler({ date: DAY }, {} as never);
    const [result] = response.services;
    const cap = DEFAULT_SKEW_SAMPLE.maxVectorsPerDay;
    expect(result).toMatchObject({ service: 'scorer', logged: vectors, verdict: 'skew' });
    expect(result!.vectors).toBe(Math.min(vectors, result!.vectors));
    expect(result!.vectors).toBeLessThanOrEqual(cap);
    if (vectors <= cap) expect(result!.vectors).toBe(vectors);
    else expect(result!.vectors).toBeGreaterThan(cap * 0.95);

    const report = JSON.parse(String(standIn.objects.get(`skew-reports/${DAY}/scorer.json`)));
    const score = report.outputs.find((o: { output: string }) => o.output === 'profile__score');
    expect(score.verdict).toBe('skew');
    // Every vector of a sampled entity is in: the planted share of vectors is still about 1%.
    const mismatched = 1 - score.exactMatchRate;
    expect(mismatched).toBeGreaterThan(0.003);
    expect(mismatched).toBeLessThan(0.03);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);

    // The handler's downloads: the day's counts and sample, and the sample's rebuild, in
    // proportion to the vectors checked (the UNLOAD's Parquet is snappy, about 3× the log's
    // ZSTD: the whole 1M day would be some 15 MB against the sample's 3 MB).
    const bytes = (prefix: string) =>
      standIn.downloads.filter((d) => d.key.startsWith(prefix)).reduce((n, d) => n + d.bytes, 0);
    const logBytes = (
      await stat(path.join(path.dirname(localDayLogGlob(dir, DAY)), 'part-0.parquet'))
    ).size;
    const share = result!.vectors / vectors;
    expect(bytes('skew-samples/')).toBeLessThan(5 * share * logBytes + 65_536);
    expect(bytes('')).toBeLessThan(10 * share * logBytes + 262_144);
  }, 300_000);
});
