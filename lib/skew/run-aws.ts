/**
 * The skew check in AWS. The comparison is the same DuckDB core as locally (one implementation
 * of every rule); what changes is where the inputs come from and where the outputs go:
 * - the day's inference log: Firehose objects under `inference-log/dt=<date>/` (JSON lines,
 *   GZIP), downloaded to the Lambda's /tmp;
 * - the rebuild: the export's Athena offline store over the Iceberg tables (injected as `offline`);
 * - reports to S3 `skew-reports/`, alerts to SNS, baselines from S3 `baselines/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import { snsAlertSink, type SnsPublisher } from './alert-sns-aws.ts';
import type { SkewCheckDeps } from './check.ts';
import type { SkewBaseline } from './distribution.ts';
import { runDailySkewCheck, type DailySkewCheckResult } from './run.ts';
import { readS3Baseline, s3ReportStore, type S3Objects } from './s3-aws.ts';
import type { SkewCheckTarget } from './event.ts';

export interface AwsSkewCheckDeps extends SkewCheckDeps {
  readonly s3: S3Objects;
  readonly sns: SnsPublisher;
  readonly bucket: string;
  readonly alertTopicArn: string;
  /** Scratch folder (the Lambda's /tmp). */
  readonly tmpDir: string;
}

/** Downloads the day's inference-log objects; returns how many and the glob DuckDB reads. */
export async function downloadInferenceLogs(
  s3: S3Objects,
  bucket: string,
  date: string,
  dir: string,
): Promise<{ objects: number; glob: string }> {
  await mkdir(dir, { recursive: true });
  const prefix = `${BUCKET_PREFIXES.inferenceLog}dt=${date}/`;
  let token: string | undefined;
  let objects = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      // Firehose writes GZIP objects without an extension: name them so DuckDB decompresses.
      const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
      await writeFile(path.join(dir, `part-${objects}.jsonl${gzip ? '.gz' : ''}`), bytes);
      objects++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, glob: path.join(dir, '*.jsonl*') };
}

export async function runAwsSkewCheck(
  deps: AwsSkewCheckDeps,
  target: SkewCheckTarget,
): Promise<DailySkewCheckResult & { readonly logObjects: number }> {
  const dir = path.join(deps.tmpDir, `inference_log_${target.date}`);
  const { objects, glob } = await downloadInferenceLogs(deps.s3, deps.bucket, target.date, dir);
  if (objects === 0) return { reports: [], alerts: [], skipped: [], logObjects: 0 };
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
      logFiles: [glob],
      baselines,
      ...(target.services ? { services: target.services } : {}),
    },
  );
  return { ...result, logObjects: objects };
}
