/**
 * The export Lambda's core: a spine already in S3 (Parquet that carries `_sk_row`, as
 * `skewless export --aws` uploads it) → validated against the service from its Parquet schema
 * → copied under the export's spine prefix → Athena UNLOAD → manifest. Athena cannot run the
 * TypeScript transforms; the manifest lists them as pending and the CLI applies them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { z } from 'zod';
import { parseInstant } from '../core/values.ts';
import { ValidationError } from '../core/errors.ts';
import { getService } from '../registry/query.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { parseS3Uri } from './athena-sql.ts';
import { exportPrefixes, runAthenaExport, type AthenaExportDeps } from './athena-aws.ts';
import { SpineError } from './errors.ts';
import { newExportId } from './export-id.ts';
import { defaultTimeColumn, spineProblems, type SpineColumn } from './spine.ts';

export const exportEventSchema = z.object({
  service: z.string().min(1),
  spineS3Uri: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'an s3://bucket/key URI'),
  asOf: z.string().optional(),
  timeColumn: z.string().min(1).optional(),
});
export type ExportEvent = z.infer<typeof exportEventSchema>;

export interface ExportLambdaResult {
  readonly exportId: string;
  readonly queryId: string;
  readonly bytesScanned: number;
  readonly files: readonly string[];
  readonly manifestUri: string;
  readonly rows: number;
  readonly transformsPending: readonly string[];
}

/** The DuckDB-style type of one flat Parquet column (what `spineProblems` checks). */
export function parquetColumnType(element: SchemaElement): string {
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  if (
    logical === 'TIMESTAMP' ||
    converted === 'TIMESTAMP_MICROS' ||
    converted === 'TIMESTAMP_MILLIS'
  )
    return 'TIMESTAMP';
  if (element.type === 'INT96') return 'TIMESTAMP';
  if (logical === 'DATE' || converted === 'DATE') return 'DATE';
  if (element.type === 'BYTE_ARRAY' && (logical === 'STRING' || converted === 'UTF8'))
    return 'VARCHAR';
  switch (element.type) {
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'INT32':
      return 'INTEGER';
    case 'INT64':
      return 'BIGINT';
    case 'FLOAT':
      return 'FLOAT';
    case 'DOUBLE':
      return 'DOUBLE';
    default:
      return `PARQUET ${element.type ?? 'GROUP'}`;
  }
}

/** Top-level columns and row count of a flat Parquet file. */
export function parquetSpineColumns(bytes: Uint8Array): { columns: SpineColumn[]; rows: number } {
  const buffer = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  const [, ...elements] = metadata.schema;
  const columns: SpineColumn[] = [];
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i]!;
    columns.push({
      name: element.name,
      type: element.num_children ? 'NESTED' : parquetColumnType(element),
    });
    i += element.num_children ?? 0; // flat spines only: skip a nested column's children
  }
  return { columns, rows: Number(metadata.num_rows) };
}

export async function runExportEvent(
  deps: AthenaExportDeps,
  rawEvent: unknown,
  random: () => string = () => randomBytes(3).toString('hex'),
): Promise<ExportLambdaResult> {
  const parsed = exportEventSchema.safeParse(rawEvent);
  if (!parsed.success)
    throw new ValidationError(
      `invalid export event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'event',
    );
  const event = parsed.data;
  const service = getService(deps.runtime.registry, event.service);
  const asOf = event.asOf === undefined ? deps.clock() : parseInstant(event.asOf);
  if (asOf === undefined)
    throw new ValidationError(`asOf '${event.asOf}' is not a UTC instant`, 'asOf');

  const source = parseS3Uri(event.spineS3Uri);
  const object = await deps.s3.send(
    new GetObjectCommand({ Bucket: source.bucket, Key: source.key }),
  );
  const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  let columns: SpineColumn[];
  let rows: number;
  try {
    ({ columns, rows } = parquetSpineColumns(bytes));
  } catch (error) {
    throw new SpineError([`not a Parquet file: ${(error as Error).message}`], event.spineS3Uri);
  }
  const timeColumn = event.timeColumn ?? defaultTimeColumn(columns) ?? 'event_time';
  const problems = spineProblems(service, columns, { timeColumn });
  if (!columns.some((c) => c.name === SPINE_ROW_COLUMN))
    problems.push(
      `missing '${SPINE_ROW_COLUMN}' (the spine row number, from 0): add it, or export with \`skewless export --aws\`, which does`,
    );
  if (problems.length > 0) throw new SpineError(problems, event.spineS3Uri);

  const exportId = newExportId(service.name, deps.clock(), random());
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: `${exportPrefixes(exportId).spine}spine.parquet`,
      Body: bytes,
    }),
  );
  const result = await runAthenaExport(deps, {
    service: service.name,
    exportId,
    spineColumns: columns,
    spineSource: event.spineS3Uri,
    spineSha256: createHash('sha256').update(bytes).digest('hex'),
    spineRows: rows,
    timeColumn,
    asOf,
  });
  return {
    exportId,
    queryId: result.queryId,
    bytesScanned: result.bytesScanned,
    files: result.files,
    manifestUri: result.manifestUri,
    rows,
    transformsPending: result.manifest.transformsPending,
  };
}
