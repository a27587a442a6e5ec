/**
 * The export Lambda: `{ service, spineS3Uri, asOf?, timeColumn?, promoteBaseline? }` → a
 * point-in-time training set joined by Athena, with the request transforms applied, in spine
 * order at `exports/<export id>/training.parquet`, its manifest and baseline beside it: the same
 * runner as `skewless export --aws`. Module-scope wiring only; the rules live in `lib/export`.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import * as defs from '#feature-defs';
import { readConfig, required } from '../lib/config.ts';
import { lambdaDuckDBConfigFromEnv, withScratchDuckDB } from '../lib/export/duckdb-session.ts';
import { runExportEvent } from '../lib/export/lambda-aws.ts';
import { registryFromModule } from '../lib/registry/load.ts';
import { SDK_OWN_RETRY } from '../lib/core/retry.ts';

const config = required(readConfig(process.env), 'bucket', 'athenaWorkgroup', 'glueDatabase');
const runtime = registryFromModule(defs);
// Nothing in the export retries these calls itself: the SDK's standard retry is the one layer.
const athena = new AthenaClient(SDK_OWN_RETRY);
const s3 = new S3Client(SDK_OWN_RETRY);

export const handler = middy().handler((event: unknown) =>
  withScratchDuckDB(
    'export',
    ({ duckdb, tmpDir }) =>
      runExportEvent(
        {
          athena,
          s3,
          bucket: config.bucket,
          workgroup: config.athenaWorkgroup,
          glueDatabase: config.glueDatabase,
          runtime,
          clock: Date.now,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          duckdb,
          tmpDir,
        },
        event,
      ),
    lambdaDuckDBConfigFromEnv(process.env),
  ),
);
