/**
 * The CLI's AWS export: the spine file is read and numbered locally (DuckDB), uploaded as
 * Parquet, joined in Athena (`athena-aws.ts`), and the unloaded files come back to be put in
 * spine order with the request transforms applied — the same function as the lookup — into one
 * Parquet file (local, or uploaded to an `s3://` `--out`), with the manifest and the baseline.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getService } from '../registry/query.ts';
import { baselineKey } from '../core/naming.ts';
import { quoteIdentifier as q, stringLiteral } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { parseS3Uri } from './athena-sql.ts';
import { exportPrefixes, runAthenaExport, type AthenaExportDeps } from './athena-aws.ts';
import { buildBaseline } from './baseline.ts';
import { sha256File, summarizeOutputs, type ExportSummary } from './manifest.ts';
import { materializeSpine, validateSpine } from './spine.ts';
import { chooseTimeColumn, loadSpineFile } from './spine-file.ts';
import { applyTransformsToTable, transformOutputs } from './transforms-duckdb.ts';
import { sidecarPaths } from './export-local.ts';

export interface AwsExportRequest {
  readonly spineFile: string;
  readonly service: string;
  /** A local file or an `s3://bucket/key.parquet` URI. */
  readonly out: string;
  readonly asOf?: number;
  readonly timeColumn?: string;
  readonly exportId: string;
  /** Also make this export's baseline the one the nightly skew check compares against. */
  readonly promoteBaseline?: boolean;
}

export interface AwsExportDeps extends AthenaExportDeps {
  readonly duckdb: DuckDBConnection;
  readonly onProgress?: (
    stage: 'spine' | 'upload' | 'athena' | 'download' | 'transforms' | 'write',
    done: number,
  ) => void;
}

export async function runAwsExport(
  deps: AwsExportDeps,
  request: AwsExportRequest,
): Promise<ExportSummary> {
  const { duckdb, runtime } = deps;
  const started = deps.clock();
  const service = getService(runtime.registry, request.service);
  const asOf = request.asOf ?? started;
  const prefixes = exportPrefixes(request.exportId);
  const work = await mkdtemp(path.join(os.tmpdir(), 'skewless-export-'));
  try {
    // 1. The spine, validated and numbered, as Parquet in the export's spine prefix.
    const columns = await loadSpineFile(duckdb, request.spineFile, '_sk_aws_spine');
    const timeColumn = chooseTimeColumn(columns, request.timeColumn, request.spineFile);
    await validateSpine(duckdb, q('_sk_aws_spine'), service, {
      timeColumn,
      label: request.spineFile,
    });
    const spine = await materializeSpine(duckdb, q('_sk_aws_spine'), columns);
    const spineParquet = path.join(work, 'spine.parquet');
    await duckdb.run(
      `COPY (SELECT * FROM ${spine.relation} ORDER BY ${q(SPINE_ROW_COLUMN)}) TO ${stringLiteral(spineParquet)} (FORMAT PARQUET)`,
    );
    const spineColumns = [
      ...columns.filter((c) => c.name !== SPINE_ROW_COLUMN),
      { name: SPINE_ROW_COLUMN, type: 'BIGINT' },
    ];
    const spineRows = Number(
      (await duckdb.runAndReadAll(`SELECT count(*) FROM ${spine.relation}`)).getRows()[0]?.[0] ?? 0,
    );
    await spine.drop();
    deps.onProgress?.('spine', spineRows);
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: `${prefixes.spine}spine.parquet`,
        Body: await readFile(spineParquet),
      }),
    );
    deps.onProgress?.('upload', spineRows);

    // 2. Athena.
    const result = await runAthenaExport(deps, {
      service: service.name,
      exportId: request.exportId,
      spineColumns,
      spineSource: path.resolve(request.spineFile),
      spineSha256: await sha256File(request.spineFile),
      spineRows,
      timeColumn,
      asOf,
    });
    deps.onProgress?.('athena', spineRows);

    // 3. Back here: download, transforms, spine order.
    const local: string[] = [];
    for (const [i, uri] of result.files.entries()) {
      const { bucket, key } = parseS3Uri(uri);
      const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const file = path.join(work, `part-${i}.parquet`);
      await writeFile(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
      local.push(file);
    }
    deps.onProgress?.('download', spineRows);
    const rowsTable = '_sk_aws_rows';
    await duckdb.run(
      `CREATE OR REPLACE TABLE ${q(rowsTable)} AS SELECT * FROM read_parquet([${local.map(stringLiteral).join(', ')}])`,
    );
    const extra = transformOutputs(service);
    let finalTable = rowsTable;
    if (extra.length > 0) {
      await applyTransformsToTable(duckdb, runtime, service, q(rowsTable), '_sk_aws_tx', (done) =>
        deps.onProgress?.('transforms', done),
      );
      finalTable = '_sk_aws_final';
      await duckdb.run(
        `CREATE OR REPLACE TABLE ${q(finalTable)} AS SELECT r.*, ${extra.map((o) => `x.${q(o.name)}`).join(', ')} FROM ${q(rowsTable)} AS r LEFT JOIN ${q('_sk_aws_tx')} AS x ON x.${q(SPINE_ROW_COLUMN)} = r.${q(SPINE_ROW_COLUMN)}`,
      );
    }
    const keep = [...spineColumns.map((c) => c.name), ...service.outputs.map((o) => o.name)];
    const outFile = request.out.startsWith('s3://') ? path.join(work, 'out.parquet') : request.out;
    await duckdb.run(
      `COPY (SELECT ${keep.map(q).join(', ')} FROM ${q(finalTable)} ORDER BY ${q(SPINE_ROW_COLUMN)}) TO ${stringLiteral(outFile)} (FORMAT PARQUET)`,
    );
    const rows = Number(
      (await duckdb.runAndReadAll(`SELECT count(*) FROM ${q(finalTable)}`)).getRows()[0]?.[0] ?? 0,
    );
    const outputs = await summarizeOutputs(duckdb, finalTable, service, true);
    const baseline = await buildBaseline(duckdb, finalTable, service, {
      registryHash: runtime.registry.hash,
      exportId: request.exportId,
    });
    // The transforms are applied in the file the user gets: the manifest beside it says so.
    const manifest = { ...result.manifest, transformsPending: [], files: [request.out], rows };
    const sidecars = sidecarPaths(request.out);
    const baselineText = `${JSON.stringify(baseline, null, 2)}\n`;
    const manifestText = `${JSON.stringify({ ...manifest, unloaded: result.files }, null, 2)}\n`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: prefixes.baseline,
        Body: baselineText,
        ContentType: 'application/json',
      }),
    );
    if (request.promoteBaseline) {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: baselineKey(service.name),
          Body: baselineText,
          ContentType: 'application/json',
        }),
      );
    }
    if (request.out.startsWith('s3://')) {
      const put = async (uri: string, body: string | Buffer, type: string) => {
        const { bucket, key } = parseS3Uri(uri);
        await deps.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: type }),
        );
      };
      await put(request.out, await readFile(outFile), 'application/vnd.apache.parquet');
      await put(sidecars.manifest, manifestText, 'application/json');
      await put(sidecars.baseline, baselineText, 'application/json');
    } else {
      await writeFile(sidecars.manifest, manifestText);
      await writeFile(sidecars.baseline, baselineText);
    }
    deps.onProgress?.('write', rows);
    for (const t of [rowsTable, '_sk_aws_tx', '_sk_aws_final', '_sk_aws_spine'])
      await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
    return {
      exportId: request.exportId,
      rows,
      features: service.outputs.length,
      outputs,
      elapsedMs: deps.clock() - started,
      out: request.out,
      ...sidecars,
      queryId: result.queryId,
      bytesScanned: result.bytesScanned,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
