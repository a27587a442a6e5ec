/**
 * The AWS path of forget, assembled as `skewless forget --aws` assembles it, against the
 * stand-ins: DynamoDB is dynalite (the tombstones and deletes are real), Athena runs the count,
 * DELETE and OPTIMIZE on the local Parquet tables (`aws-standins.ts`), S3 is a map holding an
 * export with its manifest and baseline. Afterwards the key is in no table, item, export or
 * audit object; the tombstone refuses its records; every other entity's rows are unchanged; a
 * rerun removes nothing more.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOnlineItem } from '../../lib/core/online-item.ts';
import {
  athenaLogPlace,
  athenaOfflinePlace,
  s3AuditBlobs,
  s3ExportFiles,
} from '../../lib/forget/aws.ts';
import { exportPlace } from '../../lib/forget/exports.ts';
import { forgetKeyOf } from '../../lib/forget/keys.ts';
import { filesUnder } from '../../lib/forget/local.ts';
import { dynamoForgetStore } from '../../lib/forget/online-aws.ts';
import { runForget, type ForgetDeps } from '../../lib/forget/run.ts';
import { readTombstones } from '../../lib/ingest/forgotten.ts';
import { dynamoOnlineWriter } from '../../lib/ingest/online-aws.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { writeOfflineRecords } from '../export/offline-fixture.ts';
import * as defs from './defs.ts';
import { serveForgetStandIns } from './aws-standins.ts';

const { registry } = registryFromModule(defs);
const T0 = Date.UTC(2026, 0, 10);
const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);

let dir: string;
let stack: LocalStack;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-forget-aws-'));
  stack = await startLocalStack({ registry, dataDir: dir });
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
});
afterAll(async () => {
  athena.restore();
  s3.restore();
  duckdb?.closeSync();
  instance?.closeSync();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await duckdb.runAndReadAll(sql)).getRows();
}

describe('forget --aws against the stand-ins', () => {
  it('deletes through Athena, DynamoDB and S3, writes tombstones, and a rerun finds nothing', async () => {
    const profile = getView(registry, 'customer_profile');
    const people = ["c'1", 'c2', 'c3'];
    await writeOfflineRecords(
      duckdb,
      dir,
      profile,
      people.map((id, i) => ({
        keys: { customer_id: id },
        values: { city: `city-${i}`, age: 30 + i },
        eventTime: T0 + i,
        ingestedAt: T0 + i,
        recordId: `s:${i}`,
      })),
    );
    for (const [i, id] of people.entries())
      await stack.dynamodb.send(
        new PutItemCommand({
          TableName: stack.onlineTable,
          Item: encodeOnlineItem(profile, {
            entityKey: `s:${id}` as never,
            eventTime: T0 + i,
            ingestedAt: T0 + i,
            recordId: `s:${i}`,
            values: { city: `city-${i}`, age: 30 + i },
          }) as never,
        }),
      );
    const training = path.join(dir, 'training.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM (VALUES ('c''1', 1), ('c2', 0)) t(customer_id, label)) TO '${training}' (FORMAT PARQUET)`,
    );
    const objects = new Map<string, Uint8Array>([
      ['exports/e1/training.parquet', await readFile(training)],
      ['exports/e1/manifest.json', Buffer.from('{"exportId":"e1","service":"none","rows":2}')],
    ]);
    const tables = registry.featureViews.map((v) => `${v.name}_v${v.version}`);
    const standIns = serveForgetStandIns({ athena, s3, duckdb, dataDir: dir, objects, tables });
    const world = {
      athena: new AthenaClient({ region: 'us-east-1' }),
      workgroup: 'wg',
      glueDatabase: 'db',
      clock: Date.now,
      sleep: async () => undefined,
    };
    const bucket = { s3: new S3Client({ region: 'us-east-1' }), bucket: 'store' };
    const deps: ForgetDeps = {
      registry,
      online: dynamoForgetStore(stack.dynamodb, stack.onlineTable),
      places: [athenaOfflinePlace(world, registry), athenaLogPlace(world)],
      exports: exportPlace(duckdb, s3ExportFiles(bucket), registry),
      audit: s3AuditBlobs(bucket),
      settle: async () => undefined,
      clock: () => T0 + 1000,
      physicalRemoval: { afterMs: 0, how: 'test' },
    };
    const key = forgetKeyOf(registry, { customer_id: "c'1" });
    const { record } = await runForget(deps, {
      keys: [key],
      requestedBy: 't',
      rewriteExports: true,
    });
    expect(record.removed.offline).toEqual({ customer_profile_v1: 1 });
    expect(record.removed.online).toEqual({ 'customer_profile#v1': 1 });
    expect(record.removed.exports).toEqual({ 'exports/e1/training.parquet': 1 });

    const glob = (await filesUnder(path.join(dir, 'offline'), '.parquet')).map((f) => `'${f}'`);
    expect(
      await rows(`SELECT customer_id, age FROM read_parquet([${glob.join(',')}]) ORDER BY 1`),
    ).toEqual([
      ['c2', 31n],
      ['c3', 32n],
    ]);
    const items = await stack.dynamodb.send(new ScanCommand({ TableName: stack.onlineTable }));
    expect(JSON.stringify(items.Items)).not.toContain("c'1");
    const tombstones = await readTombstones([key.hash], (keys) =>
      dynamoOnlineWriter(stack.dynamodb, stack.onlineTable).getItems(keys),
    );
    expect(tombstones.get(key.hash)?.forgottenAt).toBe(T0 + 1000);
    const manifest = JSON.parse(Buffer.from(objects.get('exports/e1/manifest.json')!).toString());
    expect(manifest).toMatchObject({
      rows: 1,
      forgotten: [{ requestId: record.requestId, rowsRemoved: 1 }],
    });
    for (const [k, body] of objects)
      if (k.startsWith('forget/')) expect(Buffer.from(body).toString()).not.toContain("c'1");
    // Counted first: only the table holding the key gets a DELETE, then its compaction.
    expect(standIns.queries.filter((q) => /^(DELETE|OPTIMIZE)/.test(q))).toEqual([
      `DELETE FROM "db"."customer_profile_v1" WHERE "customer_id" IN ('c''1')`,
      `OPTIMIZE "db"."customer_profile_v1" REWRITE DATA USING BIN_PACK`,
    ]);

    const again = await runForget(deps, { keys: [key], requestedBy: 't', rewriteExports: true });
    const more = Object.values(again.record.removed).flatMap((c) => Object.values(c));
    expect(more.every((n) => n === 0)).toBe(true);
  }, 120_000);
});
