/**
 * Every query the Athena dialect renders is parsed by a Trino grammar (dt-sql-parser's TrinoSQL,
 * ANTLR), so a dialect slip fails here before Athena sees it. The queries are gathered, not
 * listed: every Athena golden file (`__golden__/*.athena.sql`) and the UNLOAD of every feature
 * service of every definitions module below, with both as-of kinds. A new service, view kind
 * (windows) or golden is checked without touching this file.
 *
 * Hive DDL (CREATE EXTERNAL TABLE, DROP TABLE) is not Trino: Athena runs it in Hive, so the
 * goldens of DDL are skipped by their first keyword.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/index.ts';
import { athenaUnloadSql } from '../../lib/export/athena-sql.ts';
import { tileEventsUnloadSql } from '../../lib/materialize/tile-source.ts';
import { isAggregationView } from '../../lib/registry/query.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { duckdbAsofDialect, duckdbDialect } from '../../lib/sql/dialect.ts';
import { buildPointInTimePlan, type AsOf } from '../../lib/sql/plan.ts';
import { renderPointInTimeSql } from '../../lib/sql/render.ts';
import * as synthetic from '../export/synthetic-defs.ts';
import { dayBefore, spineColumnsOf } from './spine-fixture.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(here, '__golden__');
const trino = new TrinoSQL();

/** The definitions modules whose services are rendered (the example and the test fixtures). */
const MODULES: Record<string, RuntimeRegistry> = {
  feature_defs: registryFromModule(flights as Record<string, unknown>),
  'test/export/synthetic-defs': registryFromModule(synthetic as Record<string, unknown>),
};
const AS_OF_KINDS: readonly AsOf[] = [
  { kind: 'instant', at: Date.parse('2001-07-01T00:00:00.000Z') },
  { kind: 'column', column: 'served_at' },
];

/** The statement Trino parses: the query inside `UNLOAD (...) TO ...`, or the text itself. */
function trinoQueryOf(sql: string): string {
  const unload = /^UNLOAD \(\n([\s\S]*)\n\)\nTO '[^']*'\nWITH \([^)]*\)\s*$/.exec(sql);
  return unload ? unload[1]! : sql;
}

function trinoErrors(sql: string): string[] {
  return trino.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

interface RenderedQuery {
  readonly name: string;
  readonly sql: string;
}

function athenaGoldens(): RenderedQuery[] {
  return readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.athena.sql'))
    .map((f) => ({ name: f, sql: readFileSync(path.join(GOLDEN, f), 'utf8').trim() }))
    .filter((q) => !/^(CREATE|DROP)\b/i.test(q.sql));
}

/**
 * Every service's UNLOAD per as-of kind; with `replay`, as `plan --replay` renders a candidate
 * whose every view is a new version read from the applied version's table (`eventsFrom`).
 */
function renderedUnloads(replay = false): RenderedQuery[] {
  return Object.entries(MODULES).flatMap(([module, runtime]) =>
    runtime.registry.featureServices.flatMap((service) =>
      AS_OF_KINDS.map((asOf) => ({
        name: `${module}: ${service.name} (${asOf.kind} as-of${replay ? ', replayed' : ''})`,
        sql: athenaUnloadSql(runtime, {
          ...(replay
            ? {
                eventsFrom: new Map(
                  runtime.registry.featureViews.map((v) => [v.name, v.version + 1]),
                ),
              }
            : {}),
          service: service.name,
          database: 'skewless_offline',
          spineTable: 'tmp_spine_x',
          timeColumn: 'event_time',
          spineColumns: spineColumnsOf(runtime, service.name, 'event_time', asOf),
          span: dayBefore(Date.parse('2001-07-01T00:00:00.000Z')),
          asOf,
          target: 's3://bucket/exports/x/data/',
        }),
      })),
    ),
  );
}

/** The tile rebuild's UNLOAD of every aggregation view: all entities, and a list of them. */
function renderedTileUnloads(): RenderedQuery[] {
  return Object.entries(MODULES).flatMap(([module, runtime]) =>
    runtime.registry.featureViews.filter(isAggregationView).flatMap((view) => {
      const entity = Object.fromEntries(
        view.joinKeys.map((k) => [k.name, k.dtype === 'string' ? "O'Hare" : 7]),
      );
      return [undefined, [entity, entity]].map((entities) => ({
        name: `${module}: ${view.name} tiles (${entities ? 'listed' : 'all'} entities)`,
        sql: tileEventsUnloadSql(
          view,
          'skewless_offline',
          { after: Date.parse('2001-07-01T00:00:00.000Z'), ...(entities ? { entities } : {}) },
          's3://bucket/exports/tiles_x/data/',
        ),
      }));
    }),
  );
}

describe('Athena queries parse as Trino', () => {
  const queries = [
    ...athenaGoldens(),
    ...renderedUnloads(),
    ...renderedUnloads(true),
    ...renderedTileUnloads(),
  ];

  it('renders the tile rebuild of every aggregation view', () => {
    expect(renderedTileUnloads().length).toBeGreaterThanOrEqual(4);
  });

  it('gathers the goldens and every service of every definitions module', () => {
    expect(athenaGoldens().length).toBeGreaterThanOrEqual(2);
    const services = Object.values(MODULES).reduce(
      (n, r) => n + r.registry.featureServices.length,
      0,
    );
    expect(renderedUnloads()).toHaveLength(services * AS_OF_KINDS.length);
    // The replay's renders read other tables than the service's own.
    const own = renderedUnloads();
    for (const [i, q] of renderedUnloads(true).entries()) expect(q.sql).not.toBe(own[i]!.sql);
  });

  it.each(queries.map((q) => [q.name, q] as const))('%s', (_name, query) => {
    expect(query.sql).toMatch(/^(UNLOAD|SELECT|WITH)\b/);
    expect(trinoErrors(trinoQueryOf(query.sql))).toEqual([]);
  });
});

describe('the grammar catches a dialect slip', () => {
  it("rejects DuckDB's rendering of today's golden plan (last_value(x IGNORE NULLS))", () => {
    const runtime = MODULES.feature_defs!;
    const plan = buildPointInTimePlan(runtime.registry, 'departure_delay_model', {
      timeColumn: 'event_time',
      asOf: AS_OF_KINDS[0]!,
    });
    const relations = { spine: '"spine"', view: (v: { table: string }) => `"${v.table}"` };
    for (const dialect of [duckdbDialect, duckdbAsofDialect]) {
      expect(
        trinoErrors(renderPointInTimeSql(plan, dialect, relations)).length,
        dialect.name,
      ).toBeGreaterThan(0);
    }
  });

  it("rejects DuckDB's IGNORE NULLS spelling and accepts Trino's", () => {
    const trinoSpelling =
      'SELECT last_value(x) IGNORE NULLS OVER (PARTITION BY k ORDER BY t) FROM v';
    expect(trinoErrors(trinoSpelling)).toEqual([]);
    expect(trinoErrors(trinoSpelling.replace('(x) IGNORE NULLS', '(x IGNORE NULLS)'))).not.toEqual(
      [],
    );
  });
});
