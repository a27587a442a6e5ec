/**
 * Where the deployed handlers find the user's definitions. The handlers import them through one
 * specifier (`#feature-defs`); bundling points it at the module named here, so a team's own
 * repository (which depends on the skewless package) deploys its definitions, not ours.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { INDEX_FILES } from '../registry/load.ts';

export interface DefinitionsModule {
  /** Absolute path of the module the handlers bundle (an `index.ts` re-exporting every file). */
  readonly module: string;
  /** The folder holding the nearest `package-lock.json` above it, where bundling runs. */
  readonly projectRoot: string | undefined;
}

/** A folder (its `index.ts`) or a module file, relative to `cwd`; a clear error when absent. */
export function resolveDefinitionsModule(
  definitions: string,
  cwd: string = process.cwd(),
): DefinitionsModule {
  const given = path.resolve(cwd, definitions);
  const module =
    existsSync(given) && statSync(given).isDirectory()
      ? path.join(given, INDEX_FILES.find((f) => existsSync(path.join(given, f))) ?? 'index.ts')
      : given;
  if (!existsSync(module))
    throw new ValidationError(
      `FeatureStore definitions: ${module} does not exist; pass \`definitions\` (a folder with an index.ts re-exporting every definition file)`,
      'definitions',
    );
  return { module, projectRoot: findUp(path.dirname(module), 'package-lock.json') };
}

function findUp(from: string, file: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, file))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
