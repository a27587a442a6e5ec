/**
 * The cause of each mismatched or stale served value, as one SQL column per output
 * (`<output>__cause`, NULL when the value is fine), evaluated over every row in DuckDB. The rules,
 * first match wins:
 * - `late data`: the value matches its rebuild at `as_of = served_at`, was served expired or
 *   missing, and a rebuild with the latest `as_of` finds a present value: what training sees
 *   now arrived after `served_at` (stale, not skew: nobody could have served it);
 * - `version`: the vector was served under a registry whose definition of this output differs,
 *   or its value is not of the current type;
 * - `default/ttl edge`: the two sides differ only in which side of a rule the value fell: one is
 *   present and the other expired/missing while the served age is within `TTL_EDGE_MS` of the
 *   ttl, or both have the same status and one holds the declared default where the other holds
 *   null (a stored null resolved on one side only);
 * - `ingest lag`: served expired/missing, while the rebuild at `as_of = served_at` found a
 *   present value; or served an older value that the offline store confirms (the rebuild at the
 *   served record's own event time, `served_at − age`, gives the served value) while a fresher
 *   one was ingested before `served_at`. Either way the online store should have held the newer
 *   record (stale: a real fault of the online write path);
 * - `unexplained`: none of the above (logic skew: the one that needs a human).
 * A request-transform output takes the cause of the first of its inputs that has one in the row
 * (a transform fed a stale input is stale), else `version` or `unexplained` likewise.
 */
import { duckdbDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral, valueLiteral } from '../sql/literals.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { getView } from '../registry/query.ts';
import { ABSENT_STATUSES, comparisonSql, joinedColumns } from './compare-sql.ts';
import { thresholdsFor } from './thresholds.ts';
import { CAUSES, type Cause, type FindingKind } from './types.ts';
import type { VersionChange } from './versions.ts';

/**
 * How close to the ttl a served age must be for a present/expired disagreement to count as a
 * TTL edge: one second covers a lookup and a rebuild that round the same instant differently,
 * not a value that was minutes fresh on one side only.
 */
export const TTL_EDGE_MS = 1000;

/** The finding a cause makes: stale values are an ingestion fault, every other cause is skew. */
export const CAUSE_KIND: Readonly<Record<Cause, Exclude<FindingKind, 'drift'>>> = {
  'late data': 'stale',
  'ingest lag': 'stale',
  version: 'skew',
  'default/ttl edge': 'skew',
  unexplained: 'skew',
};

export const STALE_CAUSES = CAUSES.filter((c) => CAUSE_KIND[c] === 'stale');
export const SKEW_CAUSES = CAUSES.filter((c) => CAUSE_KIND[c] === 'skew');

/** The column holding an output's cause in the joined table. */
export function causeColumn(output: string): string {
  return `${output}__cause`;
}

/** The late-rebuild columns of a stored output (NULL on rows that were not rebuilt again). */
export function latestColumns(output: string): { value: string; status: string } {
  return { value: `${output}__latest`, status: `${output}__lstatus` };
}

/** `<expr> IN ('a', 'b')` for a list of causes. */
export function causeIn(expr: string, causes: readonly Cause[]): string {
  return `${expr} IN (${causes.map(stringLiteral).join(', ')})`;
}

/**
 * SELECT-list expressions `<cause> AS <output>__cause`, stored outputs first (transform outputs
 * refer to them by name, which DuckDB allows within one SELECT list).
 */
export function causeSelectList(
  registry: Registry,
  service: RegistryService,
  versionChanges: ReadonlyMap<string, readonly VersionChange[]>,
): string[] {
  const stored = new Map(service.features.map((f) => [f.output, f]));
  const lit = (c: Cause) => stringLiteral(c);
  const changedHash = (output: string) => {
    const hashes = (versionChanges.get(output) ?? []).map((v) => stringLiteral(v.hash));
    return hashes.length ? `registry_hash IN (${hashes.join(', ')})` : 'FALSE';
  };
  const storedCauses = service.features.map((f) => {
    const c = joinedColumns(f.output);
    const tolerance = thresholdsFor(service, f.output).floatTolerance;
    const cmp = comparisonSql(f.output, f.dtype, tolerance);
    const older = comparisonSql(f.output, f.dtype, tolerance, c.servedRecord);
    const ss = q(c.servedStatus);
    const rs = q(c.rebuiltStatus);
    const ttl = getView(registry, f.view).ttlMs;
    const ttlEdge =
      `((${ss} = 'present') <> (${rs} = 'present') AND ${q(c.age)} IS NOT NULL ` +
      `AND abs(${q(c.age)} - ${ttl}) <= ${TTL_EDGE_MS})`;
    const dflt = valueLiteral(f.default, f.dtype, duckdbDialect);
    const defaultEdge =
      f.default === null
        ? 'FALSE'
        : `(${ss} = ${rs} AND ((${q(c.served)} IS NULL AND ${q(c.rebuilt)} = ${dflt}) OR ` +
          `(${q(c.rebuilt)} IS NULL AND ${q(c.served)} = ${dflt})))`;
    const late = `(${ss} IN ${ABSENT_STATUSES} AND ${q(latestColumns(f.output).status)} = 'present')`;
    return (
      `CASE WHEN ${cmp.match} THEN (CASE WHEN ${late} THEN ${lit('late data')} END) ` +
      `WHEN ${cmp.typeMismatch} OR ${changedHash(f.output)} THEN ${lit('version')} ` +
      `WHEN ${ttlEdge} OR ${defaultEdge} THEN ${lit('default/ttl edge')} ` +
      `WHEN ${ss} IN ${ABSENT_STATUSES} AND ${rs} = 'present' THEN ${lit('ingest lag')} ` +
      `WHEN ${ss} = 'present' AND ${rs} = 'present' AND ${q(c.age)} > 0 AND ${older.match} ` +
      `THEN ${lit('ingest lag')} ` +
      `ELSE ${lit('unexplained')} END AS ${q(causeColumn(f.output))}`
    );
  });
  const transformCauses = service.outputs
    .filter((o) => !stored.has(o.name))
    .map((o) => {
      const cmp = comparisonSql(o.name, o.dtype, thresholdsFor(service, o.name).floatTolerance);
      const inputs = registry.requestTransforms
        .filter((t) => service.transforms.includes(t.name))
        .find((t) => t.outputs.some((x) => x.name === o.name))
        ?.inputs.filter((i) => stored.has(i));
      const inherited = (inputs ?? []).map((i) => q(causeColumn(i)));
      return (
        `CASE WHEN ${cmp.match} THEN NULL ` +
        `WHEN ${cmp.typeMismatch} OR ${changedHash(o.name)} THEN ${lit('version')} ` +
        `ELSE coalesce(${[...inherited, lit('unexplained')].join(', ')}) END ` +
        `AS ${q(causeColumn(o.name))}`
      );
    });
  return [...storedCauses, ...transformCauses];
}
