/** The training baseline: quantile bins for numbers, top values for strings and bools. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { getService } from '../../lib/registry/query.ts';
import { binOf, buildBaseline, BASELINE_TOP_VALUES } from '../../lib/export/baseline.ts';
import * as defs from './synthetic-defs.ts';

const runtime = compileRegistry(collectDefinitions(defs));
const service = getService(runtime.registry, 'svc_plain');

describe('buildBaseline', () => {
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
  });
  afterAll(() => {
    duckdb.closeSync();
    instance.closeSync();
  });

  it('counts every non-null number in the bin binOf gives it, with ascending distinct edges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { nil: null, freq: 5 }), {
          maxLength: 60,
        }),
        async (values) => {
          await duckdb.run(
            `CREATE OR REPLACE TABLE t (pair_stats__amount DOUBLE, pair_stats__note VARCHAR)`,
          );
          if (values.length > 0)
            await duckdb.run(
              `INSERT INTO t VALUES ${values.map((v) => `(${v ?? 'NULL'}, NULL)`).join(', ')}`,
            );
          const baseline = await buildBaseline(duckdb, 't', service, {
            registryHash: 'h',
            exportId: 'e',
          });
          const out = baseline.outputs['pair_stats__amount']!;
          if (out.kind !== 'numeric') throw new Error('expected numeric');
          const present = values.filter((v): v is number => v !== null);
          expect(out.count).toBe(values.length);
          expect(out.nullCount).toBe(values.length - present.length);
          expect(out.counts.length).toBe(Math.max(out.edges.length - 1, 0));
          expect(out.counts.length).toBeLessThanOrEqual(10);
          const expected = new Array<number>(out.counts.length).fill(0);
          for (const v of present) expected[binOf(v, out.edges)]! += 1;
          expect(out.counts).toEqual(expected);
          if (present.length > 0) {
            expect(out.edges[0]).toBe(Math.min(...present));
            expect(out.edges.at(-1)).toBe(Math.max(...present));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it(`keeps the ${BASELINE_TOP_VALUES} most frequent strings and counts the rest as other`, async () => {
    const values = Array.from({ length: 25 }, (_, i) =>
      Array.from({ length: 30 - i }, () => `v${i}`),
    ).flat();
    await duckdb.run(
      `CREATE OR REPLACE TABLE t (pair_stats__amount DOUBLE, pair_stats__note VARCHAR)`,
    );
    await duckdb.run(
      `INSERT INTO t VALUES ${[...values, null].map((v) => `(NULL, ${v === null ? 'NULL' : `'${v}'`})`).join(', ')}`,
    );
    const out = (await buildBaseline(duckdb, 't', service, { registryHash: 'h', exportId: 'e' }))
      .outputs['pair_stats__note']!;
    if (out.kind !== 'categorical') throw new Error('expected categorical');
    expect(out.values).toHaveLength(20);
    expect(out.values[0]).toEqual({ value: 'v0', count: 30 });
    expect(out.otherCount).toBe(10 + 9 + 8 + 7 + 6);
    expect(out.nullCount).toBe(1);
    expect(out.count).toBe(values.length + 1);
  });
});
