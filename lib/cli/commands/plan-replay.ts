/**
 * `skewless plan --replay DATE`: the day's logged vectors of each service the working
 * definitions change, rebuilt under them and compared with what was served (`lib/skew/replay.ts`).
 * Locally over the data folder, or (`--aws`) over a deployment's log and offline store through
 * Athena; the table is printed and the reports written beside the nightly check's. The caller exits 3 when an output's change crosses its service's thresholds.
 */
import { syncLocalStore } from '../../local/endpoints.ts';
import { runLocalReplay } from '../../local/replay.ts';
import { NoInferenceLogsError, withLocalDuckDB } from '../../local/skew-check.ts';
import { runAwsReplay } from '../../skew/replay-aws.ts';
import { openTarget, withAthenaWorld, type AwsTarget } from '../store-target.ts';
import type { RuntimeRegistry } from '../../registry/compile.ts';
import type { Registry } from '../../registry/types.ts';
import type { ReplayResult } from '../../skew/replay.ts';
import { CliError, EXIT } from '../context.ts';

export interface ReplayOptions {
  readonly data: string;
  readonly replay: string;
  readonly service?: readonly string[];
  /** The deployment instead of the local store (its log and offline store through Athena). */
  readonly aws?: boolean;
  readonly prefix: string;
  readonly region?: string;
  readonly bucket?: string;
  readonly workgroup?: string;
  readonly database?: string;
}

/** The replay against a deployment: Athena reads its log and offline store, S3 keeps the reports. */
async function awsReplay(
  options: ReplayOptions,
  candidate: RuntimeRegistry,
  applied: Registry,
): Promise<ReplayResult> {
  const target = (await openTarget(
    { ...options, progress: false },
    { online: false },
  )) as AwsTarget;
  try {
    return await withLocalDuckDB({}, (duckdb) =>
      withAthenaWorld(target, duckdb, (world) =>
        runAwsReplay(
          { ...world, s3: target.s3, runtime: candidate },
          {
            date: options.replay,
            applied,
            ...(options.service ? { services: options.service } : {}),
          },
        ),
      ),
    );
  } finally {
    target.close();
  }
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
  if (options.aws) return awsReplay({ ...options, replay: date }, candidate, applied);
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
