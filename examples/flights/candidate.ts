/**
 * The demo's last step: `skewless plan --replay` of the candidate change shipped with the
 * example (`feature_defs/candidates/late-14d`: `airport_delays.late_7d` counted over 14 days)
 * on the clean served day, so the demo ends by showing what the change would do to the vectors
 * the model was served, before it ships (`lib/skew/replay.ts`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLocalReplay } from '../../lib/local/replay.ts';
import { loadRegistryFromDir } from '../../lib/registry/load.ts';
import type { ReplayResult } from '../../lib/skew/replay.ts';
import type { DemoWorld } from './demo.ts';

/** The candidate's definitions folder (the example's own, one window changed). */
export const CANDIDATE_DEFS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'feature_defs',
  'candidates',
  'late-14d',
);

export interface CandidateReplay {
  readonly date: string;
  readonly defs: string;
  readonly result: ReplayResult;
}

/** Replays the clean day's logged vectors under the candidate (after that day was checked). */
export async function replayCandidate(world: DemoWorld): Promise<CandidateReplay | undefined> {
  const day = world.results.days.find((d) => d.kind === 'clean');
  if (!day) return undefined;
  world.progress.stage(`replay ${day.date} under the candidate ${path.basename(CANDIDATE_DEFS)}`);
  const candidate = await loadRegistryFromDir(CANDIDATE_DEFS);
  const result = await runLocalReplay({
    dataDir: world.dataDir,
    candidate,
    applied: world.runtime.registry,
    date: day.date,
  });
  const changed = result.replays.flatMap((r) => r.outputs.filter((o) => o.matches < o.rows));
  world.progress.done(
    `${result.replays.reduce((n, r) => n + r.sample.checked, 0)} vectors, ${changed.length} output(s) change`,
  );
  return { date: day.date, defs: CANDIDATE_DEFS, result };
}
