/**
 * Iceberg table maintenance: the Glue Data Catalog's table optimizers, three per view table
 * (compaction, snapshot retention, orphan-file deletion), all run by one role that Glue
 * assumes. Derived from the registry: a new view version's table gets its optimizers.
 *
 * Why: Firehose commits each table every buffer interval, so a table gains ~1,440 small data
 * files and snapshots a day. Compaction keeps Athena's scans fast, retention keeps the metadata
 * small, orphan-file deletion removes files of failed writes. Replaced files become noncurrent
 * S3 versions, expired by the bucket's lifecycle.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { offlineTableName } from '../core/columns.ts';
import { INFERENCE_LOG_TABLE } from '../core/naming.ts';
import type { RegistryView } from '../registry/types.ts';
import { ICEBERG_MAINTENANCE_DEFAULTS } from './feature-store-defaults.ts';
import { acknowledgeWildcardResource, nagStackArn } from './nag.ts';
import type { OfflineStore } from './offline-store.ts';
import { dependOnRolePolicy } from './role-policy.ts';

/** The optimizer types of `AWS::Glue::TableOptimizer`, and the log group each writes to. */
export const TABLE_OPTIMIZERS = {
  compaction: '/aws-glue/iceberg-compaction/logs',
  retention: '/aws-glue/iceberg-retention/logs',
  orphan_file_deletion: '/aws-glue/iceberg-orphan-file-deletion/logs',
} as const;

export type TableOptimizerType = keyof typeof TABLE_OPTIMIZERS;

export interface IcebergMaintenanceProps {
  readonly offlineStore: OfflineStore;
  readonly views: readonly RegistryView[];
  /** @default ICEBERG_MAINTENANCE_DEFAULTS */
  readonly settings?: Partial<IcebergMaintenanceSettings>;
}

export type IcebergMaintenanceSettings = {
  readonly [K in keyof typeof ICEBERG_MAINTENANCE_DEFAULTS]: number;
};

export class IcebergMaintenance extends Construct {
  /** The role Glue assumes to maintain the store's tables. */
  public readonly role: iam.Role;
  /** Optimizers by `<table>/<type>`. */
  public readonly optimizers: ReadonlyMap<string, glue.CfnTableOptimizer>;

  constructor(scope: Construct, id: string, props: IcebergMaintenanceProps) {
    super(scope, id);
    const offline = props.offlineStore;
    const stack = Stack.of(this);
    const settings: IcebergMaintenanceSettings = {
      ...ICEBERG_MAINTENANCE_DEFAULTS,
      ...props.settings,
    };
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Glue table optimizers of the skewless offline tables',
    });
    // The inference log is appended to every few minutes like the views: it needs the same care.
    const tableNames = [...props.views.map(offlineTableName), INFERENCE_LOG_TABLE];
    this.grantMaintenance(offline, tableNames);

    const optimizers = new Map<string, glue.CfnTableOptimizer>();
    for (const table of tableNames) {
      const glueTable = offline.tables.get(table);
      for (const type of Object.keys(TABLE_OPTIMIZERS) as TableOptimizerType[]) {
        const optimizer = new glue.CfnTableOptimizer(this, `${table}-${type}`, {
          catalogId: stack.account,
          databaseName: offline.databaseName,
          tableName: table,
          type,
          tableOptimizerConfiguration: {
            enabled: true,
            roleArn: this.role.roleArn,
            ...optimizerSettings(
              type,
              offline.bucket.s3UrlForObject(offline.tablePrefix(table).replace(/\/$/, '')),
              settings,
            ),
          },
        });
        if (glueTable) optimizer.node.addDependency(glueTable);
        // Glue checks the role when the optimizer is created: its policy must exist first.
        dependOnRolePolicy(optimizer, this.role);
        optimizers.set(`${table}/${type}`, optimizer);
      }
    }
    this.optimizers = optimizers;
  }

  /** What the optimizers do as the role: update the tables, rewrite their files, log. */
  private grantMaintenance(offline: OfflineStore, tables: readonly string[]): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
      resourceArns: [
        offline.glueArn('catalog'),
        offline.glueArn('database'),
        ...tables.map((t) => offline.glueArn('table', t)),
      ],
    });
    // Compaction and retention rewrite and delete files; AWS documents bucket-wide listing.
    offline.grantObjects(
      this.role,
      tables.map((t) => offline.tablePrefix(t)),
      'readWrite',
      'bucket',
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OptimizerLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: Object.values(TABLE_OPTIMIZERS).map((group) =>
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${group}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );

    for (const group of Object.values(TABLE_OPTIMIZERS)) {
      acknowledgeWildcardResource(
        this.role,
        nagStackArn('logs', `log-group:${group}:*`),
        'Glue names the optimizer log streams per run inside its fixed log group, as AWS documents.',
      );
    }
  }
}

function optimizerSettings(
  type: TableOptimizerType,
  location: string,
  settings: IcebergMaintenanceSettings,
): Partial<glue.CfnTableOptimizer.TableOptimizerConfigurationProperty> {
  switch (type) {
    case 'compaction':
      // Glue's default strategy (binpack): merges small files, no sort order to maintain.
      return {};
    case 'retention':
      return {
        retentionConfiguration: {
          icebergConfiguration: {
            snapshotRetentionPeriodInDays: settings.snapshotRetentionDays,
            numberOfSnapshotsToRetain: settings.snapshotsToRetain,
            cleanExpiredFiles: true,
          },
        },
      };
    case 'orphan_file_deletion':
      return {
        orphanFileDeletionConfiguration: {
          icebergConfiguration: {
            orphanFileRetentionPeriodInDays: settings.orphanFileRetentionDays,
            location,
          },
        },
      };
  }
}
