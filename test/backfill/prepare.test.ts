/** Backfill's pure half: ingestion's validation per row, stable record ids, bad rows by line. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { prepareBackfill } from '../../lib/backfill/prepare.ts';
import { BACKFILL_ID_PREFIX } from '../../lib/core/ordering.ts';
import { readRecordRows, type RecordRow } from '../../lib/producer/read-file.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';

const { registry } = registryFromModule(flights);
const view = getView(registry, 'airport_departures');
const T = '2001-01-01T10:00:00Z';

async function* rowsOf(records: readonly Record<string, unknown>[]): AsyncGenerator<RecordRow> {
  for (const [i, record] of records.entries()) yield { line: i + 1, record };
}

describe('prepareBackfill', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-backfill-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same row the same record id in every run and from any position', async () => {
    const a = { origin: 'SFO', event_time: T, last_delay: 5 };
    const b = { origin: 'LAX', event_time: T, last_delay: 7 };
    const first = await prepareBackfill(registry, view, rowsOf([a, b]), 1);
    const second = await prepareBackfill(registry, view, rowsOf([b, a]), 2);
    const ids = (p: typeof first) => new Map(p.rows.map((r) => [r.keys.origin, r.recordId]));
    expect(ids(second)).toEqual(ids(first));
    expect(first.rows.every((r) => r.recordId.startsWith(BACKFILL_ID_PREFIX))).toBe(true);
    expect(new Set(first.rows.map((r) => r.recordId)).size).toBe(2);
    expect(second.rows.every((r) => r.ingestedAt === 2)).toBe(true);
  });

  it('keeps the record id a row carries and counts a repeated row once', async () => {
    const row = { origin: 'SFO', event_time: T, last_delay: 5, record_id: 'shardId-1:0042' };
    const prepared = await prepareBackfill(registry, view, rowsOf([row, row]), 1);
    expect(prepared.rows.map((r) => r.recordId)).toEqual(['shardId-1:0042']);
    expect(prepared.duplicates).toBe(1);
  });

  it("refuses what ingestion refuses, naming each row's line, and keeps every other row", async () => {
    const prepared = await prepareBackfill(
      registry,
      view,
      rowsOf([
        { origin: 'SFO', event_time: T, last_delay: 5 },
        { origin: 'SFO', event_time: 'yesterday', last_delay: 5 },
        { origin: 'SFO', event_time: T, last_delay: 'late' },
        { origin: 'SFO', event_time: T, ingested_at: T },
        { event_time: T },
        { origin: 'JFK', event_time: T, record_id: 7 },
        { origin: 'JFK', event_time: T, surprise: 1 },
        { origin: 'ORD', event_time: T, last_destination: 'BOS' },
      ]),
      1,
    );
    expect(prepared.read).toBe(8);
    expect(prepared.rows.map((r) => r.keys.origin)).toEqual(['SFO', 'ORD']);
    expect(prepared.bad.map((b) => b.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(prepared.bad[0]!.message).toMatch(/event_time/);
    expect(prepared.bad[1]!.message).toMatch(/last_delay/);
    expect(prepared.bad[2]!.message).toMatch(/ingested_at/);
    expect(prepared.bad[3]!.message).toMatch(/origin/);
    expect(prepared.bad[4]!.message).toMatch(/record_id/);
    expect(prepared.bad[5]!.message).toMatch(/surprise/);
  });

  it('reports file lines: CSV counts its header, a bad JSON line is one bad row', async () => {
    const csv = path.join(dir, 'h.csv');
    await writeFile(
      csv,
      ['origin,event_time,last_delay', `SFO,${T},5`, `LAX,${T},five`, `JFK,${T},1`].join('\n'),
    );
    const fromCsv = await prepareBackfill(
      registry,
      view,
      readRecordRows(csv, { registry, view }),
      1,
    );
    expect(fromCsv.rows).toHaveLength(2);
    expect(fromCsv.bad).toEqual([{ line: 3, message: expect.stringMatching(/last_delay/) }]);

    const jsonl = path.join(dir, 'h.jsonl');
    await writeFile(
      jsonl,
      [
        `{"origin":"SFO","event_time":"${T}"}`,
        '{oops',
        '',
        `{"origin":"LAX","event_time":"${T}"}`,
      ].join('\n'),
    );
    const fromJson = await prepareBackfill(
      registry,
      view,
      readRecordRows(jsonl, { registry, view }),
      1,
    );
    expect(fromJson.rows).toHaveLength(2);
    expect(fromJson.bad).toEqual([{ line: 2, message: expect.stringMatching(/not JSON/) }]);
  });
});
