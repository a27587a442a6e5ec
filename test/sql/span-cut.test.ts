/**
 * The rendered Athena SQL scans each offline table by the spine's span, with literal bounds on
 * `event_time` (the partition source column), for every service of the example and both as-of
 * kinds: a plain view's records after `earliest - ttl` (older ones only as one mark per key,
 * which reads the key and `ingested_at` columns, never features or record ids), an aggregation
 * view's events after the earliest window start, and nothing after the latest `t`. No bound is a
 * scalar subquery, which Athena could not prune partitions with.
 */
import { describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { athenaUnloadSql } from '../../lib/export/athena-sql.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { timestampLiteral } from '../../lib/sql/literals.ts';
import { buildPointInTimePlan, type AsOf } from '../../lib/sql/plan.ts';
import { dayBefore, spineColumnsOf } from './spine-fixture.ts';

const runtime = registryFromModule(flights);
const AT = Date.parse('2001-07-01T00:00:00.000Z');
const SPAN = dayBefore(AT);
const AS_OFS: readonly AsOf[] = [
  { kind: 'instant', at: AT },
  { kind: 'column', column: 'served_at' },
];

interface Scan {
  readonly table: string;
  /** The scan's SELECT list (what it reads of `f`) and its WHERE. */
  readonly select: string;
  readonly where: string;
}

/** Every `FROM "db"."<table>" AS f ... WHERE ...` of the text, with the SELECT before it. */
function scans(sql: string): Scan[] {
  const found: Scan[] = [];
  const pattern =
    /SELECT ([^\n]*)\n?\s*FROM "db"\."([a-z0-9_]+)" AS f(?:\s*\n\s*|\s+)WHERE ([^\n]*)/g;
  for (const m of sql.matchAll(pattern)) found.push({ select: m[1]!, table: m[2]!, where: m[3]! });
  return found;
}

const lit = (ms: number) => timestampLiteral(ms);
const et = 'f."event_time"';

function render(service: string, asOf: AsOf): string {
  return athenaUnloadSql(runtime, {
    service,
    database: 'db',
    spineTable: 'tmp_spine_x',
    spineColumns: spineColumnsOf(runtime, service, 'event_time', asOf),
    timeColumn: 'event_time',
    asOf,
    span: SPAN,
    target: 's3://b/exports/x/data/',
  });
}

/** The bounds a scan of `table` must carry: (lower, upper], or a mark's `<= cut`. */
function expectBounded(scan: Scan, service: string): void {
  const plan = buildPointInTimePlan(runtime.registry, service, {
    timeColumn: 'event_time',
    asOf: AS_OFS[0]!,
  });
  const planned = plan.views.find((p) => p.table === scan.table);
  expect(planned, scan.table).toBeDefined();
  const v = getView(runtime.registry, planned!.name);
  const reach =
    v.kind === 'aggregation' ? Math.max(...v.features.map((f) => f.aggregate.windowMs)) : v.ttlMs;
  const cut = lit(SPAN.earliest - reach);
  const what = `${scan.table}: ${scan.where}`;
  if (scan.where.includes(`${et} <= ${cut}`) && v.kind === 'plain') {
    // The mark of older records: keys and ingested_at only.
    const read = [...scan.select.matchAll(/f\."([a-z0-9_]+)"/g)].map((m) => m[1]);
    const allowed = [...v.joinKeys.map((k) => k.name), 'ingested_at'];
    expect(
      read.filter((c) => !allowed.includes(c!)),
      what,
    ).toEqual([]);
    return;
  }
  expect(scan.where, what).toContain(`${et} > ${cut}`);
  expect(scan.where, what).toContain(`${et} <= ${lit(SPAN.latest)}`);
}

describe('the Athena SQL reads each view by the span', () => {
  for (const service of runtime.registry.featureServices)
    for (const asOf of AS_OFS)
      it(`${service.name}, ${asOf.kind} as-of`, () => {
        const sql = render(service.name, asOf);
        const found = scans(sql);
        const tables = new Set(found.map((s) => s.table));
        // Every view the service reads is scanned, and every scan is bounded.
        expect(tables.size).toBe(new Set(service.features.map((f) => f.view)).size);
        for (const scan of found) expectBounded(scan, service.name);
        // Every read of an offline table is one of the scans above.
        expect(sql.match(/FROM "db"\."(?!tmp_spine_)[a-z0-9_]+" AS f/g)).toHaveLength(found.length);
        expect(sql).not.toMatch(/\(SELECT (min|max)\("_sk_t"\)/);
      });

  it('a plain view reads its features from earliest - ttl only', () => {
    const sql = render('departure_delay_model', AS_OFS[1]!);
    const view = getView(runtime.registry, 'airport_departures');
    const records = scans(sql).filter(
      (s) =>
        s.table === 'airport_departures_v1' &&
        (s.select.includes('f."last_delay"') || s.select.startsWith('f.*')),
    );
    expect(records.length).toBeGreaterThanOrEqual(2); // the candidates and the late fix
    for (const r of records)
      expect(r.where).toContain(`${et} > ${lit(SPAN.earliest - view.ttlMs)}`);
  });
});
