/**
 * Which registry an in-process lookup serves: the definitions bundled with the service (the
 * module `feature_defs/index.ts` re-exports), an already compiled registry, or a registry
 * document (the applied registry JSON, as a file or an object) with the definitions that hold
 * its request-transform functions, the code a JSON document cannot carry.
 */
import { readFile } from 'node:fs/promises';
import { SkewlessError } from '../core/errors.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { registryFromModule } from '../registry/load.ts';
import { REGISTRY_FORMAT_VERSION, type Registry } from '../registry/types.ts';

export type RegistrySource =
  /** `import * as definitions from './feature_defs/index.ts'`. */
  | { readonly definitions: Record<string, unknown> }
  | { readonly runtime: RuntimeRegistry }
  | {
      /** The registry document, or the path of its JSON file. */
      readonly document: Registry | string;
      /** The definitions holding the transforms the document's services run. */
      readonly definitions?: Record<string, unknown>;
    };

export async function resolveRegistry(source: RegistrySource): Promise<RuntimeRegistry> {
  if ('runtime' in source) return source.runtime;
  if (!('document' in source)) return registryFromModule(source.definitions);
  const registry =
    typeof source.document === 'string'
      ? await readRegistryFile(source.document)
      : checkDocument(source.document, 'the registry document');
  const transforms = source.definitions
    ? registryFromModule(source.definitions).transforms
    : new Map();
  for (const service of registry.featureServices) {
    for (const name of service.transforms) {
      if (!transforms.has(name)) {
        throw new SkewlessError(
          `service '${service.name}' runs request transform '${name}', whose function the registry document cannot hold: pass the definitions that export it (\`definitions\`)`,
        );
      }
    }
  }
  return { registry, transforms };
}

async function readRegistryFile(file: string): Promise<Registry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SkewlessError(`cannot read the registry document '${file}': ${String(error)}`, {
      cause: error,
    });
  }
  return checkDocument(parsed, `the registry document '${file}'`);
}

/** The shape a lookup relies on; the document itself was validated when it was compiled. */
function checkDocument(value: unknown, what: string): Registry {
  const doc = value as Partial<Registry> | null;
  const problem =
    typeof doc !== 'object' || doc === null
      ? 'is not a JSON object'
      : doc.formatVersion !== REGISTRY_FORMAT_VERSION
        ? `has formatVersion ${String(doc.formatVersion)}; this skewless reads ${REGISTRY_FORMAT_VERSION}`
        : !Array.isArray(doc.featureViews) || !Array.isArray(doc.featureServices)
          ? 'lacks featureViews or featureServices'
          : typeof doc.hash !== 'string'
            ? 'lacks its hash'
            : undefined;
  if (problem) throw new SkewlessError(`${what} ${problem}`);
  return doc as Registry;
}
