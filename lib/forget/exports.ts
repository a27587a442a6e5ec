/**
 * Exports and baselines under `exports/`: every Parquet file there whose columns carry an
 * entity's keys is scanned; `--exports` rewrites those holding a key without its rows, rebuilds
 * the training baseline beside a training file from the rows left, and records the rewrite in
 * its manifest (`forgotten`: request id, time, rows removed). One implementation for both
 * places: an `ExportFiles` hands it local copies (the files themselves locally; downloads from
 * the bucket in AWS) and stores them back.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { buildBaseline } from '../export/baseline.ts';
import type { ExportManifest } from '../export/manifest.ts';
import type { Registry } from '../registry/types.ts';
import { quoteIdentifier as q, stringLiteral as literal } from '../sql/literals.ts';
import type { PlaceCounts } from './audit.ts';
import { holdsKeys, type ForgetKey } from './keys.ts';
import { countMatches, parquetColumns, removeMatchingRows } from './parquet.ts';
import type { ExportPlace } from './run.ts';
import { forgetPredicate } from './sql.ts';

/** One Parquet file under `exports/`, and the manifest and baseline that describe it, if any. */
export interface ExportRef {
  /** How the audit names it: its path under `exports/`. */
  readonly id: string;
}

export interface LocalExportCopy {
  readonly training: string;
  readonly manifest?: string;
  readonly baseline?: string;
}

export interface ExportFiles<R extends ExportRef> {
  list(): Promise<R[]>;
  /** Local files to read and rewrite (the originals locally). */
  fetch(ref: R): Promise<LocalExportCopy>;
  /** Stores the rewritten copy back (a no-op locally). */
  store(
    ref: R,
    copy: LocalExportCopy,
    parts: { training: boolean; sidecars: boolean },
  ): Promise<void>;
  release(copy: LocalExportCopy): Promise<void>;
}

/** A forgotten manifest entry: which request removed how many rows, when. */
export interface ManifestForgotten {
  readonly requestId: string;
  readonly at: string;
  readonly rowsRemoved: number;
}

export function exportPlace<R extends ExportRef>(
  duckdb: DuckDBConnection,
  files: ExportFiles<R>,
  registry: Registry,
): ExportPlace {
  const scan = async (
    groups: ReadonlyMap<string, readonly ForgetKey[]>,
    onHeld: (ref: R, copy: LocalExportCopy, predicate: string, rows: number) => Promise<void>,
  ): Promise<PlaceCounts> => {
    const counts: PlaceCounts = {};
    for (const ref of await files.list()) {
      const copy = await files.fetch(ref);
      try {
        const columns = await parquetColumns(duckdb, copy.training);
        const predicates = [...groups.values()]
          .filter((keys) => holdsKeys(columns, keys[0]!.joinKeys))
          .map((keys) => `(${forgetPredicate('duckdb', 'columns', keys)})`);
        if (predicates.length === 0) continue;
        const predicate = predicates.join(' OR ');
        const rows = (await countMatches(duckdb, [copy.training], predicate)).get(copy.training);
        if (!rows) continue;
        counts[ref.id] = rows;
        await onHeld(ref, copy, predicate, rows);
      } finally {
        await files.release(copy);
      }
    }
    return counts;
  };
  return {
    list: (groups) => scan(groups, async () => undefined),
    rewrite: (groups, requestId, at) =>
      scan(groups, async (ref, copy, predicate, rows) => {
        await removeMatchingRows(duckdb, [copy.training], predicate, 'snappy', true);
        const sidecars = await rewriteSidecars(duckdb, registry, copy, {
          requestId,
          at: new Date(at).toISOString(),
          rowsRemoved: rows,
        });
        await files.store(ref, copy, { training: true, sidecars });
      }),
  };
}

/** The manifest's row count and `forgotten` list, and the baseline rebuilt from the rows left. */
async function rewriteSidecars(
  duckdb: DuckDBConnection,
  registry: Registry,
  copy: LocalExportCopy,
  entry: ManifestForgotten,
): Promise<boolean> {
  if (!copy.manifest) return false;
  const manifest = JSON.parse(await readFile(copy.manifest, 'utf8')) as ExportManifest & {
    forgotten?: ManifestForgotten[];
  };
  const rows = Number(
    (
      await duckdb.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal(copy.training)})`)
    ).getRows()[0]?.[0] ?? 0,
  );
  const updated = { ...manifest, rows, forgotten: [...(manifest.forgotten ?? []), entry] };
  await writeFile(copy.manifest, `${JSON.stringify(updated, null, 2)}\n`);
  const service = registry.featureServices.find((s) => s.name === manifest.service);
  if (copy.baseline && service) {
    const view = '_sk_forget_export';
    await duckdb.run(
      `CREATE OR REPLACE TEMP VIEW ${q(view)} AS SELECT * FROM read_parquet(${literal(copy.training)})`,
    );
    try {
      const baseline = await buildBaseline(duckdb, view, service, {
        registryHash: manifest.registryHash,
        exportId: manifest.exportId,
      });
      await writeFile(copy.baseline, `${JSON.stringify(baseline, null, 2)}\n`);
    } finally {
      await duckdb.run(`DROP VIEW IF EXISTS ${q(view)}`);
    }
  }
  return true;
}
