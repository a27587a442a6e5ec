/**
 * `npm run bench -- <name> [...]`: runs `bench/<name>.ts` (its exported `run()`) and writes what
 * it returns, with the machine it ran on, to `bench/results/<name>.json`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type BenchResult = Record<string, unknown>;
export interface BenchModule {
  run(args: string[]): Promise<BenchResult>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'readme-table.ts')
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(2);
}
const module = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as BenchModule;
const started = new Date();
const result = await module.run(args);
const out = {
  bench: name,
  ...result,
  ran_at: started.toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
};
await mkdir(path.join(here, 'results'), { recursive: true });
const file = path.join(here, 'results', `${name}.json`);
await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
