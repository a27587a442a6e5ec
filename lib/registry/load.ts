/**
 * Loads definitions from a folder of TypeScript modules (run under tsx) and from an already
 * imported module (the Lambda bundles import `feature_defs/index.ts` statically).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Definition } from '../define/definitions.ts';
import { DefinitionError } from '../core/errors.ts';
import { compileRegistry, type RuntimeRegistry } from './compile.ts';

/** The entry the deployed Lambdas import, in a TypeScript or a JavaScript project. */
export const INDEX_FILES = ['index.ts', 'index.js', 'index.mjs'];

/** Definition modules: TypeScript or JavaScript, not declarations or tests. */
function isDefinitionFile(name: string): boolean {
  return (
    /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') && !/\.test\.(ts|js|mjs)$/.test(name)
  );
}

const KINDS = new Set([
  'entity',
  'event_stream',
  'feature_view',
  'feature_service',
  'request_transform',
]);

export function isDefinition(value: unknown): value is Definition {
  return (
    typeof value === 'object' &&
    value !== null &&
    KINDS.has((value as { kind?: unknown }).kind as string) &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/** The definitions a module exports, in export order. */
export function collectDefinitions(module: Record<string, unknown>): Definition[] {
  return Object.values(module).filter(isDefinition);
}

/** Compiles the definitions exported by an imported module (e.g. `feature_defs/index.ts`). */
export function registryFromModule(module: Record<string, unknown>): RuntimeRegistry {
  return compileRegistry(collectDefinitions(module));
}

/**
 * Imports every `*.ts` / `*.js` module of `dir` (the index excluded) and compiles what they export. Each
 * definition is attributed to the first file (in name order) that exports it. Also checks that
 * `index.ts`, the entry the Lambda bundles import, re-exports every definition.
 */
export async function loadRegistryFromDir(dir: string): Promise<RuntimeRegistry> {
  const names = (await readdir(dir)).filter(isDefinitionFile).sort();
  const files = new Map<Definition, string>();
  const definitions: Definition[] = [];
  let indexDefs: Set<Definition> | undefined;
  let indexFile = path.join(dir, 'index.ts');
  for (const name of names) {
    const file = path.join(dir, name);
    const module = (await import(pathToFileURL(path.resolve(file)).href)) as Record<
      string,
      unknown
    >;
    const found = collectDefinitions(module);
    if (INDEX_FILES.includes(name)) {
      indexFile = file;
      indexDefs = new Set(found);
      continue;
    }
    for (const d of found) {
      if (!files.has(d)) {
        files.set(d, file);
        definitions.push(d);
      }
    }
  }
  if (indexDefs) {
    for (const d of indexDefs) if (!files.has(d)) files.set(d, indexFile);
    const missing = definitions.filter((d) => !indexDefs.has(d));
    if (missing.length > 0) {
      throw new DefinitionError(
        missing.map((d) => ({
          file: files.get(d)!,
          object: `${d.kind.replace('_', ' ')} '${d.name}'`,
          rule: 'index-export',
          message: `is not re-exported from ${indexFile}, which the deployed Lambdas import`,
        })),
      );
    }
    for (const d of indexDefs) if (!definitions.includes(d)) definitions.push(d);
  }
  return compileRegistry(definitions, files);
}
