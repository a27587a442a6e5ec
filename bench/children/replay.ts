/**
 * One timed replay in its own process, so its peak memory is its own: `tsx
 * bench/children/replay.ts <request.json>` runs `runLocalReplay` of a candidate definitions
 * folder over a prepared data folder served under the example, and prints one JSON line.
 */
import { readFile } from 'node:fs/promises';
import * as definitions from '../../feature_defs/index.ts';
import { runLocalReplay } from '../../lib/local/replay.ts';
import { loadRegistryFromDir, registryFromModule } from '../../lib/registry/load.ts';
import { withSample } from '../parts/with-sample.ts';

export interface ReplayChildRequest {
  readonly dataDir: string;
  readonly date: string;
  readonly service: string;
  /** The candidate's definitions folder. */
  readonly candidate: string;
  readonly duckdbConfig: Record<string, string>;
  readonly sample?: { readonly rate: number; readonly maxVectorsPerDay: number };
}

const request = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as ReplayChildRequest;
const applied = registryFromModule(definitions as Record<string, unknown>).registry;
const candidate = withSample(
  await loadRegistryFromDir(request.candidate),
  request.service,
  request.sample,
);
const start = Date.now();
const result = await runLocalReplay({
  dataDir: request.dataDir,
  duckdbConfig: request.duckdbConfig,
  candidate,
  applied,
  date: request.date,
});
const seconds = (Date.now() - start) / 1000;
const replay = result.replays.find((r) => r.service === request.service);
console.log(
  JSON.stringify({
    seconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    vectors: replay?.sample.checked ?? 0,
    timings: replay?.report.timings ?? {},
    changed: replay?.changes ?? [],
    crossed: replay?.crossed ?? false,
    replayed: result.replays.map((r) => r.service),
    outputs: (replay?.outputs ?? [])
      .filter((o) => o.matches < o.rows)
      .map((o) => ({ output: o.output, matchRate: o.matchRate, psi: o.distribution?.psi ?? null })),
  }),
);
