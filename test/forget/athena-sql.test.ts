/**
 * The Athena SQL of forgetting, through the Trino grammar (dt-sql-parser's TrinoSQL, as
 * `test/sql/trino-grammar.test.ts` does for every other query): the counts and DELETEs of every
 * table holding an entity, and of the inference log, for keys with quotes, backslashes and
 * JSON-significant characters, in chunks each under Athena's query-string limit. `OPTIMIZE …
 * REWRITE DATA USING BIN_PACK` is Athena's own statement (not Trino's), so it is held to
 * Athena's documented syntax instead.
 */
import { TrinoSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATHENA_RULES, queryStringBytes } from '../../lib/aws-rules/athena.ts';
import { offlineTableName } from '../../lib/core/columns.ts';
import { forgetTableSql } from '../../lib/forget/aws.ts';
import { forgetKeyOf, viewsHolding } from '../../lib/forget/keys.ts';
import { LOG_TABLE } from '../../lib/forget/sql.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import * as defs from './defs.ts';

const registry = registryFromModule(defs).registry;
const trino = new TrinoSQL();

/** Athena's OPTIMIZE: `OPTIMIZE [db_name.]table_name REWRITE DATA USING BIN_PACK [WHERE predicate]`. */
const ATHENA_OPTIMIZE = /^OPTIMIZE "[a-z0-9_]+"\."[a-z0-9_]+" REWRITE DATA USING BIN_PACK$/;

describe('the Athena SQL of forget', () => {
  it('parses as Trino for random keys, every table and the log', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\0')),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 4 }),
        (customers, devices) => {
          const groups = [
            customers.map((c) => forgetKeyOf(registry, { customer_id: c })),
            devices.map((d) => forgetKeyOf(registry, { device_id: d })),
          ];
          for (const keys of groups) {
            const tables = viewsHolding(registry, keys[0]!.joinKeys).map((v) => ({
              table: offlineTableName(v),
              source: 'columns' as const,
            }));
            for (const { table, source } of [
              ...tables,
              { table: LOG_TABLE, source: 'log-json' as const },
            ]) {
              const sql = forgetTableSql('skewless_offline', table, source, keys);
              for (const chunk of sql.chunks)
                for (const statement of [chunk.count, chunk.delete])
                  expect(trino.validate(statement), statement).toEqual([]);
              expect(sql.optimize).toMatch(ATHENA_OPTIMIZE);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('splits a bulk request into statements under the query-string limit, every key once', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) =>
      forgetKeyOf(registry, { customer_id: `customer-${i}-${'x'.repeat(20)}` }),
    );
    const sql = forgetTableSql('db', 'customer_profile_v1', 'columns', keys);
    expect(sql.chunks.length).toBeGreaterThan(1);
    for (const c of sql.chunks)
      expect(queryStringBytes(c.delete)).toBeLessThanOrEqual(
        ATHENA_RULES.queryStringMaxBytes.value,
      );
    const named = sql.chunks.flatMap((c) =>
      [...c.delete.matchAll(/'(customer-\d+-x+)'/g)].map((m) => m[1]),
    );
    expect(named).toEqual(keys.map((k) => k.values.customer_id));
  });
});
