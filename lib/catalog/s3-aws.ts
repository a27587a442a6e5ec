/**
 * The catalog in the store's bucket: the nightly run reads each service's last 30 skew reports
 * from `skew-reports/` and writes the rendered pages under `catalog/`; `skewless ui --aws` serves
 * both prefixes from the bucket on the user's machine (no public endpoint). The S3 client is
 * injected, typed structurally so tests pass a mocked client or the repo's S3 stand-in.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import { listObjectKeys } from '../export/athena-aws.ts';
import type { S3Objects } from '../skew/s3-aws.ts';
import { parseReport, reportFilesToRead, type CatalogReport } from './nightly.ts';
import type { CatalogSource, ServedFile } from './server.ts';
import type { CatalogFile } from './site.ts';

export interface CatalogBucket {
  readonly s3: S3Objects;
  readonly bucket: string;
}

/** An object's bytes and type; undefined when there is no such key. */
async function getObject(deps: CatalogBucket, key: string): Promise<ServedFile | undefined> {
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    return {
      body: (await out.Body?.transformToByteArray()) ?? new Uint8Array(),
      contentType: out.ContentType ?? 'application/octet-stream',
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Each service's last 30 reports in the bucket (a document this version cannot read is skipped). */
export async function readS3Reports(deps: CatalogBucket): Promise<CatalogReport[]> {
  const prefix = BUCKET_PREFIXES.skewReports;
  const keys = await listObjectKeys(deps, prefix);
  const reports: CatalogReport[] = [];
  for (const rel of reportFilesToRead(keys.map((k) => k.slice(prefix.length)))) {
    const object = await getObject(deps, prefix + rel);
    const parsed = object && parseReport(new TextDecoder().decode(object.body as Uint8Array), rel);
    if (parsed) reports.push(parsed);
  }
  return reports;
}

/** Writes every page under `catalog/` (a page no longer rendered keeps its last version). */
export async function publishCatalog(
  deps: CatalogBucket,
  files: readonly CatalogFile[],
): Promise<void> {
  for (const file of files) {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: BUCKET_PREFIXES.catalog + file.path,
        Body: file.body,
        ContentType: file.contentType,
      }),
    );
  }
}

/** What `skewless ui --aws` serves: the two prefixes of the bucket, read-only. */
export function s3CatalogSource(deps: CatalogBucket): CatalogSource {
  return {
    catalogFile: (p) => getObject(deps, BUCKET_PREFIXES.catalog + p),
    reportFile: (p) => getObject(deps, BUCKET_PREFIXES.skewReports + p),
  };
}
