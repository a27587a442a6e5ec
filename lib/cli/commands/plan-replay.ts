/**
 * `skewless plan --replay DATE`: the day's logged vectors of each service the working
 * definitions change, rebuilt under them and compared with what was served (`lib/skew/replay.ts`).
 * Locally over the data folder; the table is printed and the reports written beside the nightly
 * check's. The caller exits 3 when an output's change crosses its service's thresholds.
 */
import { syncLocalStore } from '../../local/endpoints.ts';
import { runLocalReplay } from '../../local/replay.ts';
import { NoInferenceLogsError } from '../../local/skew-check.ts';
import type { RuntimeRegistry } from '../../registry/compile.ts';
import type { Registry } from '../../registry/types.ts';
import type { ReplayResult } from '../../skew/replay.ts';
import { CliError, EXIT } from '../context.ts';

export interface ReplayOptions {
  readonly data: string;
  readonly replay: string;
  readonly service?: readonly string[];
}

export async function replayCommand(
  options: ReplayOptions,
  candidate: RuntimeRegistry,
  applied: Registry | undefined,
): Promise<ReplayResult> {
  const date = options.replay;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new CliError(`--replay must be a UTC day YYYY-MM-DD, got '${date}'`, EXIT.usage);
  if (!applied)
    throw new CliError(
      'nothing to replay against: no applied registry (run `skewless plan --apply` first)',
      EXIT.usage,
    );
  await syncLocalStore(options.data); // the day's served vectors logged, pushed records stored
  try {
    return await runLocalReplay({
      dataDir: options.data,
      candidate,
      applied,
      date,
      ...(options.service ? { services: options.service } : {}),
    });
  } catch (error) {
    if (error instanceof NoInferenceLogsError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
