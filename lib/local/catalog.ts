/**
 * The catalog on this machine: the pages rendered from the working definitions, the pending
 * plan against the applied registry, and whatever skew reports exist under
 * `<dataDir>/skew/reports/` (the local layout of the bucket's `skew-reports/`). No store needs
 * to run. The pages are re-rendered when a request comes more than a few seconds after the last
 * render, so a report written meanwhile shows up.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseReport, reportFilesToRead, type CatalogReport } from '../catalog/nightly.ts';
import type { CatalogSource, ServedFile } from '../catalog/server.ts';
import { renderCatalog, type CatalogFile } from '../catalog/site.ts';
import { planRegistry } from '../registry/plan.ts';
import type { Registry } from '../registry/types.ts';
import { localReportsDir } from './skew-check.ts';

const RERENDER_AFTER_MS = 3_000;

/** Every `<date>/<file>` under the reports folder (none when it does not exist). */
async function reportTree(root: string): Promise<string[]> {
  const days = await readdir(root, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const day of days) {
    if (!day.isDirectory()) continue;
    for (const f of await readdir(path.join(root, day.name))) files.push(`${day.name}/${f}`);
  }
  return files;
}

/** Each service's last 30 reports under the data folder; unreadable files are named and skipped. */
export async function readLocalReports(
  dataDir: string,
  warn: (message: string) => void = console.error,
): Promise<CatalogReport[]> {
  const root = localReportsDir(dataDir);
  const reports: CatalogReport[] = [];
  for (const rel of reportFilesToRead(await reportTree(root))) {
    const parsed = parseReport(await readFile(path.join(root, rel), 'utf8'), rel);
    if (parsed) reports.push(parsed);
    else warn(`skewless ui: skipped ${path.join(root, rel)}: not a skew report this version reads`);
  }
  return reports;
}

export interface LocalCatalogOptions {
  readonly registry: Registry;
  /** The applied registry (`feature_defs/applied-registry.json`), if any: the plan's base. */
  readonly applied: Registry | undefined;
  readonly dataDir: string;
  readonly clock?: () => number;
}

/** Renders the local catalog once (what the tests and the screenshots read). */
export async function renderLocalCatalog(options: LocalCatalogOptions): Promise<CatalogFile[]> {
  const clock = options.clock ?? Date.now;
  return renderCatalog({
    registry: options.registry,
    reports: await readLocalReports(options.dataDir),
    plan: planRegistry(options.applied, options.registry),
    generatedAt: new Date(clock()).toISOString(),
  });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
};

/** The source `skewless ui` serves locally. */
export function localCatalogSource(options: LocalCatalogOptions): CatalogSource {
  const clock = options.clock ?? Date.now;
  let rendered: { at: number; files: Promise<Map<string, CatalogFile>> } | undefined;
  const pages = () => {
    if (!rendered || clock() - rendered.at > RERENDER_AFTER_MS) {
      rendered = {
        at: clock(),
        files: renderLocalCatalog(options).then((f) => new Map(f.map((x) => [x.path, x]))),
      };
    }
    return rendered.files;
  };
  const reportsRoot = path.resolve(localReportsDir(options.dataDir));
  return {
    async catalogFile(p) {
      return (await pages()).get(p);
    },
    async reportFile(p): Promise<ServedFile | undefined> {
      const contentType = CONTENT_TYPES[path.extname(p)];
      const file = path.resolve(reportsRoot, p);
      if (!contentType || !file.startsWith(reportsRoot + path.sep)) return undefined;
      try {
        return { body: await readFile(file), contentType };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
