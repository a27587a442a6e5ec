import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryDocumentError } from '../../lib/core/errors.ts';
import { canonicalJson } from '../../lib/core/canonical-json.ts';
import { loadRegistryFromDir } from '../../lib/registry/load.ts';
import { parseRegistry, readRegistryFile } from '../../lib/registry/read.ts';

const root = path.resolve(import.meta.dirname, '../..');
const compiled = (await loadRegistryFromDir(path.join(root, 'feature_defs'))).registry;

function problemsOf(doc: unknown): readonly string[] {
  try {
    parseRegistry(doc, 'applied.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryDocumentError);
    expect((error as Error).message).toContain('applied.json is not a skewless registry');
    return (error as RegistryDocumentError).problems;
  }
  throw new Error('the document was accepted');
}

describe('reading a registry document', () => {
  it('gives back the compiled registry, each view with its kind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-read-'));
    const file = path.join(dir, 'applied.json');
    await writeFile(file, canonicalJson(compiled, 2));
    const read = await readRegistryFile(file);
    expect(read).toEqual(compiled);
    expect(new Set(read!.featureViews.map((v) => v.kind))).toEqual(
      new Set(['plain', 'aggregation']),
    );
  });

  it('reads a registry applied before views carried a kind: kinds from `aggregation`, same hash', async () => {
    // The committed applied registry was written before `kind` existed.
    const read = await readRegistryFile(path.join(root, 'feature_defs/applied-registry.json'));
    expect(read).toEqual(compiled);
  });

  it('is undefined when there is no file, and names a file that is not JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-read-'));
    expect(await readRegistryFile(path.join(dir, 'none.json'))).toBeUndefined();
    await writeFile(path.join(dir, 'bad.json'), '{ "formatVersion": 1,');
    await expect(readRegistryFile(path.join(dir, 'bad.json'))).rejects.toThrow(
      /bad\.json is not a skewless registry[\s\S]*not valid JSON/,
    );
  });

  it('names what is wrong by path, elements by their name', () => {
    const doc = JSON.parse(canonicalJson(compiled)) as {
      featureViews: { name: string; features: { dtype: string }[]; kind?: string }[];
      featureServices: unknown[];
    };
    const view = doc.featureViews.find((v) => v.name === 'airport_departures')!;
    view.features[0]!.dtype = 'decimal';
    doc.featureServices = 'none' as unknown as unknown[];
    const problems = problemsOf(doc);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^featureViews\['airport_departures'\]\.features\['[a-z0-9_]+'\]\.dtype: Invalid option/,
    );
    expect(problems[1]).toMatch(/^featureServices: Invalid input: expected array/);
  });

  it('refuses a view whose kind contradicts what it carries, and another format version', () => {
    const doc = JSON.parse(canonicalJson(compiled)) as {
      formatVersion: number;
      featureViews: { name: string; kind?: string; aggregation?: unknown }[];
    };
    const aggregating = doc.featureViews.find((v) => v.aggregation !== undefined)!;
    aggregating.kind = 'plain';
    const plainProblems = problemsOf(doc);
    expect(plainProblems.join('\n')).toContain(`featureViews['${aggregating.name}'].features`);
    expect(problemsOf({ ...JSON.parse(canonicalJson(compiled)), formatVersion: 2 })).toEqual([
      'formatVersion: Invalid input: expected 1',
    ]);
  });

  it('refuses a document that is not an object', () => {
    expect(problemsOf([])).toEqual([
      '(the document): Invalid input: expected object, received array',
    ]);
  });
});
