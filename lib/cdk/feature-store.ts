/**
 * `FeatureStore`: every AWS resource of a skewless deployment, derived from the compiled
 * registry. Adding a feature view to the definitions adds its Iceberg table, its Firehose
 * stream, its stream (for a new source), its alarms and the matching permissions, with no
 * other code change.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors.ts';
import { INFERENCE_LOG_TABLE, type ResourceNames } from '../core/naming.ts';
import type { Registry } from '../registry/types.ts';
import { resolveDefinitionsModule } from './definitions-module.ts';
import type { HandlerFunctionDefaults } from './handler-function.ts';
import { Exports } from './exports.ts';
import {
  MONITORING_DEFAULTS,
  SECURE_DEFAULTS,
  SERVING_DEFAULTS,
  warnIfWeakened,
} from './feature-store-defaults.ts';
import { Ingestion } from './ingestion.ts';
import { LakeFormationGrants, type LakeFormationProps } from './lake-formation.ts';
import { Monitoring, type AlertSubscriptions } from './monitoring.ts';
import { OfflineStore, type OfflineStoreProps } from './offline-store.ts';
import { OnlineStore } from './online-store.ts';
import {
  grantBackfill,
  grantExportQuery,
  grantForget,
  grantReplay,
  type OperatorGrantTargets,
} from './operator-grants.ts';
import { Serving, type ApiAuthorization } from './serving.ts';

export interface FeatureStoreProps {
  /** The compiled registry (`(await loadRegistryFromDir('feature_defs')).registry`). */
  readonly registry: Registry;
  /**
   * Prefix of every physical name: lower-case letters, digits and hyphens, at most 24
   * characters (Firehose and Lambda names are limited to 64).
   * @default 'skewless'
   */
  readonly prefix?: string;
  /**
   * What happens to stored data (keys, table, bucket, streams, queues, Glue tables, logs) on
   * stack deletion. DESTROY or SNAPSHOT is a synth warning. Plain RETAIN also keeps what a
   * failed first deploy created, whose fixed names then block the next deploy.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE (CloudFormation `RetainExceptOnCreate`)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Authorization of the lookup route. `'none'` (a public endpoint) is a synth warning.
   * @default 'iam' (SigV4-signed requests; see `grantLookup`)
   */
  readonly apiAuthorization?: ApiAuthorization;
  /** Stage throttling of the lookup API. @default SERVING_DEFAULTS (500 rps, burst 1000) */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Kinesis records per ingest invocation. @default INGEST_DEFAULTS.batchSize (100) */
  readonly ingestBatchSize?: number;
  /**
   * Shards per source stream (provisioned), or 'on-demand' (starts at 4 shards a stream, a
   * synth warning when that reaches a new account's Lambda concurrency quota of 10).
   * @default INGEST_DEFAULTS.streamShards (1)
   */
  readonly ingestStreamShards?: number | 'on-demand';
  /** Reserved concurrency of the ingest Lambda. @default - unreserved (bounded by shards) */
  readonly ingestReservedConcurrency?: number;
  /** Reserved concurrency of the lookup Lambda. @default - unreserved (bounded by API throttling) */
  readonly lookupReservedConcurrency?: number;
  /**
   * Provisioned concurrency of the lookup Lambda: that many environments initialized ahead of
   * requests (a `live` alias, which API Gateway then invokes), so those requests pay no cold
   * start. Billed per environment-hour whether used or not (README "What it costs").
   * @default - none (on-demand environments; the first request of each pays a cold start)
   */
  readonly lookupProvisionedConcurrency?: number;
  /**
   * Reserved concurrency of the export Lambda (bounds concurrent Athena exports). An account
   * must have this much concurrency above its unreserved minimum of 10.
   * @default - unreserved (deploys on accounts with the new-account quota of 10)
   */
  readonly exportReservedConcurrency?: number;
  /**
   * Snapshot and orphan-file retention of the Iceberg tables' Glue optimizers.
   * @default ICEBERG_MAINTENANCE_DEFAULTS (snapshots 5 days, orphan files 3 days)
   */
  readonly icebergMaintenance?: OfflineStoreProps['icebergMaintenance'];
  /** Athena per-query scan cut-off in bytes. @default OFFLINE_DEFAULTS.bytesScannedCutoffPerQuery (1 TiB) */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Who receives the alert topic's messages (skew-check alerts and CloudWatch alarms).
   * @default - none: subscribe to the `AlertTopic` output yourself
   */
  readonly alertSubscriptions?: AlertSubscriptions;
  /**
   * Lake Formation permissions for the store's roles, where Lake Formation governs the Glue
   * Data Catalog (README "Deploy guide").
   * @default - none: the Data Catalog is governed by IAM only
   */
  readonly lakeFormation?: LakeFormationProps;
  /** When the skew check runs. @default cron 03:00 UTC daily */
  readonly skewCheckSchedule?: events.Schedule;
  /** Retention of Lambda, Firehose and API access logs. @default 90 days */
  readonly logRetention?: logs.RetentionDays;
  /** Folder holding `ingest.ts`, `lookup.ts`, `export.ts`, `skew-check.ts`. @default `<repo>/lambdas` */
  readonly handlersDir?: string;
  /**
   * The definitions the handlers bundle: the folder the registry was loaded from (its
   * `index.ts` re-exports every definition file), or that module itself; relative to the
   * working directory (where `cdk` runs).
   * @default 'feature_defs'
   */
  readonly definitions?: string;
}

const PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;

/**
 * A complete skewless feature store: online and offline stores, ingestion, serving, exports
 * and monitoring, every resource named and permissioned from the registry.
 *
 * @example
 * const { registry } = await loadRegistryFromDir('feature_defs');
 * const store = new FeatureStore(stack, 'FeatureStore', {
 *   registry,
 *   definitions: 'feature_defs', // bundled into the handlers
 *   prefix: 'fraud',
 * });
 * store.grantProduce(producerRole, 'airport_departures'); // put records on one source stream
 * store.grantLookup(modelRole); // sign `POST <store.apiUrl>features`
 * store.grantDirectLookup(serviceRole); // `skewless/lookup` in the service's own process
 * store.grantRunExport(trainingRole); // invoke the export Lambda
 * store.grantBackfill(operatorRole); // `skewless backfill --aws`, `materialize --aws`
 */
export class FeatureStore extends Construct {
  /** The customer-managed key of every data resource (table, bucket, streams, queues, Firehose). */
  public readonly dataKey: kms.Key;
  public readonly onlineStore: OnlineStore;
  public readonly offlineStore: OfflineStore;
  public readonly ingestion: Ingestion;
  public readonly serving: Serving;
  public readonly exports: Exports;
  public readonly monitoring: Monitoring;
  /** The Lake Formation grants, when `lakeFormation.enabled`. */
  public readonly lakeFormation?: LakeFormationGrants;
  public readonly prefix: string;
  private readonly registry: Registry;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    this.prefix = checkedPrefix(props.prefix ?? 'skewless');
    const removalPolicy = props.removalPolicy ?? SECURE_DEFAULTS.removalPolicy;
    const authorization = props.apiAuthorization ?? SECURE_DEFAULTS.apiAuthorization;
    warnIfWeakened(this, 'removalPolicy', props.removalPolicy);
    warnIfWeakened(this, 'apiAuthorization', props.apiAuthorization);

    const names: ResourceNames = { prefix: this.prefix };
    const { registry } = props;
    this.registry = registry;
    const functionDefaults = handlerDefaults(this.prefix, props, removalPolicy);
    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${this.prefix}-data`,
      description: 'skewless feature data: online table, offline bucket, streams, queues',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.onlineStore = new OnlineStore(this, 'Online', { names, key: this.dataKey, removalPolicy });
    this.offlineStore = new OfflineStore(this, 'Offline', {
      names,
      registry,
      key: this.dataKey,
      removalPolicy,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
      icebergMaintenance: props.icebergMaintenance,
    });
    this.ingestion = new Ingestion(this, 'Ingestion', {
      names,
      registry,
      key: this.dataKey,
      onlineStore: this.onlineStore,
      offlineStore: this.offlineStore,
      removalPolicy,
      functionDefaults,
      batchSize: props.ingestBatchSize,
      reservedConcurrency: props.ingestReservedConcurrency,
      streamShards: props.ingestStreamShards,
    });
    this.serving = new Serving(this, 'Serving', {
      names,
      key: this.dataKey,
      onlineStore: this.onlineStore,
      offlineStore: this.offlineStore,
      removalPolicy,
      functionDefaults,
      authorization,
      throttle: props.apiThrottle ?? {
        rateLimit: SERVING_DEFAULTS.throttleRateLimit,
        burstLimit: SERVING_DEFAULTS.throttleBurstLimit,
      },
      reservedConcurrency: props.lookupReservedConcurrency,
      provisionedConcurrency: props.lookupProvisionedConcurrency,
    });
    this.exports = new Exports(this, 'Exports', {
      offlineStore: this.offlineStore,
      functionDefaults,
      reservedConcurrency: props.exportReservedConcurrency,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      names,
      registry,
      offlineStore: this.offlineStore,
      onlineStore: this.onlineStore,
      ingestion: this.ingestion,
      serving: this.serving,
      functions: [this.ingestion.ingest, this.serving.lookup, this.exports.exporter],
      removalPolicy,
      functionDefaults,
      skewCheckSchedule: props.skewCheckSchedule,
      alertSubscriptions: props.alertSubscriptions,
    });
    if (props.lakeFormation?.enabled) this.lakeFormation = this.lakeFormationGrants();
  }

  /** Every role that reaches the Glue tables through IAM, granted the same in Lake Formation. */
  private lakeFormationGrants(): LakeFormationGrants {
    return new LakeFormationGrants(this, 'LakeFormation', {
      offlineStore: this.offlineStore,
      deliveryStreams: new Map([
        ...this.ingestion.deliveryStreams,
        [INFERENCE_LOG_TABLE, this.serving.inferenceLog],
      ]),
      queryRoles: [this.exports.exporter.role, this.monitoring.skewCheck.role],
      optimizerRole: this.offlineStore.maintenance.role,
      optimizers: [...this.offlineStore.maintenance.optimizers.values()],
    });
  }

  /** Lets a producer put records on one source stream (or every source stream). */
  public grantProduce(grantee: iam.IGrantable, source?: string): void {
    this.ingestion.grantProduce(grantee, source);
  }

  /** Lets a caller sign lookup requests (`POST /features`). */
  public grantLookup(grantee: iam.IGrantable): iam.Grant {
    return this.serving.grantLookup(grantee);
  }

  /**
   * Lets a service run `skewless/lookup` in its own process: BatchGetItem on the online table
   * (with its key's Decrypt) and PutRecordBatch on the inference-log Firehose, as the lookup
   * Lambda has; nothing else.
   */
  public grantDirectLookup(grantee: iam.IGrantable): void {
    this.serving.grantDirectLookup(grantee);
  }

  /** Lets a caller invoke the export Lambda. */
  public grantRunExport(grantee: iam.IGrantable): iam.Grant {
    return this.exports.grantRunExport(grantee);
  }

  /** Lets an operator run `skewless export --aws` (the export Lambda's query access). */
  public grantExport(grantee: iam.IGrantable): void {
    grantExportQuery(this.grantTargets(), grantee);
  }

  /** Lets an operator run `skewless backfill --aws` and `skewless materialize --aws`. */
  public grantBackfill(grantee: iam.IGrantable): void {
    grantBackfill(this.grantTargets(), grantee);
  }

  /** Lets an operator, or a CI job gating a merge, run `skewless plan --replay --aws`. */
  public grantReplay(grantee: iam.IGrantable): void {
    grantReplay(this.grantTargets(), grantee);
  }

  /**
   * Lets an operator, or a service that automates erasure requests, run `skewless forget --aws`
   * (README, "Forget an entity").
   */
  public grantForget(grantee: iam.IGrantable): void {
    grantForget(this.grantTargets(), grantee);
  }

  private grantTargets(): OperatorGrantTargets {
    return {
      offline: this.offlineStore,
      online: this.onlineStore,
      registry: this.registry,
      lakeFormation: this.lakeFormation,
    };
  }

  /** The lookup endpoint (`<url>/features`). */
  public get apiUrl(): string {
    return this.serving.stage.url;
  }
}

/** The prefix, when known at synth, must fit every resource name derived from it. */
function checkedPrefix(prefix: string): string {
  if (!Token.isUnresolved(prefix) && !PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(
      `FeatureStore prefix '${prefix}' must match ${PREFIX_PATTERN} (lower-case letters, digits, hyphens; at most 24 characters)`,
      'prefix',
    );
  }
  return prefix;
}

/** The settings every handler of this store shares. */
function handlerDefaults(
  prefix: string,
  props: FeatureStoreProps,
  removalPolicy: RemovalPolicy,
): HandlerFunctionDefaults {
  const definitions = resolveDefinitionsModule(props.definitions ?? 'feature_defs');
  return {
    prefix,
    definitions: definitions.module,
    projectRoot: definitions.projectRoot,
    registryHash: props.registry.hash,
    logRetention: props.logRetention ?? MONITORING_DEFAULTS.logRetentionDays,
    removalPolicy,
    handlersDir: props.handlersDir,
  };
}
