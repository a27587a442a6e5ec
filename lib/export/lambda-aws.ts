/**
 * The export Lambda's core: a spine in S3 (CSV or Parquet; `_sk_row` optional, else rows are
 * numbered in file order) → downloaded to /tmp → the same export runner as the CLI (`run.ts`)
 * with Athena as the offline store: the request transforms applied, one training Parquet in
 * spine order at `exports/<id>/training.parquet`, its manifest and its baseline beside it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { parseInstant } from '../core/values.ts';
import { ValidationError } from '../core/errors.ts';
import { getService } from '../registry/query.ts';
import { exportPrefixes, type AthenaExportDeps } from './athena-aws.ts';
import { parseS3Uri } from './athena-sql.ts';
import { newExportId } from './export-id.ts';
import type { OutputSummary } from './manifest.ts';
import { athenaOfflineReader } from './offline-athena-aws.ts';
import { runExport } from './run.ts';

export const exportEventSchema = z.object({
  service: z.string().min(1),
  spineS3Uri: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'an s3://bucket/key URI'),
  asOf: z.string().optional(),
  timeColumn: z.string().min(1).optional(),
  /** Make this export's baseline the one the nightly skew check compares against. */
  promoteBaseline: z.boolean().optional(),
});
export type ExportEvent = z.infer<typeof exportEventSchema>;

export interface ExportLambdaResult {
  readonly exportId: string;
  readonly queryId: string;
  readonly bytesScanned: number;
  readonly rows: number;
  /** The training set: `s3://<bucket>/exports/<id>/training.parquet`, in spine order. */
  readonly out: string;
  readonly manifestUri: string;
  readonly baselineUri: string;
  readonly outputs: readonly OutputSummary[];
}

export interface ExportLambdaDeps extends AthenaExportDeps {
  readonly duckdb: DuckDBConnection;
  /** The Lambda's scratch folder (/tmp): the spine, the unloaded files, the training file. */
  readonly tmpDir: string;
}

export function parseExportEvent(
  rawEvent: unknown,
  now: number,
): ExportEvent & { readonly asOfMs: number } {
  const parsed = exportEventSchema.safeParse(rawEvent);
  if (!parsed.success)
    throw new ValidationError(
      `invalid export event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'event',
    );
  const event = parsed.data;
  const asOfMs = event.asOf === undefined ? now : parseInstant(event.asOf);
  if (asOfMs === undefined)
    throw new ValidationError(`asOf '${event.asOf}' is not a UTC instant`, 'asOf');
  return { ...event, asOfMs };
}

export async function runExportEvent(
  deps: ExportLambdaDeps,
  rawEvent: unknown,
  random: () => string = () => randomBytes(3).toString('hex'),
): Promise<ExportLambdaResult> {
  const event = parseExportEvent(rawEvent, deps.clock());
  const service = getService(deps.runtime.registry, event.service);
  const spineFile = await downloadSpine(deps, event.spineS3Uri);
  const exportId = newExportId(service.name, deps.clock(), random());
  const prefixes = exportPrefixes(exportId);
  const s3uri = (key: string) => `s3://${deps.bucket}/${key}`;
  const sidecars = { manifest: s3uri(prefixes.manifest), baseline: s3uri(prefixes.baseline) };
  const summary = await runExport(
    { ...deps, store: athenaOfflineReader(deps) },
    {
      spineFile,
      spineSource: event.spineS3Uri,
      service: service.name,
      out: s3uri(prefixes.training),
      sidecars,
      asOf: event.asOfMs,
      ...(event.timeColumn ? { timeColumn: event.timeColumn } : {}),
      exportId,
      promoteBaseline: event.promoteBaseline === true,
    },
  );
  return {
    exportId,
    queryId: summary.queryId ?? '',
    bytesScanned: summary.bytesScanned ?? 0,
    rows: summary.rows,
    out: summary.out,
    manifestUri: sidecars.manifest,
    baselineUri: sidecars.baseline,
    outputs: summary.outputs,
  };
}

/** The event's spine into the scratch folder, named so its format reads from the extension. */
async function downloadSpine(deps: ExportLambdaDeps, uri: string): Promise<string> {
  const source = parseS3Uri(uri);
  const object = await deps.s3.send(
    new GetObjectCommand({ Bucket: source.bucket, Key: source.key }),
  );
  const csv = /\.(csv|tsv|txt)$/i.test(source.key);
  const dir = await mkdtemp(path.join(deps.tmpDir, 'spine-'));
  const file = path.join(dir, csv ? 'spine.csv' : 'spine.parquet');
  await writeFile(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
  return file;
}
