/**
 * The heal's AWS path, as the skew-check Lambda runs it: Athena UNLOADs the served entities'
 * tile events (the one tile SQL, Trino spelling), S3 hands the files back, and DynamoDB's tile
 * item is read and put conditionally. The calls are recorded at the SDK boundary and simulated
 * against the skew-check role the construct deploys for the flights definitions (which have
 * aggregation views): each one allowed. The item served is corrupt, so the heal rewrites it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/index.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { emptyTileState, encodeTileItem } from '../../lib/core/tile-state.ts';
import { healAggregationViews } from '../../lib/heal/heal.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { athenaTileHistories } from '../../lib/materialize/tile-source.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getViewOfKind } from '../../lib/registry/query.ts';
import { recordedCalls } from '../iam/calls.ts';
import { expectCallsAllowedForHandler } from '../iam/simulate.ts';

const { registry } = registryFromModule(flights as Record<string, unknown>);
const view = getViewOfKind(registry, 'airport_delays', 'aggregation');
const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const NOW = Date.parse('2001-03-02T12:00:00.000Z');
const SETTINGS = {
  bucket: 'store',
  athenaWorkgroup: 'wg',
  glueDatabase: 'db',
  onlineTable: 'online',
};

let dir: string;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-heal-aws-'));
  instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
});
afterAll(async () => {
  for (const m of [athena, s3, dynamodb]) m.restore();
  duckdb?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

describe('the heal in AWS', () => {
  it('rewrites a corrupt tile item with calls the skew-check role allows', async () => {
    // What Athena's UNLOAD leaves: two departures of SFO in the last hour, and the shard's mark.
    const file = path.join(dir, 'tiles.parquet');
    const id = (n: number) => `'shardId-000000000000:${String(n).padStart(40, '0')}'`;
    await duckdb.run(
      `COPY (SELECT 'e' AS _sk_kind, 'SFO' AS origin, 20::BIGINT AS delay, 300::BIGINT AS distance, TIMESTAMP '2001-03-02 11:30:00' AS event_time, ${id(1)} AS record_id
             UNION ALL SELECT 'e', 'SFO', 4, 300, TIMESTAMP '2001-03-02 11:40:00', ${id(2)}
             UNION ALL SELECT 'm', 'SFO', NULL, NULL, NULL, ${id(2)}) TO '${file}' (FORMAT PARQUET)`,
    );
    const objects = new Map<string, Uint8Array>();
    const queries: string[] = [];
    athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
      queries.push(input.QueryString);
      const target = /\nTO 's3:\/\/[^/]+\/([^']+)'\nWITH/.exec(input.QueryString)![1]!;
      objects.set(`${target}part-0.parquet`, await readFile(file));
      return { QueryExecutionId: `q-${queries.length}` };
    });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } },
    });
    s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
      Contents: [...objects.keys()]
        .filter((k) => k.startsWith(input.Prefix))
        .map((Key) => ({ Key })),
    }));
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => ({
      Body: { transformToByteArray: async () => objects.get(input.Key)! },
    }));
    // Online: the item applied both records but lost a tile (corrupt): same marks, other tiles.
    const corrupt = emptyTileState();
    corrupt.seq['shardId-000000000000'] = String(2).padStart(40, '0');
    const entityKey = encodeEntityKey(view.joinKeys, { origin: 'SFO' });
    dynamodb
      .on(GetItemCommand)
      .resolves({ Item: encodeTileItem(view, entityKey, corrupt, 3, NOW) as never });
    dynamodb.on(PutItemCommand).resolves({});

    const report = await healAggregationViews(
      {
        registry,
        online: dynamoOnlineWriter(
          new DynamoDBClient({ region: 'us-east-1' }),
          SETTINGS.onlineTable,
        ),
        source: athenaTileHistories({
          athena: new AthenaClient({ region: 'us-east-1' }),
          s3: new S3Client({ region: 'us-east-1' }),
          bucket: SETTINGS.bucket,
          workgroup: SETTINGS.athenaWorkgroup,
          glueDatabase: SETTINGS.glueDatabase,
          clock: () => NOW,
          sleep: async () => undefined,
          duckdb,
          tmpDir: dir,
          runId: 'heal_1',
        }),
      },
      { now: NOW, served: new Map([[view.name, [{ origin: 'SFO' }]]]) },
    );
    expect(report).toMatchObject({ checked: 1, healed: 1, deferred: 0, failed: 0 });
    expect(report.causes.unexplained).toBe(1);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain(`JOIN (VALUES ('SFO'))`);
    const put = dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(#pk) OR #rev = :rev');
    expect(put.ExpressionAttributeValues).toEqual({ ':rev': { N: '3' } });

    await expectCallsAllowedForHandler(
      'skew-check',
      recordedCalls(athena, s3, dynamodb),
      SETTINGS,
      registry,
      { everyGrantNeeded: false },
    );
  }, 60_000);
});
