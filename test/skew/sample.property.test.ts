/**
 * The skew check's sample (`lib/skew/sample.ts`) against a brute-force oracle written here from
 * the rule's words: an entity's bucket is the first 8 hex digits of md5(`<service>/<entity key>`)
 * over its UTF-8 bytes; entities below the rate's threshold are taken in (bucket, key) order while
 * the running count of their vectors stays within the cap; every vector of a taken entity is in.
 * DuckDB runs its rendering over random days; the Athena rendering is checked to be the same
 * query but for the dialect's spellings, and Trino's md5 chain is computed as Trino documents it.
 */
import { createHash } from 'node:crypto';
import { TrinoSQL } from 'dt-sql-parser';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_LOG_COLUMNS, LOG_COLUMN_TYPES } from '../../lib/core/inference-log.ts';
import { DEFAULT_SKEW_SAMPLE } from '../../lib/define/definitions.ts';
import type { RegistryService } from '../../lib/registry/types.ts';
import {
  bucketThreshold,
  renderDayCounts,
  renderDaySample,
  sampleOf,
} from '../../lib/skew/sample.ts';
import { athenaDialect, duckdbDialect } from '../../lib/sql/dialect.ts';
import { stringLiteral } from '../../lib/sql/literals.ts';

const DAY = '2001-03-02';
const DAY_MS = Date.parse(`${DAY}T00:00:00Z`);

interface Row {
  readonly service: string;
  readonly entity: string;
  readonly id: string;
  readonly servedAt: number;
}

function service(name: string, sample?: { rate?: number; maxVectorsPerDay?: number }) {
  const skew = {
    defaults: {},
    perFeature: {},
    ...(sample ? { sample: { ...DEFAULT_SKEW_SAMPLE, ...sample } } : {}),
  };
  return { name, skew } as unknown as RegistryService;
}

/** The oracle: the rule in plain TypeScript. */
function oracle(rows: readonly Row[], svc: RegistryService): string[] {
  const { rate, maxVectorsPerDay } = sampleOf(svc);
  const day = rows.filter(
    (r) => r.service === svc.name && r.servedAt >= DAY_MS && r.servedAt < DAY_MS + 86_400_000,
  );
  const counts = new Map<string, number>();
  for (const r of day) counts.set(r.entity, (counts.get(r.entity) ?? 0) + 1);
  const bucket = (e: string) =>
    createHash('md5').update(`${svc.name}/${e}`, 'utf8').digest('hex').slice(0, 8);
  const limit = Math.floor(rate * 2 ** 32);
  const kept = new Set<string>();
  let running = 0;
  const ordered = [...counts.keys()]
    .filter((e) => parseInt(bucket(e), 16) < limit || rate >= 1)
    .sort((a, b) => (bucket(a) < bucket(b) ? -1 : bucket(a) > bucket(b) ? 1 : a < b ? -1 : 1));
  for (const e of ordered) {
    running += counts.get(e)!;
    if (running <= maxVectorsPerDay) kept.add(e);
  }
  return day
    .filter((r) => kept.has(r.entity))
    .map((r) => r.id)
    .sort();
}

let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
});
afterAll(() => {
  duckdb?.closeSync();
  instance?.closeSync();
});

/** A log table of `rows` with every log column (the rest null). */
async function loadLog(rows: readonly Row[]): Promise<string> {
  const cols = INFERENCE_LOG_COLUMNS.map((c) => `"${c.name}" ${LOG_COLUMN_TYPES[c.kind]}`);
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE log (${cols.join(', ')})`);
  if (rows.length > 0) {
    const values = rows.map(
      (r) =>
        `(${stringLiteral(r.id)}, 0, make_timestamp(${r.servedAt * 1000}::BIGINT), ${stringLiteral(r.service)}, 'h', ${stringLiteral(r.entity)}, NULL, NULL, NULL, NULL, NULL)`,
    );
    await duckdb.run(`INSERT INTO log VALUES ${values.join(', ')}`);
  }
  return 'log';
}

async function picked(svc: RegistryService, logged?: number): Promise<string[]> {
  const sql = renderDaySample(duckdbDialect, {
    source: 'log',
    date: DAY,
    service: svc,
    ...(logged === undefined ? {} : { logged }),
  });
  const reader = await duckdb.runAndReadAll(`SELECT request_id FROM (${sql}) ORDER BY 1`);
  return reader.getRowObjectsJson().map((r) => String(r.request_id));
}

/** The service's count of the day, as the check's first query gives it. */
async function loggedOf(name: string): Promise<number> {
  const reader = await duckdb.runAndReadAll(renderDayCounts('log', DAY));
  const row = reader.getRowObjectsJson().find((r) => r.service === name);
  return Number(row?.vectors ?? 0);
}

const entityArb = fc.oneof(
  fc.constantFrom('s:ATL', 's:ORD', 's:SFO', 'i:42', 's:é/ü', "s:O'Hare"),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => `s:${s}`),
);
const rowsArb = fc
  .array(
    fc.record({
      service: fc.constantFrom('svc_a', 'svc_b'),
      entity: entityArb,
      // Mostly the day, some the day before and after (never read).
      servedAt: fc.integer({ min: DAY_MS - 3_600_000, max: DAY_MS + 86_400_000 + 3_600_000 }),
    }),
    { maxLength: 120 },
  )
  .map((rows) => rows.map((r, i) => ({ ...r, id: `r-${String(i).padStart(4, '0')}` })));
const sampleArb = fc.record(
  {
    rate: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
    maxVectorsPerDay: fc.integer({ min: 1, max: 80 }),
  },
  { requiredKeys: [] },
);

describe('the sample rule', () => {
  it("picks exactly the oracle's vectors: every vector of a picked entity, within the cap", async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, sampleArb, async (rows, sample) => {
        await loadLog(rows);
        for (const name of ['svc_a', 'svc_b']) {
          const svc = service(name, sample);
          const got = await picked(svc);
          expect(got).toEqual(oracle(rows, svc));
          expect(got.length).toBeLessThanOrEqual(sampleOf(svc).maxVectorsPerDay);
          // Told the day's count, a day that fits is read in one pass: the same vectors.
          expect(await picked(svc, await loggedOf(name))).toEqual(got);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a small day whole under the default sample', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({
      service: 'svc_a',
      entity: `s:${i % 37}`,
      id: `r-${String(i).padStart(4, '0')}`,
      servedAt: DAY_MS + i * 1000,
    }));
    await loadLog(rows);
    expect(await picked(service('svc_a'))).toHaveLength(500);
    const counts = await duckdb.runAndReadAll(renderDayCounts('log', DAY));
    expect(counts.getRowObjectsJson()).toEqual([
      { service: 'svc_a', vectors: '500', unreadable: '0' },
    ]);
  });

  it('realises its rate within the tolerance entity clustering allows', async () => {
    // 4,000 entities with 1-9 vectors each; rate 0.2, no cap in the way.
    await loadLog([]);
    await duckdb.run(
      `INSERT INTO log (request_id, "row", served_at, service, registry_hash, entity_key)
       SELECT 'r-' || e || '-' || k, 0, TIMESTAMP '${DAY} 01:00:00', 'svc_a', 'h', 's:' || e
       FROM range(4000) a(e), range(9) b(k) WHERE k <= e % 9`,
    );
    const total = Array.from({ length: 4000 }, (_, e) => 1 + (e % 9)).reduce((a, b) => a + b);
    const rate = 0.2;
    const got = (await picked(service('svc_a', { rate, maxVectorsPerDay: 1e9 }))).length;
    // Var(realised) = rate(1-rate) Σ n_e² / N²: four standard deviations of it.
    const sumSq = Array.from({ length: 4000 }, (_, e) => (1 + (e % 9)) ** 2).reduce(
      (a, b) => a + b,
    );
    const sd = Math.sqrt(rate * (1 - rate) * sumSq) / total;
    expect(Math.abs(got / total - rate)).toBeLessThan(4 * sd);
  });
});

describe('both dialects pick the same vectors', () => {
  it("renders one query whose only difference is the dialect's md5 hook", () => {
    const svc = service('svc_a', { rate: 0.3, maxVectorsPerDay: 1000 });
    const athena = renderDaySample(athenaDialect, { source: 'src', date: DAY, service: svc });
    const duck = renderDaySample(duckdbDialect, { source: 'src', date: DAY, service: svc });
    const input = `'svc_a/' || "entity_key"`;
    const normalise = (sql: string, dialect: typeof athenaDialect) =>
      sql.replace(dialect.md5Hex(input), 'HASH');
    expect(normalise(athena, athenaDialect)).toBe(normalise(duck, duckdbDialect));
    expect(athena).toContain(`bucket < ${stringLiteral(bucketThreshold(0.3)!)}`);
  });

  it("spells md5 so that Trino computes DuckDB's hex digits (to_utf8, md5, to_hex, lower)", async () => {
    // Trino: to_utf8(varchar) → UTF-8 bytes; md5(varbinary) → digest; to_hex → uppercase hex.
    const trino = (text: string) =>
      createHash('md5')
        .update(Buffer.from(text, 'utf8'))
        .digest()
        .toString('hex')
        .toUpperCase()
        .toLowerCase();
    expect(athenaDialect.md5Hex('x')).toBe('lower(to_hex(md5(to_utf8(x))))');
    for (const text of ['svc_a/s:ATL', 'svc_a/s:é/ü', "svc_b/s:O'Hare", 'svc_a/i:42']) {
      const reader = await duckdb.runAndReadAll(
        `SELECT ${duckdbDialect.md5Hex(stringLiteral(text))} AS h`,
      );
      expect(String(reader.getRowObjectsJson()[0]!.h)).toBe(trino(text));
    }
  });

  it('parses as Trino', () => {
    const svc = service('svc_a', { rate: 0.5, maxVectorsPerDay: 10 });
    const trino = new TrinoSQL();
    for (const sql of [
      renderDaySample(athenaDialect, { source: '"db"."inference_log"', date: DAY, service: svc }),
      renderDayCounts('"db"."inference_log"', DAY),
    ])
      expect(trino.validate(sql)).toEqual([]);
  });
});
