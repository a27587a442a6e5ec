/**
 * The one reader of a registry kept as JSON (the applied registry beside the definitions, the
 * copies a local store keeps): the document is checked against the registry's schema, and what
 * is wrong is named by its path (`featureViews['team_form'].features['n_7d'].dtype`).
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { RegistryDocumentError } from '../core/errors.ts';
import { registrySchema } from './schema.ts';
import type { Registry } from './types.ts';

/**
 * A registry from parsed JSON. A view written before views carried a `kind` gets the one its
 * `aggregation` implies (the hash leaves `kind` out, so such a document keeps its hash).
 */
export function parseRegistry(doc: unknown, source: string): Registry {
  const parsed = registrySchema.safeParse(withViewKinds(doc));
  if (!parsed.success)
    throw new RegistryDocumentError(
      source,
      parsed.error.issues.map((issue) => `${issuePath(doc, issue.path)}: ${issue.message}`),
    );
  return parsed.data;
}

/** Reads and checks a registry file; `undefined` when there is none. */
export async function readRegistryFile(file: string): Promise<Registry | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new RegistryDocumentError(file, [`not valid JSON: ${(error as Error).message}`], {
      cause: error,
    });
  }
  return parseRegistry(doc, file);
}

function withViewKinds(doc: unknown): unknown {
  if (!isRecord(doc) || !Array.isArray(doc.featureViews)) return doc;
  const featureViews = doc.featureViews.map((v: unknown) =>
    isRecord(v) && v.kind === undefined
      ? { ...v, kind: v.aggregation === undefined ? 'plain' : 'aggregation' }
      : v,
  );
  return { ...doc, featureViews };
}

/** `a.b[2].c`, with an element named by its `name` where it has one. */
function issuePath(doc: unknown, path: z.core.$ZodIssue['path']): string {
  let at: unknown = doc;
  let out = '';
  for (const key of path) {
    const next =
      isRecord(at) || Array.isArray(at) ? (at as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const name = isRecord(next) && typeof next.name === 'string' ? next.name : undefined;
      out += name === undefined ? `[${key}]` : `['${name}']`;
    } else out += out === '' ? String(key) : `.${String(key)}`;
    at = next;
  }
  return out === '' ? '(the document)' : out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
