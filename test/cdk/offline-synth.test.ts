/**
 * `cdk synth` bundles every handler offline: no npm command runs (the export's and the skew check's DuckDB is
 * copied from node_modules with its linux-x64 binding), so a synth with an empty npm cache and
 * npm forced offline succeeds. With `nodeModules` bundling it failed here with ENOTCACHED.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { nativeModulePackages, NativeModuleMissingError } from '../../lib/cdk/native-modules.ts';
import { PROJECT_ROOT } from '../../lib/cdk/handler-function.ts';
import { flightsRegistry, testApp } from './synth.ts';

const NPM_ENV = ['npm_config_cache', 'npm_config_offline', 'npm_config_registry'] as const;
const saved = new Map<string, string | undefined>();

beforeAll(() => {
  for (const key of NPM_ENV) saved.set(key, process.env[key]);
  process.env.npm_config_cache = mkdtempSync(path.join(os.tmpdir(), 'skewless-empty-npm-cache-'));
  process.env.npm_config_offline = 'true';
  // Anything that still asks a registry fails at once instead of waiting.
  process.env.npm_config_registry = 'http://127.0.0.1:9/';
});

afterAll(() => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('cdk synth offline', () => {
  it('bundles every handler with an empty npm cache and no registry', async () => {
    const registry = await flightsRegistry();
    const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] });
    buildSkewlessApp({ registry, app, nag: false });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(assembly.directory, d));
    const handlers = assets.filter((d) => existsSync(path.join(d, 'index.mjs')));
    expect(handlers).toHaveLength(4);
    // Exactly two bundles (the export's and the skew check's) carry DuckDB, with the binary
    // Lambda loads.
    const withDuckdb = handlers.filter((d) => existsSync(path.join(d, 'node_modules', '@duckdb')));
    expect(withDuckdb).toHaveLength(2);
    for (const bundle of withDuckdb) {
      const modules = path.join(bundle, 'node_modules', '@duckdb');
      expect(readdirSync(modules).sort()).toEqual(
        ['node-api', 'node-bindings', 'node-bindings-linux-x64'].sort(),
      );
      expect(existsSync(path.join(modules, 'node-bindings-linux-x64', 'duckdb.node'))).toBe(true);
    }
    if (process.platform === 'linux' && process.arch === 'x64') {
      // The bundle's own copy loads and runs a query, as the handler's `import` will on Lambda.
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const { DuckDBInstance } = await import('@duckdb/node-api'); const c = await (await DuckDBInstance.create(':memory:')).connect(); console.log((await c.runAndReadAll('SELECT 41 + 1 AS x')).getRowObjects()[0].x);",
        ],
        { cwd: withDuckdb[0]!, encoding: 'utf8' },
      );
      expect(out.trim()).toBe('42');
    }
  }, 240_000);
});

describe('nativeModulePackages', () => {
  it('ships the root, its dependencies and only the linux-x64 glibc binding', () => {
    const packages = nativeModulePackages(PROJECT_ROOT, ['@duckdb/node-api']);
    expect(packages).toContain('@duckdb/node-bindings-linux-x64');
    expect(packages.filter((p) => p.startsWith('@duckdb/node-bindings-'))).toEqual([
      '@duckdb/node-bindings-linux-x64',
    ]);
  });

  it('names the missing package and how to install it', () => {
    expect(() => nativeModulePackages(PROJECT_ROOT, ['@duckdb/no-such-module'])).toThrow(
      NativeModuleMissingError,
    );
  });
});
