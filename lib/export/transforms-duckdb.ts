/**
 * Request transforms over exported rows: the very function the lookup runs (`applyTransforms`),
 * fed each row's resolved features and its request fields (spine columns of the same name).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeatureValue } from '../define/dtypes.ts';
import { parseRequestFields, applyTransforms } from '../core/transforms.ts';
import { ValidationError } from '../core/errors.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { RegistryService } from '../registry/types.ts';
import { duckdbType } from '../core/columns.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import { SPINE_ROW_COLUMN } from '../sql/plan.ts';
import { appendFeatureValue, fromDuckdbValue } from './duckdb-values.ts';
import { describeRelation } from './spine.ts';

/** Rows read and written per round trip (bounds memory on large exports). */
const BATCH = 50_000;

/** The transform outputs of the service (after its stored features). */
export function transformOutputs(service: RegistryService): RegistryService['outputs'] {
  const stored = new Set(service.features.map((f) => f.output));
  return service.outputs.filter((o) => !stored.has(o.name));
}

/**
 * Runs the service's transforms over `table` (which has `_sk_row`, the feature outputs and any
 * request-field columns) into the temp table `into`: `(_sk_row, transform outputs...)`.
 */
export async function applyTransformsToTable(
  duckdb: DuckDBConnection,
  runtime: RuntimeRegistry,
  service: RegistryService,
  table: string,
  into: string,
  onProgress?: (done: number) => void,
): Promise<void> {
  const outputs = transformOutputs(service);
  const present = new Set((await describeRelation(duckdb, table)).map((c) => c.name));
  const requests = service.request.filter((r) => present.has(r.name));
  const inputs = service.features;
  await duckdb.run(
    `CREATE OR REPLACE TEMP TABLE ${q(into)} (${[
      `${q(SPINE_ROW_COLUMN)} BIGINT`,
      ...outputs.map((o) => `${q(o.name)} ${duckdbType(o.dtype)}`),
    ].join(', ')})`,
  );
  const select = [
    q(SPINE_ROW_COLUMN),
    ...inputs.map((f) => q(f.output)),
    ...requests.map((r) => q(r.name)),
  ].join(', ');
  const appender = await duckdb.createAppender(into);
  try {
    let done = 0;
    let after: bigint | null = null;
    for (;;) {
      // Keyset pages: each page is a range scan, not a re-sort of the whole table.
      const reader = await duckdb.runAndReadAll(
        `SELECT ${select} FROM ${table}${after === null ? '' : ` WHERE ${q(SPINE_ROW_COLUMN)} > ${String(after)}`} ORDER BY ${q(SPINE_ROW_COLUMN)} LIMIT ${BATCH}`,
      );
      const rows = reader.getRowObjectsJS();
      for (const row of rows) {
        const rowNumber = row[SPINE_ROW_COLUMN];
        const where = `spine row ${String(rowNumber)}`;
        const features: Record<string, FeatureValue> = {};
        for (const f of inputs)
          features[f.output] = fromDuckdbValue(
            f.dtype,
            row[f.output] ?? null,
            `${where}: ${f.output}`,
          );
        const rawRequest: Record<string, unknown> = {};
        for (const r of requests)
          rawRequest[r.name] = fromDuckdbValue(r.dtype, row[r.name] ?? null, `${where}: ${r.name}`);
        let result: Record<string, FeatureValue>;
        try {
          result = applyTransforms(
            runtime,
            service,
            features,
            parseRequestFields(service, rawRequest),
          );
        } catch (error) {
          throw new ValidationError(`${where}: ${(error as Error).message}`, SPINE_ROW_COLUMN, {
            cause: error,
          });
        }
        after = BigInt(rowNumber as bigint | number);
        appender.appendBigInt(after);
        for (const o of outputs) appendFeatureValue(appender, o.dtype, result[o.name] ?? null);
        appender.endRow();
      }
      done += rows.length;
      onProgress?.(done);
      if (rows.length < BATCH) break;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
