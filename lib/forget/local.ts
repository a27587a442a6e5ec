/**
 * The local places of forgetting, under the data folder: the offline store's Parquet tables
 * (every version's folder), the inference log's days, the dead letters (JSON lines), the exports
 * and the audit trail. Parquet files are rewritten without the rows (`parquet.ts`); a JSON-lines
 * file is rewritten to a sibling and renamed over the original. Nothing is kept elsewhere, so
 * the rows are physically gone when the command returns.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { localDeadLetterDir } from '../local/dead-letter.ts';
import { INFERENCE_LOG_ERRORS_DIR, localInferenceLogDir } from '../local/inference-log.ts';
import type { Registry } from '../registry/types.ts';
import type { AuditBlobs, PlaceCounts } from './audit.ts';
import type { ExportFiles, ExportRef } from './exports.ts';
import { holdsKeys, type ForgetKey } from './keys.ts';
import { removeMatchingRows } from './parquet.ts';
import { offlineTableName } from '../core/columns.ts';
import type { ForgetPlace } from './run.ts';
import { forgetPredicate } from './sql.ts';
import { storedViews } from '../registry/candidates.ts';

type Groups = ReadonlyMap<string, readonly ForgetKey[]>;

/** Every file under `dir` (recursively) whose name ends with `suffix`; none when it is absent. */
export async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.endsWith(suffix) && !e.split(path.sep).some((p) => p.startsWith('.')))
    .map((e) => path.join(dir, e))
    .sort();
}

function predicateOf(groups: Groups, columns: readonly string[]): string | undefined {
  const parts = [...groups.values()]
    .filter((keys) => holdsKeys(columns, keys[0]!.joinKeys))
    .map((keys) => `(${forgetPredicate('duckdb', 'columns', keys)})`);
  return parts.length === 0 ? undefined : parts.join(' OR ');
}

/** Each view's tables (`<view>_v<n>`, every version on disk), rewritten without the keys' rows. */
export function localOfflinePlace(
  duckdb: DuckDBConnection,
  dataDir: string,
  registry: Registry,
): ForgetPlace {
  return {
    name: 'offline',
    async remove(groups) {
      const counts: PlaceCounts = {};
      const root = path.join(dataDir, 'offline');
      const tables = await readdir(root).catch(() => [] as string[]);
      for (const table of tables.sort()) {
        // The table's own version where the registry has it (a candidate's keys may differ).
        const views = storedViews(registry);
        const view =
          views.find((v) => offlineTableName(v) === table) ??
          views.find((v) => new RegExp(`^${v.name}_v\\d+$`).test(table));
        const predicate =
          view &&
          predicateOf(
            groups,
            view.joinKeys.map((k) => k.name),
          );
        if (!predicate) continue;
        const files = await filesUnder(path.join(root, table), '.parquet');
        const { removed } = await removeMatchingRows(duckdb, files, predicate);
        const n = [...removed.values()].reduce((a, b) => a + b, 0);
        if (n > 0) counts[table] = n;
      }
      return counts;
    },
  };
}

/** The inference log's days, each rewritten without the vectors served to the keys. */
export function localLogPlace(duckdb: DuckDBConnection, dataDir: string): ForgetPlace {
  return {
    name: 'inference_log',
    async remove(groups) {
      const counts: PlaceCounts = {};
      const files = await filesUnder(localInferenceLogDir(dataDir), '.parquet');
      const predicate = [...groups.values()]
        .map((keys) => `(${forgetPredicate('duckdb', 'log-json', keys)})`)
        .join(' OR ');
      if (!predicate) return counts;
      const { removed } = await removeMatchingRows(duckdb, files, predicate, 'zstd');
      for (const [file, n] of removed) {
        const day = /served_date=([0-9-]+)/.exec(file)?.[1] ?? path.basename(path.dirname(file));
        counts[day] = (counts[day] ?? 0) + n;
      }
      return counts;
    },
  };
}

/** True when a decoded record or row carries one of the forgotten keys. */
export function carriesKey(fields: Readonly<Record<string, unknown>>, groups: Groups): boolean {
  for (const keys of groups.values())
    for (const k of keys)
      // As text: a log row keeps its keys as text (`valueText`), a record as JSON values.
      if (k.joinKeys.every((j) => textOf(fields[j.name]) === String(k.values[j.name]))) return true;
  return false;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of a set-aside line, when readable: an ingest dead letter's record, an offline row
 * the Parquet writer refused, or a log row the log writer refused (its `keys` JSON).
 */
function letterFields(line: string): Record<string, unknown> | undefined {
  const letter = parseObject(line);
  if (!letter) return undefined;
  if (typeof letter.row === 'string') return parseObject(letter.row);
  const payload = letter.data_base64 ?? letter.rawData;
  if (typeof payload !== 'string') return undefined;
  const fields = parseObject(Buffer.from(payload, 'base64').toString('utf8'));
  return typeof fields?.keys === 'string' ? parseObject(fields.keys) : fields;
}

/**
 * Set-aside records without the keys': ingest's dead letters, the offline rows and log rows the
 * Parquet writers refused (Firehose's error output, locally).
 */
export function localDeadLetterPlace(dataDir: string): ForgetPlace {
  return {
    name: 'dead_letters',
    async remove(groups) {
      const counts: PlaceCounts = {};
      const files = [
        ...(await filesUnder(localDeadLetterDir(dataDir), '.jsonl')),
        ...(await filesUnder(path.join(dataDir, INFERENCE_LOG_ERRORS_DIR), '.jsonl')),
      ];
      for (const file of files) {
        const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
        const kept = lines.filter((l) => {
          const fields = letterFields(l);
          return !(fields && carriesKey(fields, groups));
        });
        if (kept.length === lines.length) continue;
        counts[path.relative(dataDir, file)] = lines.length - kept.length;
        const next = `${file}.forget-tmp`;
        await writeFile(next, kept.length > 0 ? `${kept.join('\n')}\n` : '');
        await rename(next, file);
      }
      return counts;
    },
  };
}

interface LocalExportRef extends ExportRef {
  readonly file: string;
}

/** Every Parquet file under `<data>/exports/`, with `<file>.manifest.json` and `.baseline.json`. */
export function localExportFiles(dataDir: string): ExportFiles<LocalExportRef> {
  const root = path.join(dataDir, 'exports');
  const exists = (f: string) =>
    readFile(f).then(
      () => true,
      () => false,
    );
  return {
    async list() {
      return (await filesUnder(root, '.parquet')).map((file) => ({
        id: path.relative(root, file),
        file,
      }));
    },
    async fetch(ref) {
      const manifest = `${ref.file}.manifest.json`;
      const baseline = `${ref.file}.baseline.json`;
      return {
        training: ref.file,
        ...((await exists(manifest)) ? { manifest } : {}),
        ...((await exists(baseline)) ? { baseline } : {}),
      };
    },
    store: async () => undefined,
    release: async () => undefined,
  };
}

/** The audit trail's documents as files under the data folder. */
export function localAuditBlobs(dataDir: string): AuditBlobs {
  return {
    async get(key) {
      return readFile(path.join(dataDir, key), 'utf8').catch(() => undefined);
    },
    async put(key, text) {
      const file = path.join(dataDir, key);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    },
    async delete(key) {
      await rm(path.join(dataDir, key), { force: true });
    },
  };
}
