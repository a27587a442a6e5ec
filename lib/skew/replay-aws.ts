/**
 * The replay against a deployment (`skewless plan --replay DATE --aws`): the day's counts and
 * sample from the inference log's Iceberg table through Athena (`day-log-athena.ts`, as the
 * nightly Lambda reads them), the rebuild through the export's Athena offline store (a new view
 * version's records from the applied version's table, as locally: `recordsFromApplied`), the reports
 * to S3 `skew-reports/replay/<date>/`. The comparison is the same DuckDB core (`replay.ts`).
 */
import type { Registry } from '../registry/types.ts';
import { athenaOfflineReader } from '../export/offline-athena-aws.ts';
import { athenaDayLog, type AthenaDayLogDeps } from './day-log-athena.ts';
import { replayDay, type ReplayResult } from './replay.ts';
import { s3ReportStore, type S3Objects } from './s3-aws.ts';
import { recordsFromApplied } from './versions.ts';

export interface AwsReplayDeps extends Omit<AthenaDayLogDeps, 's3'> {
  readonly s3: S3Objects & AthenaDayLogDeps['s3'];
}

export function runAwsReplay(
  deps: AwsReplayDeps,
  request: {
    readonly date: string;
    readonly applied: Registry;
    readonly services?: readonly string[];
  },
): Promise<ReplayResult> {
  return replayDay(
    {
      ...deps,
      knownRegistries: [request.applied],
      offline: athenaOfflineReader({
        ...deps,
        idPrefix: `replay_${deps.runId}`,
        eventsFrom: recordsFromApplied(request.applied, deps.runtime.registry),
      }),
      reports: s3ReportStore(deps.s3, deps.bucket),
    },
    {
      date: request.date,
      log: athenaDayLog(deps, request.date),
      applied: request.applied,
      ...(request.services ? { services: request.services } : {}),
    },
  );
}
