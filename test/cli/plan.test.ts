import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
// tsx by absolute URL, so the CLI runs from any working directory.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the real CLI in a copy of the example definitions. */
function skewless(args: string[], cwd: string) {
  const result = spawnSync(
    process.execPath,
    ['--import', tsx, path.join(root, 'bin/skewless.ts'), ...args],
    { cwd, encoding: 'utf8' },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function copyOfExample(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-plan-'));
  await cp(path.join(root, 'feature_defs'), path.join(dir, 'feature_defs'), { recursive: true });
  // The copies import the DSL by relative path: point them at this checkout.
  const file = path.join(dir, 'feature_defs/flights.ts');
  const text = await readFile(file, 'utf8');
  await writeFile(
    file,
    text.replace(
      "'../lib/define/index.ts'",
      JSON.stringify(path.join(root, 'lib/define/index.ts')),
    ),
  );
  return dir;
}

describe('skewless plan', () => {
  it('reports no changes for the committed example', () => {
    const out = skewless(['plan'], root);
    expect(out.stdout).toMatch(/^No changes/);
    expect(out.code).toBe(0);
  });

  it('refuses a deployment prefix that gives a derived AWS name AWS would refuse (exit 3)', () => {
    const out = skewless(['plan', '--prefix', 'Prod!'], root);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/derived AWS names \(prefix 'Prod!'\):/);
    expect(out.stderr).toMatch(
      /view 'airport_departures' v1: AWS::KinesisFirehose::DeliveryStream name 'Prod!-airport-departures-v1' does not match/,
    );
  });

  it('refuses a type change without a version bump (exit 3) and accepts it with one', async () => {
    const dir = await copyOfExample();
    const file = path.join(dir, 'feature_defs/flights.ts');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(
        "distance: field.int64({ description: 'Route distance (miles).' })",
        "distance: field.float64({ description: 'Route distance (miles).' })",
      ),
    );
    const breaking = skewless(['plan'], dir);
    expect(breaking.code).toBe(3);
    expect(breaking.stdout).toContain(
      '! ~ feature_view route_flights.distance: type changed from int64 to float64 without a version bump',
    );
    expect(breaking.stderr).toContain('breaking change');
    expect(skewless(['plan', '--apply'], dir).code).toBe(3);

    const bumped = (await readFile(file, 'utf8')).replace(
      "name: 'route_flights',\n  version: 1,",
      "name: 'route_flights',\n  version: 2,",
    );
    await writeFile(file, bumped);
    const ok = skewless(['plan', '--apply'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('version 1 → 2');
    expect(skewless(['plan'], dir).stdout).toMatch(/^No changes/);
  });

  it('names the file, object and rule of an invalid definition (exit 2)', async () => {
    const dir = await copyOfExample();
    const file = path.join(dir, 'feature_defs/flights.ts');
    await writeFile(file, (await readFile(file, 'utf8')).replace("ttl: '1d'", "ttl: '0h'"));
    const out = skewless(['plan'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      `${path.join('feature_defs', 'flights.ts')}: feature view 'route_flights': [ttl]`,
    );
  });

  it('reports each view’s largest online item and refuses one over 400 KB, naming the view', async () => {
    const ok = skewless(['plan'], root);
    expect(ok.stdout).toMatch(
      /airport_delays v1: largest item [\d.]+ KB \(420 tiles, limit 400\.0 KB\); [\d.]+ read units per lookup, \d+ write units per rewrite/,
    );
    const dir = await copyOfExample();
    const file = path.join(dir, 'feature_defs/flights.ts');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        "flights_7d: a.count({ window: '7d' }),\n    late_7d",
        "flights_7d: a.count({ window: '7d' }),\n    flights_30d: a.count({ window: '30d', tile: '1m' }),\n    late_7d",
      ),
    );
    const out = skewless(['plan'], dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain('! airport_delays v1: largest item');
    expect(out.stderr).toMatch(
      /online item over DynamoDB's 400 KB: airport_delays \(\d+ KB, 43620 tiles\)/,
    );
  });
});
