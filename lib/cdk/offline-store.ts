/**
 * The offline store: one S3 bucket (CMK, TLS only, no public access, access logs, lifecycle per
 * prefix), a Glue database, one Iceberg table per view version and an Athena workgroup.
 *
 * Iceberg tables are `AWS::Glue::Table` with `OpenTableFormatInput.IcebergInput` (metadata
 * operation CREATE, format version 2) in a general purpose bucket, not S3 Tables: Firehose's
 * Iceberg destination, Athena and the Glue Data Catalog all address them by database and table
 * name, and the CloudFormation `IcebergTableInput` carries both the schema and the partition
 * spec `day(event_time)`, so nothing runs after deployment to finish a table.
 */
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { offlineTableName } from '../core/columns.ts';
import {
  BUCKET_PREFIXES,
  glueDatabaseName,
  INFERENCE_LOG_TABLE,
  type ResourceNames,
} from '../core/naming.ts';
import type { Registry } from '../registry/types.ts';
import { OFFLINE_DEFAULTS } from './feature-store-defaults.ts';
import { IcebergMaintenance, type IcebergMaintenanceSettings } from './iceberg-maintenance.ts';
import type { HandlerEnvironment } from './handler-function.ts';
import { icebergTableSpec, inferenceLogTableSpec } from './iceberg-schema.ts';
import { createIcebergTable, type IcebergTableProps } from './iceberg-table.ts';
import { bucketRemovalPolicy, lifecycleRules } from './offline-bucket.ts';
import { acknowledgeWildcardResource, nagArnRef, nagStackArn } from './nag.ts';
import { storedViews } from '../registry/candidates.ts';

/** Glue tables the export and skew-check Lambdas may create and drop (spines, log views). */
export const SCRATCH_TABLE_PREFIX = 'tmp_';

export type BucketPrefix = (typeof BUCKET_PREFIXES)[keyof typeof BUCKET_PREFIXES];
/** A bucket prefix, or a folder under one. */
export type GrantPrefix = BucketPrefix | `${BucketPrefix}${string}/`;

export interface OfflineStoreProps {
  readonly names: ResourceNames;
  readonly registry: Registry;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** @default OFFLINE_DEFAULTS.bytesScannedCutoffPerQuery */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Snapshot and orphan-file retention of the table optimizers. @default ICEBERG_MAINTENANCE_DEFAULTS */
  readonly icebergMaintenance?: Partial<IcebergMaintenanceSettings>;
}

/**
 * How a grantee may list the bucket: only under its prefixes (`s3:prefix` condition), or the
 * whole bucket, as AWS documents for roles whose service lists table locations itself
 * (Firehose's Iceberg destination, Glue's table optimizers).
 */
export type BucketListing = 'prefixes' | 'bucket';

/** What a query-running Lambda may read and write through Athena. */
export interface QueryAccess {
  /** Prefixes it reads (the offline tables are always readable), or folders under one. */
  readonly read: readonly GrantPrefix[];
  /** Prefixes it writes (Athena results are always writable). */
  readonly write: readonly BucketPrefix[];
  /** Whether it creates and drops scratch tables (spines, log views). @default true */
  readonly scratchTables?: boolean;
}

export class OfflineStore extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly accessLogBucket: s3.Bucket;
  public readonly database: glue.CfnDatabase;
  public readonly databaseName: string;
  /** Iceberg table per view version, by `offlineTableName`. */
  public readonly tables: ReadonlyMap<string, glue.CfnTable>;
  /** The inference log's Iceberg table (also in `tables`). */
  public readonly inferenceLogTable: glue.CfnTable;
  public readonly workgroup: athena.CfnWorkGroup;
  public readonly workgroupName: string;
  /** Compaction, snapshot retention and orphan-file deletion of every table. */
  public readonly maintenance: IcebergMaintenance;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: OfflineStoreProps) {
    super(scope, id);
    this.key = props.key;
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logs can only be delivered to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Object ownership is left to CDK: ACL-based log delivery needs ObjectWriter, the
      // bucket-policy delivery (feature flag serverAccessLogsUseBucketPolicy) does not.
      lifecycleRules: [{ expiration: OFFLINE_DEFAULTS.accessLogsExpiration }],
      removalPolicy: bucketRemovalPolicy(props.removalPolicy),
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'store/',
      lifecycleRules: lifecycleRules(),
      removalPolicy: bucketRemovalPolicy(props.removalPolicy),
    });

    const stack = Stack.of(this);
    this.databaseName = glueDatabaseName(props.names);
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `skewless offline store (${props.names.prefix})`,
        locationUri: this.bucket.s3UrlForObject(BUCKET_PREFIXES.offline),
      },
    });
    this.database.applyRemovalPolicy(props.removalPolicy);
    this.tables = this.createTables(props);
    this.inferenceLogTable = this.tables.get(INFERENCE_LOG_TABLE)!;

    this.workgroupName = props.names.prefix;
    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: this.workgroupName,
      description: 'skewless exports and skew checks',
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery:
          props.bytesScannedCutoffPerQuery ?? OFFLINE_DEFAULTS.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.bucket.s3UrlForObject(BUCKET_PREFIXES.athenaResults),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
    this.workgroup.applyRemovalPolicy(props.removalPolicy);
    this.maintenance = new IcebergMaintenance(this, 'Maintenance', {
      offlineStore: this,
      views: storedViews(props.registry),
      settings: props.icebergMaintenance,
    });
  }

  /** One Iceberg table per view version, and the inference log's. */
  private createTables(props: OfflineStoreProps): Map<string, glue.CfnTable> {
    const table = (spec: Omit<IcebergTableProps, 'database' | 'location'>, prefix: string) => {
      const created = createIcebergTable(this, {
        ...spec,
        database: this.database,
        location: this.bucket.s3UrlForObject(prefix.replace(/\/$/, '')),
      });
      created.applyRemovalPolicy(props.removalPolicy);
      return created;
    };
    const tables = new Map<string, glue.CfnTable>();
    for (const view of storedViews(props.registry)) {
      const name = offlineTableName(view);
      tables.set(name, table({ name, spec: icebergTableSpec(view) }, this.tablePrefix(name)));
    }
    // The inference log: Firehose appends, the skew check's Athena queries read its days.
    const log = table(
      { name: INFERENCE_LOG_TABLE, spec: inferenceLogTableSpec() },
      this.tablePrefix(INFERENCE_LOG_TABLE),
    );
    tables.set(INFERENCE_LOG_TABLE, log);
    return tables;
  }

  /** The key prefix of a table's Iceberg location: a view version's, or the inference log's. */
  public tablePrefix(table: string): string {
    return table === INFERENCE_LOG_TABLE
      ? BUCKET_PREFIXES.inferenceLog
      : `${BUCKET_PREFIXES.offline}${table}/`;
  }

  public glueArn(kind: 'catalog' | 'database' | 'table', table?: string): string {
    const stack = Stack.of(this);
    const resourceName =
      kind === 'catalog'
        ? undefined
        : kind === 'database'
          ? this.databaseName
          : `${this.databaseName}/${table}`;
    return stack.formatArn({ service: 'glue', resource: kind, resourceName });
  }

  public workgroupArn(): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workgroupName,
    });
  }

  /** Object ARNs under one prefix of the store bucket. */
  public objectsArn(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /**
   * What Firehose needs to append to one Iceberg table: the table's metadata in Glue and the
   * objects under its location. No other table, no other prefix.
   */
  public grantIcebergAppend(grantee: iam.IGrantable, table: string, errorPrefix: string): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
      resourceArns: [
        this.glueArn('catalog'),
        this.glueArn('database'),
        this.glueArn('table', table),
      ],
    });
    this.grantObjects(grantee, [this.tablePrefix(table), errorPrefix], 'readWrite', 'bucket');
  }

  /** The environment of a handler that queries this store with Athena (export, skew check). */
  public queryEnvironment(): HandlerEnvironment {
    return {
      bucket: this.bucket.bucketName,
      athenaWorkgroup: this.workgroupName,
      glueDatabase: this.databaseName,
    };
  }

  /**
   * Running Athena queries in the store's workgroup over its tables: read the offline tables
   * and `access.read`, write results and `access.write`, create and drop scratch tables.
   */
  public grantQuery(grantee: iam.IGrantable, access: QueryAccess): void {
    iam.Grant.addToPrincipal({
      grantee,
      // The runners start a query and poll it; results come back as objects (UNLOAD).
      actions: ['athena:GetQueryExecution', 'athena:StartQueryExecution'],
      resourceArns: [this.workgroupArn()],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:BatchGetPartition',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:GetTable',
        'glue:GetTables',
      ],
      resourceArns: [
        this.glueArn('catalog'),
        this.glueArn('database'),
        ...[...this.tables.keys()].map((t) => this.glueArn('table', t)),
        ...(access.scratchTables === false
          ? []
          : [this.glueArn('table', `${SCRATCH_TABLE_PREFIX}*`)]),
      ],
    });
    if (access.scratchTables !== false) this.grantScratchTables(grantee);
    const written = new Set<string>(access.write);
    const read = [BUCKET_PREFIXES.offline, ...access.read].filter((p) => !written.has(p));
    this.grantObjects(grantee, read, 'read');
    this.grantObjects(grantee, [BUCKET_PREFIXES.athenaResults, ...access.write], 'write');
  }

  /** Creating and dropping the per-run scratch tables of the store's database. */
  private grantScratchTables(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      // CREATE EXTERNAL TABLE reads the database as well.
      actions: ['glue:CreateTable', 'glue:DeleteTable', 'glue:GetDatabase'],
      resourceArns: [
        this.glueArn('catalog'),
        this.glueArn('database'),
        this.glueArn('table', `${SCRATCH_TABLE_PREFIX}*`),
      ],
    });
    if (isConstruct(grantee.grantPrincipal)) {
      acknowledgeWildcardResource(
        grantee.grantPrincipal,
        nagStackArn('glue', `table/${this.databaseName}/${SCRATCH_TABLE_PREFIX}*`),
        `Scratch tables (spines, log views) are named per run; only the '${SCRATCH_TABLE_PREFIX}' prefix of the store's database.`,
      );
    }
  }

  /** Reading a query's results back through Athena (a `SELECT count(*)`'s one row). */
  public grantQueryResults(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:GetQueryResults'],
      resourceArns: [this.workgroupArn()],
    });
  }

  /**
   * Object access under prefixes, plus listing (see `BucketListing`), plus the key. `write`
   * creates objects (multipart included) but deletes none; `readWrite` may also delete.
   */
  public grantObjects(
    grantee: iam.IGrantable,
    prefixes: readonly string[],
    mode: 'read' | 'write' | 'readWrite',
    listing: BucketListing = 'prefixes',
  ): void {
    if (prefixes.length === 0) return;
    const objectActions = {
      read: ['s3:GetObject'],
      write: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      readWrite: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
    }[mode];
    iam.Grant.addToPrincipal({
      grantee,
      actions: objectActions,
      resourceArns: prefixes.map((p) => this.objectsArn(p)),
    });
    if (isConstruct(grantee.grantPrincipal)) {
      const bucketRef = nagArnRef(this.bucket.node.defaultChild as s3.CfnBucket);
      for (const prefix of prefixes) {
        acknowledgeWildcardResource(
          grantee.grantPrincipal,
          `${bucketRef}/${prefix}*`,
          `Object keys under '${prefix}' are generated per record, file or run; the grant is limited to that prefix.`,
        );
      }
    }
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      resourceArns: [this.bucket.bucketArn],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        ...(listing === 'prefixes'
          ? { conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } } }
          : {}),
      }),
    );
    iam.Grant.addToPrincipal({
      grantee,
      actions: mode === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
      resourceArns: [this.key.keyArn],
    });
  }
}

function isConstruct(x: unknown): x is IConstruct {
  return Construct.isConstruct(x);
}
