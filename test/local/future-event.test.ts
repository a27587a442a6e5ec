/**
 * A record whose event_time is ahead of the ingestion clock (a producer clock running ahead) is
 * refused as `future-event-time`: the online store holds one value per entity, so storing it
 * would hide the previous value until its time while the export at the same `t` still picks
 * that previous value. With the rule, a lookup at any `t` equals the export at `t`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { readLocalDeadLetters } from '../../lib/local/dead-letter.ts';
import { startLocalIngest, type LocalIngest } from '../../lib/local/ingest.ts';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';

const runtime = registryFromModule(defs);
const T = Date.UTC(2001, 0, 1, 10);
const MIN = 60_000;

describe('an event_time ahead of the clock', () => {
  let dataDir: string;
  let stack: LocalStack;
  let ingest: LocalIngest;
  let lookup: LocalLookup;
  let now = T;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-future-'));
    stack = await startLocalStack({ registry: runtime.registry, dataDir });
    ingest = await startLocalIngest(stack, { clock: () => now });
    lookup = await startLocalLookup({ stack, runtime, clock: () => now });
  });
  afterAll(async () => {
    await lookup?.close();
    await ingest?.stop();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function send(records: object[]): Promise<void> {
    await stack.kinesis.send(
      new PutRecordsCommand({
        StreamName: sourceStreamName(stack.names, 'airport_departures'),
        Records: records.map((r) => ({
          PartitionKey: 's:SFO',
          Data: Buffer.from(JSON.stringify(r)),
        })),
      }),
    );
    await ingest.drain();
  }

  async function online(at: number): Promise<unknown> {
    now = at;
    const res = await fetch(`${lookup.url}/features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        service: 'departure_delay_model',
        entities: [{ origin: 'SFO', destination: 'LAX' }],
        request: { scheduled_hour: 10 },
      }),
    });
    const json = (await res.json()) as {
      rows: { values: Record<string, unknown>; statuses: Record<string, string> }[];
    };
    const row = json.rows[0]!;
    return [
      row.values['airport_departures__last_delay'],
      row.statuses['airport_departures__last_delay'],
    ];
  }

  async function exported(at: number): Promise<unknown> {
    const c = stack.duckdb;
    await c.run(
      `CREATE OR REPLACE TABLE fspine AS SELECT 'SFO' AS origin, 'LAX' AS destination, make_timestamp(${at * 1000}) AS t, 10 AS scheduled_hour`,
    );
    await exportPointInTimeLocal(
      { duckdb: c, dataDir, runtime },
      {
        service: 'departure_delay_model',
        spineTable: 'fspine',
        timeColumn: 't',
        asOf: { kind: 'instant', at },
        into: 'fout',
      },
    );
    const row = (await c.runAndReadAll('SELECT * FROM fout')).getRowObjectsJS()[0]!;
    return [
      Number(row['airport_departures__last_delay']),
      row['airport_departures__last_delay__status'],
    ];
  }

  it('is dead-lettered, and online equals the export at every t around it', async () => {
    await send([{ origin: 'SFO', event_time: T - 10 * MIN, last_delay: 5 }]);
    // Ingested at T, it claims T + 30 min.
    await send([{ origin: 'SFO', event_time: T + 30 * MIN, last_delay: 99 }]);
    const letters = await readLocalDeadLetters(dataDir);
    expect(letters.map((l) => l.reason)).toEqual(['future-event-time']);
    expect(letters[0]!.message).toMatch(/is after the time it was ingested/);

    for (const at of [T, T + 10 * MIN, T + 30 * MIN, T + 40 * MIN]) {
      expect(await online(at), new Date(at).toISOString()).toEqual([5, 'present']);
      expect(await exported(at), new Date(at).toISOString()).toEqual(await online(at));
    }
  });

  it('accepts an event_time equal to the ingestion time', async () => {
    now = T + 50 * MIN;
    await send([{ origin: 'SFO', event_time: now, last_delay: 7 }]);
    expect(await online(now)).toEqual([7, 'present']);
    expect(await exported(now)).toEqual([7, 'present']);
  });
});
