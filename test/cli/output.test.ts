/**
 * The CLI's output is the user's: on the Node versions the package supports (`engines`), nothing
 * but what skewless says reaches stderr, even once an AWS SDK client is built (the SDK warns on
 * Node 20 about its releases after January 2027: lib/cli/node-support.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLocalEndpoints } from '../../lib/local/endpoints.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function skewless(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/skewless.ts', ...args], {
      cwd: root,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI keeps its output the user’s', () => {
  it('prints help with an empty stderr', async () => {
    const out = await skewless(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Usage: skewless/);
    expect(out.stderr).toBe('');
  });

  it('says only its own error once a command has built an AWS SDK client', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-out-'));
    dirs.push(dir);
    // A "running" store (this process) whose Kinesis port refuses connections.
    await writeLocalEndpoints(dir, {
      dynamodb: 'http://127.0.0.1:9',
      kinesis: 'http://127.0.0.1:9',
      prefix: 'skewless-local',
      pid: process.pid,
    });
    const file = path.join(dir, 'r.csv');
    await writeFile(file, 'origin,event_time,last_delay\nSFO,2001-01-01T10:00:00Z,1\n');
    const out = await skewless([
      'push',
      '--data',
      dir,
      '--view',
      'airport_departures',
      '--file',
      file,
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^skewless: Kinesis stream skewless-local-airport-departures: /);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).engines).toEqual({
      node: '>=20',
    });
  }, 60_000);
});
