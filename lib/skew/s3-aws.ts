/**
 * S3 adapters of the skew check: reports under `skew-reports/<date>/<service>.html|json` and the
 * training baselines under `baselines/<service>.baseline.json` (the baseline a service's model
 * was trained on: the training pipeline copies its export's `<out>.baseline.json` there).
 * The client is injected, typed structurally so tests pass a mocked `S3Client`.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BUCKET_PREFIXES, baselineKey } from '../core/naming.ts';

export { baselineKey };
import { parseBaseline } from './baseline.ts';
import type { SkewBaseline } from './distribution.ts';
import type { ReportStore } from './run.ts';

/** The one method of an `S3Client` the adapters use (a mocked client fits). */
export type S3Objects = Pick<S3Client, 'send'>;

export function s3ReportStore(s3: S3Objects, bucket: string): ReportStore {
  const key = (relativePath: string) => `${BUCKET_PREFIXES.skewReports}${relativePath}`;
  return {
    locate: (relativePath) => `s3://${bucket}/${key(relativePath)}`,
    async write(relativePath, body, contentType) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(relativePath),
          Body: body,
          ContentType: contentType,
        }),
      );
    },
  };
}

/** Reads a service's baseline; undefined when there is none (PSI/KS are then not computed). */
export async function readS3Baseline(
  s3: S3Objects,
  bucket: string,
  service: string,
): Promise<SkewBaseline | undefined> {
  let text: string;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: baselineKey(service) }));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
  return parseBaseline(JSON.parse(text), `s3://${bucket}/${baselineKey(service)}`).baseline;
}
