import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadRegistryFromDir, registryFromModule } from '../../lib/registry/load.ts';
import { DefinitionError } from '../../lib/core/errors.ts';
import { canonicalJson } from '../../lib/core/canonical-json.ts';
import * as exampleDefs from '../../feature_defs/index.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dsl = path.join(root, 'lib/define/index.ts');

async function defsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-defs-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('the example definitions', () => {
  it('compile to the same registry from the folder and from index.ts (what the Lambdas import)', async () => {
    const fromDir = await loadRegistryFromDir(path.join(root, 'feature_defs'));
    expect(registryFromModule(exampleDefs).registry).toEqual(fromDir.registry);
  });

  it('compile to the same bytes and hash in a fresh process', async () => {
    const here = (await loadRegistryFromDir(path.join(root, 'feature_defs'))).registry;
    const script = `import { loadRegistryFromDir } from ${JSON.stringify(path.join(root, 'lib/registry/load.ts'))};
import { canonicalJson } from ${JSON.stringify(path.join(root, 'lib/core/canonical-json.ts'))};
process.stdout.write(canonicalJson((await loadRegistryFromDir(${JSON.stringify(path.join(root, 'feature_defs'))})).registry));`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8' },
    );
    expect(out).toBe(canonicalJson(here));
  });

  it('match the applied registry committed beside them (run `skewless plan --apply` after a change)', async () => {
    const here = (await loadRegistryFromDir(path.join(root, 'feature_defs'))).registry;
    const applied = JSON.parse(
      await readFile(path.join(root, 'feature_defs/applied-registry.json'), 'utf8'),
    );
    expect(applied.hash).toBe(here.hash);
  });
});

describe('loadRegistryFromDir', () => {
  it('names the file of a broken definition', async () => {
    const dir = await defsDir({
      'a.ts': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const user = defineEntity({ name: 'user', keys: { id: 'string' } });\n`,
      'b.ts': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const user2 = defineEntity({ name: 'user', keys: { id: 'string' } });\n`,
    });
    const error = await loadRegistryFromDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).problems).toEqual([
      expect.objectContaining({
        file: path.join(dir, 'b.ts'),
        rule: 'duplicate-name',
        object: "entity 'user'",
      }),
    ]);
    expect((error as Error).message).toContain(
      `${path.join(dir, 'b.ts')}: entity 'user': [duplicate-name]`,
    );
  });

  it('rejects a definition that index.ts does not re-export', async () => {
    const dir = await defsDir({
      'a.ts': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const user = defineEntity({ name: 'user', keys: { id: 'string' } });\n`,
      'b.ts': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const shop = defineEntity({ name: 'shop', keys: { shop_id: 'string' } });\n`,
      'index.ts': `export * from './a.ts';\n`,
    });
    const error = await loadRegistryFromDir(dir).catch((e: unknown) => e);
    expect((error as DefinitionError).problems).toEqual([
      expect.objectContaining({
        file: path.join(dir, 'b.ts'),
        rule: 'index-export',
        object: "entity 'shop'",
      }),
    ]);
  });

  it('loads JavaScript definitions, index.js included, as it loads TypeScript', async () => {
    const dir = await defsDir({
      'a.js': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const user = defineEntity({ name: 'user', keys: { id: 'string' } });\n`,
      'b.js': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const shop = defineEntity({ name: 'shop', keys: { shop_id: 'string' } });\n`,
      'index.js': `export * from './a.js';\n`,
      'a.test.js': `throw new Error('a test file is not a definition module');\n`,
    });
    const error = await loadRegistryFromDir(dir).catch((e: unknown) => e);
    expect((error as DefinitionError).problems).toEqual([
      expect.objectContaining({
        file: path.join(dir, 'b.js'),
        rule: 'index-export',
        message: expect.stringContaining(path.join(dir, 'index.js')),
      }),
    ]);
    // A fresh folder: modules already imported stay cached by URL.
    const fixed = await defsDir({
      'a.js': `import { defineEntity } from ${JSON.stringify(dsl)};\nexport const user = defineEntity({ name: 'user', keys: { id: 'string' } });\n`,
      'index.js': `export * from './a.js';\n`,
    });
    const { registry } = await loadRegistryFromDir(fixed);
    expect(registry.entities.map((e) => e.name)).toEqual(['user']);
  });
});
