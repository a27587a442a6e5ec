/**
 * Runs `bench/children/<name>.ts` in its own process (its peak memory its own) with a request
 * written to `<dataDir>/<name>-request.json`; returns the JSON of its last line of output.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export async function runChild<T>(name: string, request: { readonly dataDir: string }): Promise<T> {
  const file = path.join(request.dataDir, `${name}-request.json`);
  await writeFile(file, JSON.stringify(request));
  const child = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    'children',
    `${name}.ts`,
  );
  const { stdout } = await execFileAsync('npx', ['tsx', child, file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
