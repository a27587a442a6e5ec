/**
 * Native modules shipped beside a Lambda bundle (DuckDB for the skew check), copied from the
 * project's own `node_modules` at bundling time. No `npm ci` runs at synth: `cdk synth` works
 * offline with an empty npm cache.
 *
 * Lambda runs linux-x64 (glibc) here, so the platform package that must be present is the one
 * the lock file marks `os: linux`, `cpu: x64`, `libc: glibc` (e.g.
 * `@duckdb/node-bindings-linux-x64`). npm installs it on a linux-x64 machine (CI, this one); on
 * another platform install it once beside the others (the README's deploy guide shows how).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SkewlessError } from '../core/errors.ts';

/** The platform the functions with native modules run on (`Architecture.X86_64`). */
export const LAMBDA_NATIVE_PLATFORM = { os: 'linux', cpu: 'x64', libc: 'glibc' } as const;

export class NativeModuleMissingError extends SkewlessError {
  constructor(
    readonly packageName: string,
    readonly wanted: string,
  ) {
    super(
      `Native module '${packageName}' (${wanted}, required for Lambda's ${LAMBDA_NATIVE_PLATFORM.os}-${LAMBDA_NATIVE_PLATFORM.cpu}) is not in node_modules. ` +
        `On a machine of another platform install it once: npm install --no-save --os=linux --cpu=x64 --libc=glibc ${packageName}@${wanted}`,
    );
  }
}

interface LockEntry {
  readonly version?: string;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const fits = (allowed: readonly string[] | undefined, value: string) =>
  allowed === undefined || allowed.includes(value);

/** Whether a lock-file entry installs on Lambda's platform. */
function runsOnLambda(entry: LockEntry): boolean {
  const p = LAMBDA_NATIVE_PLATFORM;
  return fits(entry.os, p.os) && fits(entry.cpu, p.cpu) && fits(entry.libc, p.libc);
}

/**
 * The package names to ship for `roots`: the roots, their dependencies, and the optional
 * dependencies that install on Lambda's platform (read from `package-lock.json`), each checked
 * present in `node_modules`. Sorted, deterministic.
 */
export function nativeModulePackages(projectRoot: string, roots: readonly string[]): string[] {
  const lock = JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const entry = (name: string) => lock.packages[`node_modules/${name}`];
  const found = new Set<string>();
  const visit = (name: string, wanted: string) => {
    if (found.has(name)) return;
    const locked = entry(name);
    if (!locked) throw new NativeModuleMissingError(name, wanted);
    if (!existsSync(path.join(projectRoot, 'node_modules', name, 'package.json')))
      throw new NativeModuleMissingError(name, locked.version ?? wanted);
    found.add(name);
    for (const [dep, range] of Object.entries(locked.dependencies ?? {})) visit(dep, range);
    for (const [dep, range] of Object.entries(locked.optionalDependencies ?? {})) {
      const optional = entry(dep);
      if (optional && runsOnLambda(optional)) visit(dep, optional.version ?? range);
    }
  };
  for (const root of roots) visit(root, entry(root)?.version ?? 'latest');
  return [...found].sort();
}

/**
 * The bundling hook command that copies those packages into the bundle's `node_modules`. It
 * runs `node` (always there where CDK runs), so it works in any shell, and reads nothing from
 * the network.
 */
export function copyNativeModulesCommand(
  projectRoot: string,
  packages: readonly string[],
  outputDir: string,
): string {
  const pairs = packages.flatMap((name) => [
    path.join(projectRoot, 'node_modules', name),
    path.join(outputDir, 'node_modules', name),
  ]);
  const script =
    "const fs=require('node:fs');const a=process.argv.slice(1);" +
    'for(let i=0;i<a.length;i+=2)fs.cpSync(a[i],a[i+1],{recursive:true,dereference:true})';
  return [`"${process.execPath}"`, '-e', `"${script}"`, ...pairs.map((p) => `"${p}"`)].join(' ');
}
