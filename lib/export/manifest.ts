/**
 * The manifest of a training export: enough to trace a training set to its inputs and rebuild
 * it (same spine, same as_of, same registry ⇒ same rows, even after late data lands), and the
 * summary a user reads at the end.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { statusColumnName } from '../sql/plan.ts';
import type { FeatureStatus } from '../core/defaults.ts';

export const MANIFEST_FORMAT_VERSION = 1;

export interface ExportManifest {
  readonly formatVersion: number;
  readonly exportId: string;
  readonly service: string;
  readonly registryHash: string;
  /** ISO instant: records ingested after it are invisible to every row. */
  readonly asOf: string;
  readonly engine: 'duckdb' | 'athena';
  readonly dialect: string;
  readonly spine: {
    readonly source: string;
    readonly sha256: string;
    readonly rows: number;
    readonly timeColumn: string;
  };
  /** Athena query id of the UNLOAD; null locally. */
  readonly queryId: string | null;
  /** The training file (one, in spine order). */
  readonly files: readonly string[];
  readonly rows: number;
  readonly outputs: RegistryService['outputs'];
  /**
   * Request transforms not yet applied to `files`: always empty now that every export runs them
   * (`lib/export/run.ts`); kept so older readers of the format find it.
   */
  readonly transformsPending: readonly string[];
  /** Athena: the UNLOAD's own files (`s3://`), the rows before transforms and spine order. */
  readonly unloaded?: readonly string[];
  readonly createdAt: string;
}

export interface OutputSummary {
  readonly output: string;
  readonly nulls: number;
  /** Stored features only: how many rows were present / missing / expired. */
  readonly statuses?: Readonly<Record<FeatureStatus, number>>;
}

export interface ExportSummary {
  readonly exportId: string;
  readonly rows: number;
  readonly features: number;
  readonly outputs: readonly OutputSummary[];
  readonly elapsedMs: number;
  readonly out: string;
  readonly manifest: string;
  readonly baseline: string;
  /** Athena only. */
  readonly queryId?: string;
  readonly bytesScanned?: number;
}

/** sha256 of a file's bytes, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Null counts per output and status counts per stored feature, over an export table. */
export async function summarizeOutputs(
  duckdb: DuckDBConnection,
  table: string,
  service: RegistryService,
  withStatuses: boolean,
): Promise<OutputSummary[]> {
  const stored = new Set(service.features.map((f) => f.output));
  const exprs: string[] = [];
  for (const o of service.outputs) {
    exprs.push(`count(*) FILTER (WHERE ${q(o.name)} IS NULL)`);
    if (withStatuses && stored.has(o.name))
      for (const s of ['present', 'missing', 'expired'])
        exprs.push(`count(*) FILTER (WHERE ${q(statusColumnName(o.name))} = '${s}')`);
  }
  const row =
    (await duckdb.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${q(table)}`)).getRows()[0] ?? [];
  let i = 0;
  const next = () => Number(row[i++] ?? 0);
  return service.outputs.map((o) => {
    const nulls = next();
    if (!(withStatuses && stored.has(o.name))) return { output: o.name, nulls };
    return {
      output: o.name,
      nulls,
      statuses: { present: next(), missing: next(), expired: next() },
    };
  });
}

/** The summary as the CLI prints it. */
export function formatSummary(summary: ExportSummary): string {
  const lines = [
    `exported ${summary.rows.toLocaleString('en-US')} rows × ${summary.features} features in ${(summary.elapsedMs / 1000).toFixed(2)} s`,
    `  data:     ${summary.out}`,
    `  manifest: ${summary.manifest}`,
    `  baseline: ${summary.baseline}`,
  ];
  if (summary.queryId !== undefined)
    lines.push(
      `  athena:   query ${summary.queryId}, ${(summary.bytesScanned ?? 0).toLocaleString('en-US')} bytes scanned`,
    );
  const width = Math.max(...summary.outputs.map((o) => o.output.length), 6);
  lines.push(`  ${'output'.padEnd(width)}  nulls      present    missing    expired`);
  for (const o of summary.outputs) {
    const s = o.statuses;
    lines.push(
      `  ${o.output.padEnd(width)}  ${String(o.nulls).padEnd(9)}  ${s ? [s.present, s.missing, s.expired].map((n) => String(n).padEnd(9)).join('  ') : ''}`.trimEnd(),
    );
  }
  return lines.join('\n');
}
