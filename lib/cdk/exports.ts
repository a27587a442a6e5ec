/**
 * Exports: the export Lambda, which builds training sets with Athena's point-in-time join and
 * finishes them in DuckDB (request transforms, spine order, baseline), as the CLI does. It reads
 * the offline tables and `spines/`, writes `exports/` (each export under its own prefix), Athena
 * results and promoted `baselines/`, and may create and drop `tmp_*` tables over its spines. Invoked directly
 * (`grantRunExport`): an export outlasts API Gateway's 30 s integration timeout.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EXPORT_DEFAULTS } from './feature-store-defaults.ts';
import { HandlerFunction, type HandlerFunctionDefaults } from './handler-function.ts';
import type { OfflineStore } from './offline-store.ts';
import { EXPORT_QUERY_ACCESS } from './operator-grants.ts';

export interface ExportsProps {
  readonly offlineStore: OfflineStore;
  readonly functionDefaults: HandlerFunctionDefaults;
  /** @default - unreserved (see EXPORT_DEFAULTS) */
  readonly reservedConcurrency?: number;
  /** @default EXPORT_DEFAULTS.timeout */
  readonly timeout?: Duration;
}

export class Exports extends Construct {
  public readonly exporter: HandlerFunction;

  constructor(scope: Construct, id: string, props: ExportsProps) {
    super(scope, id);
    const offline = props.offlineStore;
    this.exporter = new HandlerFunction(this, 'Export', {
      ...props.functionDefaults,
      handler: 'export',
      description: 'Builds point-in-time correct training sets with Athena.',
      environment: offline.queryEnvironment(),
      memorySize: EXPORT_DEFAULTS.memorySize,
      ephemeralStorageMiB: EXPORT_DEFAULTS.ephemeralStorageMiB,
      // DuckDB reads the unloaded rows back, runs the request transforms and writes the file.
      nativeModules: ['@duckdb/node-api'],
      timeout: props.timeout ?? EXPORT_DEFAULTS.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    // The same access as `skewless export --aws` (the one runner, `lib/export/run.ts`).
    offline.grantQuery(this.exporter.role, EXPORT_QUERY_ACCESS);
  }

  /** Lets a principal (a CI role, the CLI user) start exports. */
  public grantRunExport(grantee: iam.IGrantable): iam.Grant {
    return this.exporter.function.grantInvoke(grantee);
  }
}
