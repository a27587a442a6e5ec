import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import {
  InvalidRecordError,
  PutRecordsError,
  putRecords,
  type PutRecordsInput,
  type PutRecordsOutput,
} from '../../lib/producer/put-records.ts';
import { readRecords } from '../../lib/producer/read-file.ts';

const { registry } = registryFromModule(defs);
const view = getView(registry, 'route_flights');
const names = { prefix: 'p' };
const noSleep = async () => undefined;

class FakeKinesis {
  readonly calls: PutRecordsInput[] = [];
  readonly accepted: { data: string; key: string }[] = [];
  constructor(private readonly failFirst: number) {}
  private failures = 0;
  async putRecords(input: PutRecordsInput): Promise<PutRecordsOutput> {
    this.calls.push(input);
    let failed = 0;
    const Records = input.Records.map((r) => {
      if (this.failures < this.failFirst) {
        this.failures++;
        failed++;
        return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' };
      }
      this.accepted.push({ data: Buffer.from(r.Data).toString(), key: r.PartitionKey });
      return { SequenceNumber: String(this.accepted.length), ShardId: 'shardId-0' };
    });
    return { FailedRecordCount: failed, Records };
  }
}

const route = (i: number) => ({
  origin: 'SFO',
  destination: `D${i}`,
  event_time: Date.UTC(2001, 0, 1) + i,
  distance: 100 + i,
});

describe('putRecords', () => {
  it('sends ≤ 500 entries per call, keyed by the encoded entity key, in canonical form', async () => {
    const kinesis = new FakeKinesis(0);
    const out = await putRecords(
      kinesis,
      Array.from({ length: 1201 }, (_, i) => route(i)),
      {
        registry,
        names,
        view,
      },
    );
    expect(out.sent).toBe(1201);
    expect(kinesis.calls.map((c) => c.Records.length)).toEqual([500, 500, 201]);
    expect(kinesis.calls[0]!.StreamName).toBe('p-route-flights');
    expect(kinesis.accepted[0]!.key).toBe('s:SFO|s:D0');
    expect(JSON.parse(kinesis.accepted[0]!.data)).toEqual({
      origin: 'SFO',
      destination: 'D0',
      event_time: '2001-01-01T00:00:00.000Z',
      distance: 100,
      last_delay: null,
    });
  });

  it('resends only the entries Kinesis failed', async () => {
    const kinesis = new FakeKinesis(30);
    const out = await putRecords(
      kinesis,
      Array.from({ length: 100 }, (_, i) => route(i)),
      {
        registry,
        names,
        view,
        sleep: noSleep,
      },
    );
    expect(out).toMatchObject({ sent: 100, retried: 30 });
    expect(kinesis.calls.map((c) => c.Records.length)).toEqual([100, 30]);
    expect(new Set(kinesis.accepted.map((a) => a.key)).size).toBe(100);
  });

  it('gives up with a clear error when Kinesis keeps refusing', async () => {
    const kinesis = new FakeKinesis(Infinity);
    await expect(
      putRecords(kinesis, [route(1)], { registry, names, view, sleep: noSleep }),
    ).rejects.toBeInstanceOf(PutRecordsError);
  });

  it('refuses an invalid record before sending its call, naming it', async () => {
    const kinesis = new FakeKinesis(0);
    const run = putRecords(kinesis, [route(1), { ...route(2), distance: 'far' }], {
      registry,
      names,
      view,
    });
    await expect(run).rejects.toThrow(/record 2: distance: expected int64/);
    await expect(run).rejects.toBeInstanceOf(InvalidRecordError);
    expect(kinesis.calls).toHaveLength(0);
  });
});

describe('readRecords', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-producer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('types CSV cells by the view, keeping string keys as strings', async () => {
    const file = path.join(dir, 'r.csv');
    await writeFile(
      file,
      'origin,destination,event_time,distance\n007,LAX,2001-01-01T00:00:00Z,12\nSFO,JFK,978307200000,\n',
    );
    const rows = [];
    for await (const r of readRecords(file, { registry, view })) rows.push(r);
    expect(rows).toEqual([
      { origin: '007', destination: 'LAX', event_time: '2001-01-01T00:00:00Z', distance: 12 },
      { origin: 'SFO', destination: 'JFK', event_time: 978307200000 },
    ]);
  });

  it.each(['0x10', '0b101', '1e3', ' 12 ', '+12', '12.0', 'Infinity'])(
    'refuses the int64 CSV cell %j, naming the file, line and field',
    async (cell) => {
      const file = path.join(dir, 'int.csv');
      await writeFile(
        file,
        `origin,destination,event_time,distance\nSFO,LAX,2001-01-01T00:00:00Z,"${cell}"\n`,
      );
      await expect(async () => {
        for await (const _ of readRecords(file, { registry, view })) void _;
      }).rejects.toThrow(
        `int.csv:2: distance: '${cell}' is not an int64 (decimal digits, optional minus)`,
      );
    },
  );

  it('reads an int64 CSV cell the way `skewless get --request` does: decimal digits only', async () => {
    const file = path.join(dir, 'ok.csv');
    await writeFile(file, 'origin,destination,event_time,distance\nSFO,LAX,978307200000,-0012\n');
    const rows = [];
    for await (const r of readRecords(file, { registry, view })) rows.push(r);
    expect(rows).toEqual([
      { origin: 'SFO', destination: 'LAX', event_time: 978307200000, distance: -12 },
    ]);
  });

  it('reads JSON lines as they are and names a broken line', async () => {
    const file = path.join(dir, 'r.jsonl');
    await writeFile(file, `${JSON.stringify(route(1))}\n\n{oops\n`);
    const rows: unknown[] = [];
    await expect(async () => {
      for await (const r of readRecords(file, { registry, view })) rows.push(r);
    }).rejects.toThrow(/r\.jsonl:3: not JSON/);
    expect(rows).toEqual([route(1)]);
  });

  it('reads Parquet, turning BIGINT into numbers and TIMESTAMP into epoch ms', async () => {
    const file = path.join(dir, 'r.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`SET TimeZone = 'UTC'`);
    await c.run(
      `COPY (SELECT 'SFO' AS origin, 'LAX' AS destination, TIMESTAMP '2001-01-01 00:00:01' AS event_time,
              12::BIGINT AS distance, NULL::BIGINT AS last_delay) TO '${file}' (FORMAT PARQUET)`,
    );
    c.closeSync();
    instance.closeSync();
    const rows = [];
    for await (const r of readRecords(file, { registry, view })) rows.push(r);
    expect(rows).toEqual([
      { origin: 'SFO', destination: 'LAX', event_time: 978307201000, distance: 12 },
    ]);
  });
});
