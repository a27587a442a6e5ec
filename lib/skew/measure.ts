/**
 * Per-output figures from the joined (served vs rebuilt) table: one aggregate scan for every
 * output at once, then a few example rows per output that mismatched. Then the figures become an
 * `OutputReport` with its decisions, verdict and notes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dtype, FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { getView } from '../registry/query.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { comparisonSql, joinedColumns, statusSql } from './compare-sql.ts';
import type { Distribution, Thresholds } from './types.ts';
import type { SkewBaseline } from './distribution.ts';
import { decide, thresholdsFor } from './thresholds.ts';
import type { MismatchExample, OutputReport } from './types.ts';
import type { VersionChange } from './versions.ts';
import { SKEW_COLUMNS } from './logs.ts';

/** Mismatch examples kept per output (the alert shows three). */
export const EXAMPLES_PER_OUTPUT = 5;

/** Above this share of expired/missing served values a clean output is marked `stale`. */
export const STALE_SHARE = 0.5;

export interface OutputFigures {
  readonly output: string;
  readonly dtype: Dtype;
  readonly rows: number;
  readonly matches: number;
  readonly nullMismatches: number;
  readonly servedNullOnly: number;
  readonly typeMismatches: number;
  readonly versionMismatches: number;
  readonly versionChanges: readonly VersionChange[];
  readonly status: {
    readonly servedStale: number;
    readonly servedFresher: number;
    readonly expectedStale: number;
    readonly present: number;
    readonly expired: number;
    readonly missing: number;
    readonly ages: readonly (number | null)[];
  } | null;
  readonly examples: readonly MismatchExample[];
}

export async function measureOutputs(
  duckdb: DuckDBConnection,
  joined: string,
  service: RegistryService,
  versionChanges: ReadonlyMap<string, readonly VersionChange[]>,
): Promise<OutputFigures[]> {
  const stored = new Set(service.features.map((f) => f.output));
  const aggregates: string[] = ['count(*)::BIGINT AS "rows"'];
  service.outputs.forEach((o, i) => {
    const t = thresholdsFor(service, o.name);
    const cmp = comparisonSql(o.name, o.dtype, t.floatTolerance);
    const hashes = (versionChanges.get(o.name) ?? []).map((v) => stringLiteral(v.hash));
    const count = (name: string, cond: string) =>
      `count(*) FILTER (WHERE ${cond})::BIGINT AS "${name}_${i}"`;
    aggregates.push(
      count('m', cmp.match),
      count('nm', cmp.nullMismatch),
      count('sn', `${cmp.nullMismatch} AND ${cmp.servedNullOnly}`),
      count('tm', cmp.typeMismatch),
      hashes.length
        ? count('vm', `registry_hash IN (${hashes.join(', ')})`)
        : `0::BIGINT AS "vm_${i}"`,
    );
    if (stored.has(o.name)) {
      const c = joinedColumns(o.name);
      const st = statusSql(o.name);
      const age = q(c.age);
      aggregates.push(
        count('ss', st.servedStale),
        count('sf', st.servedFresher),
        count('es', st.expectedStale),
        count('pr', `${q(c.servedStatus)} = 'present'`),
        count('ex', `${q(c.servedStatus)} = 'expired'`),
        count('mi', `${q(c.servedStatus)} = 'missing'`),
        `quantile_cont(${age}, [0.5, 0.9, 0.99]) AS "aq_${i}"`,
        `max(${age})::BIGINT AS "amax_${i}"`,
      );
    }
  });
  const reader = await duckdb.runAndReadAll(`SELECT ${aggregates.join(',\n  ')} FROM ${q(joined)}`);
  const row = reader.getRowObjectsJson()[0] ?? {};
  const num = (key: string) => Number(row[key] ?? 0);

  const figures: OutputFigures[] = [];
  for (const [i, o] of service.outputs.entries()) {
    const quantiles = (row[`aq_${i}`] as (number | null)[] | null) ?? [null, null, null];
    const amax = row[`amax_${i}`];
    const matches = num(`m_${i}`);
    const rows = num('rows');
    figures.push({
      output: o.name,
      dtype: o.dtype,
      rows,
      matches,
      nullMismatches: num(`nm_${i}`),
      servedNullOnly: num(`sn_${i}`),
      typeMismatches: num(`tm_${i}`),
      versionMismatches: num(`vm_${i}`),
      versionChanges: versionChanges.get(o.name) ?? [],
      status: stored.has(o.name)
        ? {
            servedStale: num(`ss_${i}`),
            servedFresher: num(`sf_${i}`),
            expectedStale: num(`es_${i}`),
            present: num(`pr_${i}`),
            expired: num(`ex_${i}`),
            missing: num(`mi_${i}`),
            ages: [
              ...quantiles.map((x) => (x === null ? null : Number(x))),
              amax == null ? null : Number(amax),
            ],
          }
        : null,
      examples:
        matches < rows
          ? await examplesOf(duckdb, joined, service, o.name, o.dtype, stored.has(o.name))
          : [],
    });
  }
  return figures;
}

async function examplesOf(
  duckdb: DuckDBConnection,
  joined: string,
  service: RegistryService,
  output: string,
  dtype: Dtype,
  stored: boolean,
): Promise<MismatchExample[]> {
  const c = joinedColumns(output);
  const cmp = comparisonSql(output, dtype, thresholdsFor(service, output).floatTolerance);
  // Spread examples over the day (hash order) instead of taking the first minutes only.
  const reader = await duckdb.runAndReadAll(
    `SELECT request_id, "row", strftime(served_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS served_at,
            registry_hash, entity_key,
            ${q(c.raw)} AS raw, ${cmp.typeMismatch} AS type_mismatch,
            CAST(${jsonSql(q(c.served), dtype)} AS VARCHAR) AS served,
            CAST(${jsonSql(q(c.rebuilt), dtype)} AS VARCHAR) AS rebuilt,
            ${stored ? `${q(c.servedStatus)} AS sstatus, ${q(c.rebuiltStatus)} AS rstatus` : 'NULL AS sstatus, NULL AS rstatus'}
     FROM ${q(joined)} WHERE NOT ${cmp.match}
     ORDER BY hash(${q(SKEW_COLUMNS.logId)}) LIMIT ${EXAMPLES_PER_OUTPUT}`,
  );
  return reader.getRowObjectsJson().map((r) => ({
    requestId: String(r.request_id),
    row: Number(r.row),
    servedAt: String(r.served_at),
    entityKey: String(r.entity_key),
    registryHash: String(r.registry_hash),
    served: r.type_mismatch ? null : parseJson(r.served),
    rebuilt: parseJson(r.rebuilt),
    servedStatus: (r.sstatus ?? null) as FeatureStatus | null,
    rebuiltStatus: (r.rstatus ?? null) as FeatureStatus | null,
    ...(r.type_mismatch ? { servedRaw: String(r.raw) } : {}),
  }));
}

/** A value as JSON text; timestamps as ISO-8601 UTC with milliseconds, like the log. */
function jsonSql(expr: string, dtype: Dtype): string {
  return dtype === 'timestamp'
    ? `to_json(strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%gZ'))`
    : `to_json(${expr})`;
}

function parseJson(text: unknown): FeatureValue {
  if (text === null || text === undefined) return null;
  return JSON.parse(String(text)) as FeatureValue;
}

/** Assembles one output's report: rates, decisions, verdict and the notes people read first. */
export function buildOutputReport(
  service: RegistryService,
  registry: Registry,
  f: OutputFigures,
  dist: { distribution: Distribution; psi: number | null; ks: number | null } | null,
  baseline: SkewBaseline | null,
): OutputReport {
  const thresholds = thresholdsFor(service, f.output);
  const rate = (n: number) => (f.rows === 0 ? 0 : n / f.rows);
  const exactMatchRate = rate(f.matches);
  const nullMismatchRate = rate(f.nullMismatches);
  const psi = dist?.psi ?? null;
  const ks = dist?.ks ?? null;
  const decisions = decide(
    service.name,
    f.output,
    { exactMatchRate, nullMismatchRate, psi, ks },
    thresholds,
  );
  const feature = service.features.find((x) => x.output === f.output);
  const transform = feature
    ? undefined
    : registry.requestTransforms.find(
        (t) => service.transforms.includes(t.name) && t.outputs.some((o) => o.name === f.output),
      );
  const source: OutputReport['source'] = feature
    ? { kind: 'feature', view: feature.view, version: feature.version }
    : { kind: 'transform', transform: transform?.name ?? '?', inputs: transform?.inputs ?? [] };
  const freshness =
    feature && f.status
      ? {
          ttlMs: getView(registry, feature.view).ttlMs,
          ageP50Ms: f.status.ages[0] ?? null,
          ageP90Ms: f.status.ages[1] ?? null,
          ageP99Ms: f.status.ages[2] ?? null,
          ageMaxMs: f.status.ages[3] ?? null,
          presentShare: rate(f.status.present),
          expiredShare: rate(f.status.expired),
          missingShare: rate(f.status.missing),
        }
      : null;
  const notes = notesOf(f, freshness, baseline, dist, thresholds);
  const stale = freshness !== null && freshness.expiredShare + freshness.missingShare > STALE_SHARE;
  return {
    output: f.output,
    dtype: f.dtype,
    source,
    thresholds,
    rows: f.rows,
    matches: f.matches,
    exactMatchRate,
    nullMismatches: f.nullMismatches,
    nullMismatchRate,
    typeMismatches: f.typeMismatches,
    versionMismatches: f.versionMismatches,
    versionMismatchRate: rate(f.versionMismatches),
    status: f.status
      ? {
          servedStale: f.status.servedStale,
          servedFresher: f.status.servedFresher,
          expectedStale: f.status.expectedStale,
        }
      : null,
    freshness,
    psi,
    ks,
    distribution: dist?.distribution ?? null,
    examples: f.examples,
    decisions,
    verdict: decisions.length > 0 ? 'skew' : stale ? 'stale' : 'ok',
    notes,
  };
}

function isShifted(dist: { psi: number | null; ks: number | null }, t: Thresholds): boolean {
  return (dist.psi ?? 0) > t.psiMax || (dist.ks ?? 0) > t.ksMax;
}

function notesOf(
  f: OutputFigures,
  freshness: OutputReport['freshness'],
  baseline: SkewBaseline | null,
  dist: { psi: number | null; ks: number | null } | null,
  thresholds: Thresholds,
): string[] {
  const compared = dist !== null;
  const notes: string[] = [];
  const mismatches = f.rows - f.matches;
  const pct = (n: number) => `${((100 * n) / Math.max(f.rows, 1)).toFixed(2)}%`;
  if (f.nullMismatches > 0) {
    const other = f.nullMismatches - f.servedNullOnly;
    notes.push(
      `Null mismatches: served null where the rebuild has a value ${f.servedNullOnly}×, ` +
        `served a value where the rebuild has null ${other}×` +
        (other > f.servedNullOnly ? ' (a producer imputing nulls?).' : '.'),
    );
  }
  if (f.status && f.status.servedStale > 0)
    notes.push(
      `${f.status.servedStale} vectors (${pct(f.status.servedStale)}) were served expired/missing while ` +
        `the offline store held a fresh value ingested before served_at: the online store lagged ` +
        `(stalled or failed online writes).`,
    );
  if (f.status && f.status.servedFresher > 0)
    notes.push(
      `${f.status.servedFresher} vectors (${pct(f.status.servedFresher)}) were served a fresh value ` +
        `the offline store does not show at served_at: offline history missing, late, or its ` +
        `event times shifted (a time zone?).`,
    );
  for (const v of f.versionChanges)
    notes.push(
      `Vectors served under registry ${v.hash.slice(0, 12)} computed this output from ${v.was}.`,
    );
  if (f.versionMismatches > 0 && mismatches > 0)
    notes.push(
      `${f.versionMismatches} vectors (${pct(f.versionMismatches)}) were served under another definition version.`,
    );
  if (f.typeMismatches > 0)
    notes.push(`${f.typeMismatches} served values are not of type ${f.dtype}.`);
  if (f.status && f.status.expectedStale > 0)
    notes.push(
      `${f.status.expectedStale} vectors (${pct(f.status.expectedStale)}) were served expired/missing ` +
        `and the rebuild agrees: expected staleness, not skew.`,
    );
  if (freshness && freshness.expiredShare + freshness.missingShare > STALE_SHARE)
    notes.push(
      `Stale: ${pct(f.status!.expired + f.status!.missing)} of values were served expired or missing ` +
        `(ttl ${freshness.ttlMs / 60000} min); ingestion may have stalled (see the freshness alarms).`,
    );
  const stale = freshness ? freshness.expiredShare + freshness.missingShare : 0;
  if (f.matches === f.rows && stale > 0.1 && dist && isShifted(dist, thresholds))
    notes.push(
      `Latency skew: every served value is what the online store could know, but ${pct(f.status!.expired + f.status!.missing)} ` +
        `were served expired/missing (defaults) where training sees fresh values: ingestion stalled or lags.`,
    );
  if (!compared)
    notes.push(
      baseline
        ? 'PSI/KS not computed: the baseline has no comparable entry for this output (missing, or another type).'
        : 'PSI/KS not computed: no training baseline given.',
    );
  return notes;
}
