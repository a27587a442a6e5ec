/**
 * The request transforms of rebuilt vectors, run once per distinct input. A transform is a pure
 * function of the stored features it declares and the request fields, so a million rebuilt
 * vectors (whose inputs repeat: one airport's last delay serves every lookup until the next
 * departure) need it only for their distinct input tuples: the rows are grouped in SQL, the
 * lookup's own function runs over the groups (`applyTransformsToTable`, the export's path), and
 * the outputs are joined back on the whole tuple, nulls included.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType } from '../core/columns.ts';
import { applyTransformsToTable, transformOutputs } from '../export/transforms-duckdb.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';

/**
 * Creates `into` as `(_sk_row, transform outputs...)` for every row of `rebuilt` (which has
 * `_sk_row`, the stored feature outputs and the request fields), in `_sk_row` order.
 */
export async function rebuildTransforms(
  duckdb: DuckDBConnection,
  runtime: RuntimeRegistry,
  service: RegistryService,
  rebuilt: string,
  into: string,
): Promise<void> {
  const id = q(SPINE_ROW_COLUMN);
  const outputs = transformOutputs(service);
  if (outputs.length === 0) {
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(into)} AS SELECT ${id} FROM ${q(rebuilt)} ORDER BY ${id}`,
    );
    return;
  }
  const read = new Set(
    runtime.registry.requestTransforms
      .filter((t) => service.transforms.includes(t.name))
      .flatMap((t) => t.inputs),
  );
  const tuple = [
    ...service.features.filter((f) => read.has(f.output)).map((f) => f.output),
    ...service.request.map((r) => r.name),
  ];
  // Features no transform reads stay NULL in the groups (the function never sees them).
  const unread = service.features
    .filter((f) => !read.has(f.output))
    .map((f) => `CAST(NULL AS ${duckdbType(f.dtype)}) AS ${q(f.output)}`);
  const groups = `${into}__groups`;
  const groupOutputs = `${into}__group_outputs`;
  try {
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(groups)} AS
       SELECT row_number() OVER () - 1 AS ${id}, *${unread.length ? `, ${unread.join(', ')}` : ''}
       FROM (SELECT DISTINCT ${tuple.map(q).join(', ')} FROM ${q(rebuilt)})`,
    );
    await applyTransformsToTable(duckdb, runtime, service, q(groups), groupOutputs);
    const on = tuple.map((c) => `g.${q(c)} IS NOT DISTINCT FROM r.${q(c)}`);
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(into)} AS
       SELECT r.${id}, ${outputs.map((o) => `o.${q(o.name)}`).join(', ')}
       FROM ${q(rebuilt)} r JOIN ${q(groups)} g ON ${on.length ? on.join(' AND ') : 'TRUE'}
       JOIN ${q(groupOutputs)} o ON o.${id} = g.${id}
       ORDER BY r.${id}`,
    );
  } finally {
    for (const t of [groups, groupOutputs]) await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}
