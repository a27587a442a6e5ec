/**
 * The training export, one runner for every place one starts: `skewless export` (the local
 * store, or Athena with `--aws`) and the export Lambda. Spine file → point-in-time rows through
 * the offline store (`point-in-time.ts`) with the request transforms applied → one Parquet file
 * in spine order, its manifest and its training baseline beside it, and the store's own copies
 * (Athena: `exports/<id>/manifest.json`, `baseline.json`, and the promoted baseline).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { getService } from '../registry/query.ts';
import type { RegistryService } from '../registry/types.ts';
import type { DialectName } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { buildBaseline, type TrainingBaseline } from './baseline.ts';
import {
  MANIFEST_FORMAT_VERSION,
  sha256File,
  summarizeOutputs,
  type ExportManifest,
  type ExportSummary,
} from './manifest.ts';
import { localOfflineReader } from './offline-local.ts';
import type { OfflineReader } from './offline-reader.ts';
import { buildPointInTimeRows, type PointInTimeResult } from './point-in-time.ts';
import { chooseTimeColumn, loadSpineFile } from './spine-file.ts';

export interface ExportRequest {
  /** A local CSV or Parquet file (the Lambda downloads its spine first). */
  readonly spineFile: string;
  /** What the manifest names as the spine's source. @default the file's absolute path */
  readonly spineSource?: string;
  readonly service: string;
  /** A local file, or an `s3://bucket/key.parquet` URI when the store reaches S3. */
  readonly out: string;
  /** Where the manifest and baseline go. @default beside `out` (`sidecarPaths`) */
  readonly sidecars?: { readonly manifest: string; readonly baseline: string };
  /** Epoch ms. @default the export's start */
  readonly asOf?: number;
  readonly timeColumn?: string;
  readonly exportId: string;
  /** Also make this export's baseline the one the nightly skew check compares against. */
  readonly promoteBaseline?: boolean;
}

export type ExportStage = 'spine' | 'join' | 'transforms' | 'write';

export interface ExportDeps {
  readonly duckdb: DuckDBConnection;
  readonly runtime: RuntimeRegistry;
  readonly store: OfflineReader;
  readonly clock: () => number;
  readonly onProgress?: (stage: ExportStage, done: number) => void;
}

const SPINE_TABLE = '_sk_export_spine';
const ROWS_TABLE = '_sk_export_rows';

/** `<out>.manifest.json` and `<out>.baseline.json`. */
export function sidecarPaths(out: string): { manifest: string; baseline: string } {
  return { manifest: `${out}.manifest.json`, baseline: `${out}.baseline.json` };
}

/** Runs one export end to end and returns its summary. */
export async function runExport(deps: ExportDeps, request: ExportRequest): Promise<ExportSummary> {
  const { duckdb } = deps;
  const started = deps.clock();
  // Elapsed time is wall time, whatever clock (simulated in the demo) stamps the export.
  const wallStarted = performance.now();
  const service = getService(deps.runtime.registry, request.service);
  const asOf = request.asOf ?? started;
  const work = await mkdtemp(path.join(os.tmpdir(), 'skewless-export-'));
  try {
    const columns = await loadSpineFile(duckdb, request.spineFile, SPINE_TABLE);
    const timeColumn = chooseTimeColumn(columns, request.timeColumn, request.spineFile);
    deps.onProgress?.('spine', 0);
    const joined = await buildPointInTimeRows(deps, {
      service: service.name,
      spineTable: SPINE_TABLE,
      timeColumn,
      asOf: { kind: 'instant', at: asOf },
      into: ROWS_TABLE,
      id: request.exportId,
      label: request.spineFile,
      onProgress: (stage, done) => deps.onProgress?.(stage, done),
    });
    const training = await writeTrainingFile(duckdb, service, joined, work);
    const baseline = await buildBaseline(duckdb, ROWS_TABLE, service, {
      registryHash: deps.runtime.registry.hash,
      exportId: request.exportId,
    });
    const manifest = buildManifest(deps, service, request, joined, {
      asOf,
      started,
      timeColumn,
      spineSha256: await sha256File(request.spineFile),
    });
    const sidecars = request.sidecars ?? sidecarPaths(request.out);
    await publish(deps.store, request, { training, manifest, baseline, sidecars });
    deps.onProgress?.('write', joined.rows);
    return {
      exportId: request.exportId,
      rows: joined.rows,
      features: service.outputs.length,
      outputs: await summarizeOutputs(duckdb, ROWS_TABLE, service, true),
      elapsedMs: Math.round(performance.now() - wallStarted),
      out: request.out,
      ...sidecars,
      ...(joined.queryId === null
        ? {}
        : { queryId: joined.queryId, bytesScanned: joined.bytesScanned }),
    };
  } finally {
    for (const t of [ROWS_TABLE, SPINE_TABLE]) await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await rm(work, { recursive: true, force: true });
  }
}

/** The training file: spine columns, `_sk_row`, outputs, in spine order (statuses stay out). */
async function writeTrainingFile(
  duckdb: DuckDBConnection,
  service: RegistryService,
  joined: PointInTimeResult,
  work: string,
): Promise<string> {
  const keep = [
    ...joined.spineColumns.map((c) => c.name).filter((n) => n !== SPINE_ROW_COLUMN),
    SPINE_ROW_COLUMN,
    ...service.outputs.map((o) => o.name),
  ];
  const file = path.join(work, 'training.parquet');
  // The rows table is already in spine order and DuckDB keeps insertion order on a plain scan.
  await duckdb.run(
    `COPY (SELECT ${keep.map(q).join(', ')} FROM ${q(ROWS_TABLE)}) TO ${stringLiteral(file)} (FORMAT PARQUET)`,
  );
  return file;
}

function buildManifest(
  deps: ExportDeps,
  service: RegistryService,
  request: ExportRequest,
  joined: PointInTimeResult,
  meta: { asOf: number; started: number; timeColumn: string; spineSha256: string },
): ExportManifest {
  const where = (f: string) => (f.startsWith('s3://') ? f : path.resolve(f));
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    exportId: request.exportId,
    service: service.name,
    registryHash: deps.runtime.registry.hash,
    asOf: new Date(meta.asOf).toISOString(),
    engine: deps.store.engine,
    dialect: deps.store.dialect,
    spine: {
      source: request.spineSource ?? path.resolve(request.spineFile),
      sha256: meta.spineSha256,
      rows: joined.rows,
      timeColumn: meta.timeColumn,
    },
    queryId: joined.queryId,
    files: [where(request.out)],
    rows: joined.rows,
    outputs: service.outputs,
    // The transforms run here, whichever store joined: the file holds every output.
    transformsPending: [],
    ...(joined.files.length > 0 ? { unloaded: joined.files } : {}),
    createdAt: new Date(meta.started).toISOString(),
  };
}

/** The training file, manifest and baseline where the caller asked, and the store's copies. */
async function publish(
  store: OfflineReader,
  request: ExportRequest,
  artifacts: {
    training: string;
    manifest: ExportManifest;
    baseline: TrainingBaseline;
    sidecars: { manifest: string; baseline: string };
  },
): Promise<void> {
  const json = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
  const kept = store.artifacts(request.exportId, request.service, request.promoteBaseline === true);
  await store.write(request.out, await readFile(artifacts.training), PARQUET);
  const writes: [target: string, body: string][] = [
    ...[artifacts.sidecars.manifest, ...kept.manifest].map((t): [string, string] => [
      t,
      json(artifacts.manifest),
    ]),
    ...[artifacts.sidecars.baseline, ...kept.baseline].map((t): [string, string] => [
      t,
      json(artifacts.baseline),
    ]),
  ];
  const done = new Set<string>();
  for (const [target, body] of writes) {
    if (done.has(target)) continue; // the Lambda's sidecars are the store's copies
    done.add(target);
    await store.write(target, body, 'application/json');
  }
}

const PARQUET = 'application/vnd.apache.parquet';

/** `runExport` over the local offline store under `dataDir` (the CLI without `--aws`, the demo). */
export function runLocalExport(
  deps: Omit<ExportDeps, 'store'> & { readonly dataDir: string },
  request: ExportRequest & { readonly dialect?: Exclude<DialectName, 'athena'> },
): Promise<ExportSummary> {
  const store = localOfflineReader({
    dataDir: deps.dataDir,
    registry: deps.runtime.registry,
    ...(request.dialect ? { dialect: request.dialect } : {}),
    // The Athena shape runs as Athena runs it: with the span's literal bounds.
    ...(request.dialect === 'duckdb' ? { duckdb: deps.duckdb } : {}),
  });
  return runExport({ ...deps, store }, request);
}
