/**
 * A forget request against the local store: the running store's DynamoDB (dynalite) for the
 * tombstones and online items, the data folder for everything else. `settle` is the running
 * store's sync (its streams drained, its offline buffer and log written), so every record it
 * accepted before the tombstones is on disk before the rewrite.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Registry } from '../registry/types.ts';
import { exportPlace } from './exports.ts';
import {
  localAuditBlobs,
  localDeadLetterPlace,
  localExportFiles,
  localLogPlace,
  localOfflinePlace,
} from './local.ts';
import { dynamoForgetStore } from './online-aws.ts';
import type { ForgetDeps } from './run.ts';

export const LOCAL_PHYSICAL_REMOVAL =
  'local files rewritten in place when the command returned: no snapshot or old file keeps the rows';

export function localForgetDeps(options: {
  readonly registry: Registry;
  readonly dataDir: string;
  readonly duckdb: DuckDBConnection;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly onlineTable: string;
  readonly settle: () => Promise<unknown>;
  readonly clock?: () => number;
}): ForgetDeps {
  const { registry, dataDir, duckdb } = options;
  return {
    registry,
    online: dynamoForgetStore(options.dynamodb, options.onlineTable),
    places: [
      localOfflinePlace(duckdb, dataDir, registry),
      localLogPlace(duckdb, dataDir),
      localDeadLetterPlace(dataDir),
    ],
    exports: exportPlace(duckdb, localExportFiles(dataDir), registry),
    audit: localAuditBlobs(dataDir),
    settle: async () => {
      await options.settle();
    },
    clock: options.clock ?? Date.now,
    physicalRemoval: { afterMs: 0, how: LOCAL_PHYSICAL_REMOVAL },
  };
}
