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
import { BUCKET_PREFIXES } from '../core/naming.ts';
import { EXPORT_DEFAULTS } from './feature-store-defaults.ts';
import { HandlerFunction, type HandlerFunctionDefaults } from './handler-function.ts';
import type { OfflineStore } from './offline-store.ts';

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
    // Reads the caller's spine under `spines/` and the files its UNLOAD wrote under
    // `exports/`; writes the numbered spine, the training set with its manifest and baseline
    // (`exports/<id>/`) and, when asked to promote it, the skew check's baseline (`baselines/`).
    offline.grantQuery(this.exporter.role, {
      read: [BUCKET_PREFIXES.spines],
      write: [BUCKET_PREFIXES.exports, BUCKET_PREFIXES.spines, BUCKET_PREFIXES.baselines],
    });
  }

  /** Lets a principal (a CI role, the CLI user) start exports. */
  public grantRunExport(grantee: iam.IGrantable): iam.Grant {
    return this.exporter.function.grantInvoke(grantee);
  }
}
