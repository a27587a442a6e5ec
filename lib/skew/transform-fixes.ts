/**
 * A fix to a transform's function body, found from the day's data: the registry holds a
 * transform's spec (name, inputs, outputs), not its code, so `plan --replay` runs the candidate's
 * functions over the inputs each logged vector was served with (its stored feature values and
 * request fields, as the nightly sample holds them) and compares with the transform outputs that
 * were served, by the check's comparison rule. A served input is exactly what the served function
 * saw, so an output that differs on some of them was computed by another function. Cheap: no
 * offline rebuild, and the functions run once per distinct input tuple (`rebuildTransforms`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { transformOutputs } from '../export/transforms-duckdb.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { comparisonSql, joinedColumns } from './compare-sql.ts';
import { loadServedVectors, SAMPLE_TABLE, SKEW_COLUMNS, type DayLogSource } from './logs.ts';
import { rebuildTransforms } from './rebuild-transforms.ts';
import { thresholdsFor } from './thresholds.ts';

const SCRATCH = {
  served: '_sk_fix_served',
  inputs: '_sk_fix_inputs',
  outputs: '_sk_fix_outputs',
} as const;

/** `transform 'x' gives other outputs on N of M logged inputs`: what a replay names as changed. */
export function transformFixText(transform: string, differing: number, vectors: number): string {
  return `transform '${transform}' gives other outputs on ${differing} of ${vectors} logged inputs`;
}

/**
 * Per transform output of `service` whose candidate function gives another value than was served
 * on some of the day's sampled vectors: what changed (`transformFixText`). Empty when every
 * output matches, or the service has no transform. The sample and scratch tables are dropped.
 */
export async function transformBodyChanges(
  deps: { readonly duckdb: DuckDBConnection; readonly runtime: RuntimeRegistry },
  log: DayLogSource,
  service: RegistryService,
  logged: number,
): Promise<ReadonlyMap<string, string>> {
  const { duckdb, runtime } = deps;
  const outputs = transformOutputs(service);
  if (outputs.length === 0) return new Map();
  try {
    await log.loadSample(service, logged);
    const vectors = await loadServedVectors(duckdb, { service, into: SCRATCH.served });
    const id = q(SKEW_COLUMNS.logId);
    // The served inputs under the names the functions read: each stored feature's served value.
    const inputs = [
      id,
      ...service.features.map((f) => `${q(joinedColumns(f.output).served)} AS ${q(f.output)}`),
      ...service.request.map((r) => q(r.name)),
    ];
    await duckdb.run(
      `CREATE OR REPLACE TEMP TABLE ${q(SCRATCH.inputs)} AS
       SELECT ${inputs.join(', ')} FROM ${q(SCRATCH.served)}`,
    );
    await rebuildTransforms(duckdb, runtime, service, SCRATCH.inputs, SCRATCH.outputs);
    const counts = outputs.map((o, i) => {
      const cmp = comparisonSql(o.name, o.dtype, thresholdsFor(service, o.name).floatTolerance);
      return `count(*) FILTER (WHERE NOT ${cmp.match})::BIGINT AS d${i}`;
    });
    const columns = outputs.flatMap((o) => {
      const c = joinedColumns(o.name);
      return [`s.${q(c.raw)}`, `s.${q(c.served)}`, `t.${q(o.name)} AS ${q(c.rebuilt)}`];
    });
    const reader = await duckdb.runAndReadAll(
      `SELECT ${counts.join(', ')} FROM (SELECT ${columns.join(', ')}
       FROM ${q(SCRATCH.served)} s JOIN ${q(SCRATCH.outputs)} t ON t.${id} = s.${id})`,
    );
    const row = reader.getRowObjectsJson()[0] ?? {};
    const owner = (output: string) =>
      runtime.registry.requestTransforms.find(
        (t) => service.transforms.includes(t.name) && t.outputs.some((o) => o.name === output),
      )?.name ?? output;
    const changes = new Map<string, string>();
    outputs.forEach((o, i) => {
      const differing = Number(row[`d${i}`] ?? 0);
      if (differing > 0) changes.set(o.name, transformFixText(owner(o.name), differing, vectors));
    });
    return changes;
  } finally {
    for (const t of [SAMPLE_TABLE, ...Object.values(SCRATCH)])
      await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}
