/**
 * The skew check in AWS. The comparison is the same DuckDB core as locally (one implementation
 * of every rule); what changes is where the inputs come from and where the outputs go:
 * - the day's inference log: Athena counts the day in the Iceberg table and UNLOADs each
 *   service's sample, which the Lambda downloads to /tmp (`./day-log-athena.ts`);
 * - the rebuild: the export's Athena offline store over the Iceberg tables (injected as `offline`);
 * - reports to S3 `skew-reports/`, alerts to SNS, baselines from S3 `baselines/`;
 * - then the feature catalog's pages, from the registry and each service's last 30 reports, to
 *   S3 `catalog/` (`lib/catalog/`), where `skewless ui --aws` serves them from.
 */
import { snsAlertSink, type SnsPublisher } from './alert-sns-aws.ts';
import type { SkewCheckDeps } from './check.ts';
import { athenaDayLog, type AthenaDayLogDeps } from './day-log-athena.ts';
import type { SkewBaseline } from './distribution.ts';
import { runDailySkewCheck, type DailySkewCheckResult } from './run.ts';
import { readS3Baseline, s3ReportStore, type S3Objects } from './s3-aws.ts';
import type { SkewCheckTarget } from './event.ts';
import { publishCatalog, readS3Reports } from '../catalog/s3-aws.ts';
import { renderCatalog } from '../catalog/site.ts';

export interface AwsSkewCheckDeps extends SkewCheckDeps, Omit<AthenaDayLogDeps, 's3'> {
  readonly s3: S3Objects & AthenaDayLogDeps['s3'];
  readonly sns: SnsPublisher;
  readonly alertTopicArn: string;
}

export async function runAwsSkewCheck(
  deps: AwsSkewCheckDeps,
  target: SkewCheckTarget,
): Promise<DailySkewCheckResult> {
  const services = target.services ?? deps.runtime.registry.featureServices.map((s) => s.name);
  const baselines = new Map<string, SkewBaseline>();
  for (const service of services) {
    const baseline = await readS3Baseline(deps.s3, deps.bucket, service);
    if (baseline) baselines.set(service, baseline);
  }
  const result = await runDailySkewCheck(
    {
      ...deps,
      reports: s3ReportStore(deps.s3, deps.bucket),
      alerts: snsAlertSink(deps.sns, deps.alertTopicArn),
    },
    {
      date: target.date,
      log: athenaDayLog(deps, target.date),
      baselines,
      ...(target.services ? { services: target.services } : {}),
    },
  );
  await publishAwsCatalog(deps);
  return result;
}

/** Renders the catalog from the deployed registry and the reports in the bucket, and writes it. */
export async function publishAwsCatalog(
  deps: Pick<AwsSkewCheckDeps, 's3' | 'bucket' | 'runtime' | 'clock'>,
): Promise<number> {
  const files = renderCatalog({
    registry: deps.runtime.registry,
    reports: await readS3Reports(deps),
    // The deployed registry is the applied one: nothing is pending here.
    plan: null,
    generatedAt: new Date(deps.clock()).toISOString(),
  });
  await publishCatalog(deps, files);
  return files.length;
}
