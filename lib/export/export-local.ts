/**
 * A local training export: spine file → point-in-time join over the local offline store →
 * Parquet in spine order, with a manifest and a training baseline next to it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import type { DialectName } from '../sql/dialect.ts';
import { buildBaseline } from './baseline.ts';
import { exportPointInTimeLocal } from './local.ts';
import {
  MANIFEST_FORMAT_VERSION,
  sha256File,
  summarizeOutputs,
  type ExportManifest,
  type ExportSummary,
} from './manifest.ts';
import { chooseTimeColumn, loadSpineFile } from './spine-file.ts';

export interface LocalExportRequest {
  readonly spineFile: string;
  readonly service: string;
  /** Output Parquet file; `<out>.manifest.json` and `<out>.baseline.json` go beside it. */
  readonly out: string;
  /** Epoch ms. @default the export's start */
  readonly asOf?: number;
  readonly timeColumn?: string;
  readonly dialect?: Exclude<DialectName, 'athena'>;
  readonly exportId: string;
}

export interface LocalExportDeps {
  readonly duckdb: DuckDBConnection;
  readonly dataDir: string;
  readonly runtime: RuntimeRegistry;
  readonly clock: () => number;
  readonly onProgress?: (stage: 'spine' | 'join' | 'transforms' | 'write', done: number) => void;
}

export function sidecarPaths(out: string): { manifest: string; baseline: string } {
  return { manifest: `${out}.manifest.json`, baseline: `${out}.baseline.json` };
}

/** Runs a local export end to end and returns its summary. */
export async function runLocalExport(
  deps: LocalExportDeps,
  request: LocalExportRequest,
): Promise<ExportSummary> {
  const { duckdb, runtime } = deps;
  const started = deps.clock();
  // Elapsed time is wall time, whatever clock (simulated in the demo) stamps the export.
  const wallStarted = performance.now();
  const service = getService(runtime.registry, request.service);
  const asOf = request.asOf ?? started;
  const spineTable = '_sk_export_spine';
  const columns = await loadSpineFile(duckdb, request.spineFile, spineTable);
  const timeColumn = chooseTimeColumn(columns, request.timeColumn, request.spineFile);
  deps.onProgress?.('spine', 0);
  const into = '_sk_export_rows';
  const dialect = request.dialect ?? 'duckdb-asof';
  const { rows } = await exportPointInTimeLocal(
    { duckdb, dataDir: deps.dataDir, runtime },
    {
      service: service.name,
      spineTable,
      timeColumn,
      asOf: { kind: 'instant', at: asOf },
      into,
      dialect,
      onProgress: (stage, done) => deps.onProgress?.(stage, done),
    },
  );
  // The training file: spine columns, `_sk_row`, outputs; statuses go to the summary instead.
  const keep = [
    ...columns.map((c) => c.name).filter((n) => n !== SPINE_ROW_COLUMN),
    SPINE_ROW_COLUMN,
    ...service.outputs.map((o) => o.name),
  ];
  // `into` is already in spine order and DuckDB keeps insertion order on a plain scan.
  await duckdb.run(
    `COPY (SELECT ${keep.map(q).join(', ')} FROM ${q(into)}) TO ${stringLiteral(request.out)} (FORMAT PARQUET)`,
  );
  deps.onProgress?.('write', rows);
  const outputs = await summarizeOutputs(duckdb, into, service, true);
  const baseline = await buildBaseline(duckdb, into, service, {
    registryHash: runtime.registry.hash,
    exportId: request.exportId,
  });
  const sidecars = sidecarPaths(request.out);
  const manifest: ExportManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    exportId: request.exportId,
    service: service.name,
    registryHash: runtime.registry.hash,
    asOf: new Date(asOf).toISOString(),
    engine: 'duckdb',
    dialect,
    spine: {
      source: path.resolve(request.spineFile),
      sha256: await sha256File(request.spineFile),
      rows,
      timeColumn,
    },
    queryId: null,
    files: [path.resolve(request.out)],
    rows,
    outputs: service.outputs,
    transformsPending: [],
    createdAt: new Date(started).toISOString(),
  };
  await writeFile(sidecars.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(sidecars.baseline, `${JSON.stringify(baseline, null, 2)}\n`);
  await duckdb.run(`DROP TABLE IF EXISTS ${q(into)}`);
  await duckdb.run(`DROP TABLE IF EXISTS ${q(spineTable)}`);
  return {
    exportId: request.exportId,
    rows,
    features: service.outputs.length,
    outputs,
    elapsedMs: Math.round(performance.now() - wallStarted),
    out: request.out,
    ...sidecars,
  };
}
