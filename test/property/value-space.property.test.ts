/**
 * "What ingest accepts must be stored identically in every store" ("Bad input", docs/semantics.md), over
 * the whole value space of each dtype: lone surrogates, ±0, subnormals, DynamoDB's limits,
 * int64 ±2^53, ±Infinity (a JSON 1e400), timestamps far from now and impossible dates, event
 * times ahead of the clock. Raw records go on kinesalite (past the producer's checks) and
 * through the real ingest handler; then each record is either dead-lettered with a reason and
 * in no store, or it reads back as itself from DynamoDB (a lookup), Parquet, a point-in-time
 * export at the same t, and the inference log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { exportPointInTimeLocal } from '../../lib/export/point-in-time.ts';
import { POISON_REASONS } from '../../lib/ingest/record.ts';
import { readLocalDeadLetters } from '../../lib/local/dead-letter.ts';
import { localOfflineDir } from '../../lib/local/firehose.ts';
import { localInferenceLogDir } from '../../lib/local/inference-log.ts';
import { duckdbType } from '../../lib/core/columns.ts';
import { startLocalIngest, type LocalIngest } from '../../lib/local/ingest.ts';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import * as defs from './value-space-defs.ts';

const runtime = registryFromModule(defs);
const view = getView(runtime.registry, 'all_types');
const SERVICE = 'all_types_service';
const FEATURES = ['i', 'f', 's', 'b', 'ts', 'list'] as const;
/** The ingestion clock and the read time of every lookup and export. */
const NOW = Date.UTC(2001, 5, 1, 12);
const YEAR1 = -62135596800000;

// ---- generators: the edges of each dtype, and plain values around them ----
const number = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1024) },
  { weight: 2, arbitrary: fc.double({ noNaN: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      0,
      -0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      1e-130,
      -1e-130,
      9.99e-131,
      9.99e125,
      -9.99e125,
      9.990000000000002e125, // the next double above the limit
      1.7976931348623157e308,
      Infinity,
      -Infinity,
    ),
  },
);
const int = fc.oneof(
  { weight: 16, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 53 - 1, -(2 ** 53 - 1), -0, 0, 0.5, 1e300),
  },
);
const text = fc.oneof(
  { weight: 16, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '\ud800',
      'a\udc00b',
      '\udbff\udfff',
      '😀',
      '',
      '\u0000',
      'x\u0001y',
      '|\\',
    ),
  },
);
const instant = fc.oneof(
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 16, arbitrary: fc.integer({ min: YEAR1, max: 253402300799999 }).map(iso) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2001-02-30T00:00:00.000Z',
      '2001-01-01T24:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '0001-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ),
  },
);
const eventTime = fc.oneof(
  { weight: 24, arbitrary: fc.integer({ min: NOW - 86_400_000, max: NOW }) },
  { weight: 2, arbitrary: fc.integer({ min: NOW - 86_400_000, max: NOW }).map(iso) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      9000000000000000,
      YEAR1,
      YEAR1 - 1,
      NOW + 1,
      '2001-02-30T00:00:00Z',
      '2001-01-01T24:00:00Z',
      '0000-01-01T00:00:00Z',
      1.5,
    ),
  },
);
const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 8 });
const record = fc.record({
  badKey: fc.oneof(
    { weight: 19, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  event_time: eventTime,
  i: orNull(int),
  f: orNull(number),
  s: orNull(text),
  b: orNull(
    fc.oneof(
      { weight: 9, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant<unknown>('true') },
    ),
  ),
  ts: orNull(instant),
  list: orNull(fc.array(number, { maxLength: 4 })),
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** JSON as a producer would write it: numbers as JS prints them, ±Infinity as 1e400. */
function wire(value: unknown): string {
  if (typeof value === 'number') {
    if (value === Infinity) return '1e400';
    if (value === -Infinity) return '-1e400';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(wire).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${wire(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A value as stored: DuckDB's JS values to the wire's (BIGINT → number, TIMESTAMP → ISO). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** Equal as every store means it: numbers by value (-0 and 0 are one number to DynamoDB). */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return a === b;
}

/** The value a record's feature must read back as: its JSON value, timestamps as ms ISO. */
function expected(feature: (typeof FEATURES)[number], payload: Record<string, unknown>): unknown {
  const v = payload[feature] ?? null;
  return feature === 'ts' && typeof v === 'string' ? iso(Date.parse(v)) : v;
}

describe('every record over the value space of each dtype', () => {
  let dataDir: string;
  let stack: LocalStack;
  let ingest: LocalIngest;
  let lookup: LocalLookup;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  const totals = { accepted: 0, refused: 0 };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-values-'));
    stack = await startLocalStack({ registry: runtime.registry, dataDir });
    ingest = await startLocalIngest(stack, { clock: () => NOW });
    lookup = await startLocalLookup({ stack, runtime, clock: () => NOW, logFlushIntervalMs: 10 });
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
  });
  afterAll(async () => {
    duckdb?.closeSync();
    instance?.closeSync();
    await lookup?.close();
    await ingest?.stop();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is dead-lettered with a reason and in no store, or reads back as itself from all four', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 30, maxLength: 80 }), async (records) => {
        run++;
        const payloads = records.map((r, n) => {
          const { badKey, ...fields } = r;
          return { id: badKey ? `r${run}-${n}\ud800` : `r${run}-${n}`, ...fields };
        });
        await ingestRaw(payloads);
        const ids = payloads.map((p) => p.id);
        const letters = await lettersById(ids);
        const online = await lookupAll(ids.filter((id) => !/[\ud800-\udfff]/u.test(id)));
        const offline = await parquetById(`r${run}-`);
        const exported = await exportAll(ids.filter((id) => !/[\ud800-\udfff]/u.test(id)));
        const logged = await inferenceLogById(`r${run}-`);

        for (const payload of payloads) {
          const letter = letters.get(payload.id);
          const where = `record ${wire(payload)}`;
          if (letter !== undefined) {
            totals.refused++;
            expect(POISON_REASONS, where).toContain(letter);
            expect(offline.has(payload.id), `${where}: dead-lettered yet in Parquet`).toBe(false);
            const served = online.get(payload.id);
            if (served)
              expect(served.statuses.i, `${where}: dead-lettered yet online`).toBe('missing');
            continue;
          }
          totals.accepted++;
          const sources = {
            dynamodb: online.get(payload.id)?.values,
            parquet: offline.get(payload.id),
            export: exported.get(payload.id),
            'inference log': logged.get(payload.id),
          };
          for (const [store, values] of Object.entries(sources)) {
            expect(values, `${where}: missing from ${store}`).toBeDefined();
            for (const feature of FEATURES) {
              const want = expected(feature, payload);
              const got = plain(values![feature]);
              expect(same(got, want), `${where}: ${store} ${feature} = ${wire(got)}`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 10 },
    );
    // Not vacuous: both outcomes happened.
    expect(totals.accepted).toBeGreaterThan(100);
    expect(totals.refused).toBeGreaterThan(100);
  }, 60_000);

  async function ingestRaw(payloads: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < payloads.length; i += 500) {
      await stack.kinesis.send(
        new PutRecordsCommand({
          StreamName: sourceStreamName(stack.names, view.source.stream),
          Records: payloads.slice(i, i + 500).map((p) => ({
            PartitionKey: 'k',
            Data: Buffer.from(wire(p)),
          })),
        }),
      );
    }
    await ingest.drain();
  }

  async function lettersById(ids: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(ids);
    const out = new Map<string, string>();
    for (const letter of await readLocalDeadLetters(dataDir)) {
      const payload = JSON.parse(Buffer.from(letter.data_base64, 'base64').toString()) as {
        id: string;
      };
      if (wanted.has(payload.id)) out.set(payload.id, letter.reason);
    }
    return out;
  }

  async function lookupAll(ids: readonly string[]) {
    const out = new Map<
      string,
      { values: Record<string, unknown>; statuses: Record<string, string> }
    >();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const res = await fetch(`${lookup.url}/features`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: SERVICE, entities: chunk.map((id) => ({ id })) }),
      });
      const json = (await res.json()) as {
        rows: {
          keys: { id: string };
          values: Record<string, unknown>;
          statuses: Record<string, string>;
        }[];
      };
      expect(res.status, JSON.stringify(json)).toBe(200);
      for (const row of json.rows) out.set(row.keys.id, unprefixed(row));
    }
    return out;
  }

  async function parquetById(prefix: string): Promise<Map<string, Record<string, unknown>>> {
    const glob = path.join(localOfflineDir(dataDir, view), '**', '*.parquet');
    const reader = await duckdb.runAndReadAll(
      `SELECT * FROM read_parquet('${glob}', hive_partitioning = true) WHERE starts_with(id, '${prefix}')`,
    );
    return new Map(reader.getRowObjectsJS().map((r) => [String(r['id']), r]));
  }

  async function exportAll(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    await duckdb.run(`CREATE OR REPLACE TABLE spine (id VARCHAR, t TIMESTAMP)`);
    const appender = await duckdb.createAppender('spine');
    for (const id of ids) {
      appender.appendVarchar(id);
      appender.appendNull();
      appender.endRow();
    }
    appender.closeSync();
    await duckdb.run(`UPDATE spine SET t = make_timestamp(${NOW * 1000})`);
    await exportPointInTimeLocal(
      { duckdb, dataDir, runtime },
      {
        service: SERVICE,
        spineTable: 'spine',
        timeColumn: 't',
        asOf: { kind: 'instant', at: NOW },
        into: 'out',
      },
    );
    const rows = (await duckdb.runAndReadAll('SELECT * FROM out')).getRowObjectsJS();
    return new Map(rows.map((r) => [String(r['id']), unprefixed({ values: r }).values]));
  }

  /** The logged values read back as the skew check reads them: text cast to each dtype. */
  async function inferenceLogById(prefix: string): Promise<Map<string, Record<string, unknown>>> {
    await lookup.inferenceLog.flush({ timeoutMs: 10_000 });
    const glob = path.join(localInferenceLogDir(dataDir), '*', '*.parquet');
    const casts = view.features.map(
      (f) =>
        `TRY_CAST(json_extract_string("values", '$.all_types__${f.name}') AS ${duckdbType(f.dtype)}) AS "all_types__${f.name}"`,
    );
    const reader = await duckdb.runAndReadAll(
      `SELECT json_extract_string(keys, '$.id') AS id, ${casts.join(', ')}
         FROM read_parquet('${glob}', hive_partitioning = false)
        WHERE starts_with(json_extract_string(keys, '$.id'), '${prefix}')`,
    );
    return new Map(
      reader.getRowObjectsJS().map((r) => [String(r['id']), unprefixed({ values: r }).values]),
    );
  }
});

/** `all_types__i` → `i`. */
function unprefixed<
  T extends { values: Record<string, unknown>; statuses?: Record<string, string> },
>(row: T): { values: Record<string, unknown>; statuses: Record<string, string> } {
  const strip = (o: Record<string, unknown> = {}) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/^all_types__/, ''), v]));
  return {
    values: strip(row.values),
    statuses: strip(row.statuses) as Record<string, string>,
  };
}
