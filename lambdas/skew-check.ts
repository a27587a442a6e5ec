/**
 * The skew-check Lambda: run nightly by EventBridge (the UTC day before the event's time), or by
 * hand with `{ "date": "YYYY-MM-DD", "services": [...] }`. Clients and config at module scope;
 * every rule lives in `lib/skew` (the same core as `skewless skew-check`).
 */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import * as definitions from '#feature-defs';
import { readConfig, required } from '../lib/config.ts';
import { SDK_OWN_RETRY, SDK_SINGLE_ATTEMPT } from '../lib/core/retry.ts';
import { HEAL_METRIC } from '../lib/core/metrics.ts';
import { formatHeal, type HealReport } from '../lib/heal/heal.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { skewCheckTarget, type SkewCheckEvent, type SkewCheckTarget } from '../lib/skew/event.ts';
import type { DailySkewCheckResult } from '../lib/skew/run.ts';
import { lambdaDuckDBConfigFromEnv, withScratchDuckDB } from '../lib/export/duckdb-session.ts';
import { athenaOfflineReader } from '../lib/export/offline-athena-aws.ts';
import { runAwsSkewCheck } from '../lib/skew/run-aws.ts';
import { formatShadows } from '../lib/skew/replay-table.ts';
import { formatSummary } from '../lib/skew/summary.ts';

const config = required(
  readConfig(process.env),
  'bucket',
  'athenaWorkgroup',
  'glueDatabase',
  'alertTopicArn',
);
const runtime = registryFromModule(definitions as Record<string, unknown>);
// The heal needs the online table only when some view aggregates a stream.
const onlineTable = runtime.registry.featureViews.some((v) => v.kind === 'aggregation')
  ? required(readConfig(process.env), 'onlineTable', 'prefix')
  : undefined;
const online = onlineTable
  ? dynamoOnlineWriter(new DynamoDBClient(SDK_SINGLE_ATTEMPT), onlineTable.onlineTable)
  : undefined;
// Nothing in the skew check retries these calls itself: the SDK's standard retry is the one layer.
const s3 = new S3Client(SDK_OWN_RETRY);
const sns = new SNSClient(SDK_OWN_RETRY);
const athena = new AthenaClient(SDK_OWN_RETRY);
const logger = new Logger();
const metrics = new Metrics({ namespace: HEAL_METRIC.namespace, serviceName: HEAL_METRIC.service });

export interface SkewCheckResponse {
  readonly date: string;
  readonly services: readonly {
    service: string;
    vectors: number;
    /** Vectors the service logged that day (`vectors` is the sample checked). */
    logged: number;
    /** The service's most severe finding (`skew`, `stale`, `drift`) or `ok`, and every kind found. */
    verdict: string;
    kinds: readonly string[];
    malformedLines: number;
    alert: boolean;
    report?: string;
  }[];
  readonly alerts: number;
  /** The heal of the sampled entities' tiles (when a view aggregates a stream). */
  readonly heal?: Pick<HealReport, 'checked' | 'healed' | 'deferred' | 'failed' | 'causes'>;
}

export const handler = middy(async (event: SkewCheckEvent): Promise<SkewCheckResponse> => {
  const target = skewCheckTarget(event, Date.now());
  const result = await runCheck(target);
  logOutcome(target, result);
  return responseOf(target, result);
});

/** The check in a scratch DuckDB: Athena reads the day's sample and the offline store. */
function runCheck(target: SkewCheckTarget): Promise<DailySkewCheckResult> {
  const runId = `${target.date.replace(/-/g, '')}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  return withScratchDuckDB(
    'skew',
    ({ duckdb, tmpDir }) => {
      const athenaDeps = {
        runtime,
        clock: Date.now,
        bucket: config.bucket,
        s3,
        athena,
        workgroup: config.athenaWorkgroup,
        glueDatabase: config.glueDatabase,
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      };
      return runAwsSkewCheck(
        {
          ...athenaDeps,
          duckdb,
          sns,
          alertTopicArn: config.alertTopicArn,
          tmpDir,
          offline: athenaOfflineReader({
            ...athenaDeps,
            duckdb,
            tmpDir,
            idPrefix: `skew_${runId}`,
          }),
          runId,
          ...(online ? { online } : {}),
        },
        target,
      );
    },
    lambdaDuckDBConfigFromEnv(process.env),
  );
}

/** One log line per report, and the heal's lines and metrics. */
function logOutcome(target: SkewCheckTarget, result: DailySkewCheckResult): void {
  if (result.reports.length === 0)
    logger.warn('no inference logs for the day', { date: target.date });
  for (const report of result.reports) logger.info(formatSummary(report));
  if (result.shadows.length > 0) logger.info(formatShadows(result.shadows, target.date));
  for (const s of result.skipped) logger.warn('service not in the deployed registry', { ...s });
  if (!result.heal || !onlineTable) return;
  for (const line of formatHeal(result.heal)) logger.info(line);
  // One single metric each: a single metric is flushed as its value is added.
  for (const [name, value] of [
    [HEAL_METRIC.healed, result.heal.healed],
    [HEAL_METRIC.deferred, result.heal.deferred],
  ] as const) {
    const single = metrics.singleMetric();
    single.addDimensions({ [HEAL_METRIC.dimensions.prefix]: onlineTable.prefix });
    single.addMetric(name, MetricUnit.Count, value);
  }
}

function responseOf(target: SkewCheckTarget, result: DailySkewCheckResult): SkewCheckResponse {
  return {
    date: target.date,
    services: result.reports.map((r) => ({
      service: r.service,
      vectors: r.vectors,
      logged: r.sample.logged,
      verdict: r.verdict,
      kinds: r.kinds,
      malformedLines: r.malformed.count,
      alert: r.alert,
      ...(r.reportLocation ? { report: r.reportLocation } : {}),
    })),
    alerts: result.alerts.length,
    ...(result.heal
      ? {
          heal: {
            checked: result.heal.checked,
            healed: result.heal.healed,
            deferred: result.heal.deferred,
            failed: result.heal.failed,
            causes: result.heal.causes,
          },
        }
      : {}),
  };
}
