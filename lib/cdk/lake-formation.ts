/**
 * Lake Formation grants for an account where Lake Formation governs the Glue Data Catalog. There
 * a principal needs both its IAM permissions and Lake Formation permissions on the database and
 * tables (https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-overview.html), so
 * the roles of the store get, as `AWS::LakeFormation::PrincipalPermissions`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lakeformation-principalpermissions.html):
 * - each Firehose delivery role: its own table (a view's, or the inference log), to append rows
 *   and commit Iceberg metadata
 *   (https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-destination.html);
 * - each role that queries through Athena: every table, to read, and the database, to create
 *   its scratch tables, which their creator may then drop
 *   (https://docs.aws.amazon.com/athena/latest/ug/security-athena-lake-formation.html,
 *   https://docs.aws.amazon.com/lake-formation/latest/dg/implicit-permissions.html);
 * - the table optimizers' role: every table, to rewrite and expire files and commit
 *   (https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html).
 * Permission names: https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html.
 * The store's S3 location is not registered with Lake Formation here: object access stays with
 * the roles' IAM policies.
 */
import { Stack } from 'aws-cdk-lib';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

const isConstruct = (x: unknown): x is IConstruct => Construct.isConstruct(x);
import { SkewlessError } from '../core/errors.ts';
import type { OfflineStore } from './offline-store.ts';

export interface LakeFormationProps {
  /**
   * Grant the store's roles Lake Formation permissions on its Glue database and tables. Set it
   * when Lake Formation governs the account's Data Catalog (new databases and tables do not
   * grant `IAMAllowedPrincipals`); the deploying role must then be a data lake administrator.
   * @default false
   */
  readonly enabled: boolean;
}

/** What each kind of principal may do, on the database and on each of its tables. */
export const LAKE_FORMATION_PERMISSIONS = {
  delivery: { database: ['DESCRIBE'], table: ['ALTER', 'DESCRIBE', 'INSERT', 'SELECT'] },
  query: { database: ['CREATE_TABLE', 'DESCRIBE'], table: ['DESCRIBE', 'SELECT'] },
  backfill: {
    database: ['CREATE_TABLE', 'DESCRIBE'],
    table: ['ALTER', 'DESCRIBE', 'INSERT', 'SELECT'],
  },
  /** `skewless forget`: Athena's DELETE and OPTIMIZE rewrite rows of every table. */
  forget: { database: ['DESCRIBE'], table: ['ALTER', 'DELETE', 'DESCRIBE', 'INSERT', 'SELECT'] },
  optimizer: {
    database: ['DESCRIBE'],
    table: ['ALTER', 'DELETE', 'DESCRIBE', 'INSERT', 'SELECT'],
  },
} as const satisfies Record<string, { database: readonly string[]; table: readonly string[] }>;

export type LakeFormationPrincipal = keyof typeof LAKE_FORMATION_PERMISSIONS;

export interface LakeFormationGrantsProps {
  readonly offlineStore: OfflineStore;
  /** Each view table's Firehose: its Iceberg destination's role appends to that table only. */
  readonly deliveryStreams: ReadonlyMap<string, firehose.CfnDeliveryStream>;
  /** Roles that run Athena queries over the store (export, skew check). */
  readonly queryRoles: readonly iam.IRole[];
  /** The role Glue's table optimizers assume, and the optimizers (created after the grants). */
  readonly optimizerRole: iam.IRole;
  readonly optimizers: readonly IConstruct[];
}

export class LakeFormationGrants extends Construct {
  /** Every grant, in creation order. */
  public readonly grants: lakeformation.CfnPrincipalPermissions[] = [];
  private readonly offline: OfflineStore;

  constructor(scope: Construct, id: string, props: LakeFormationGrantsProps) {
    super(scope, id);
    this.offline = props.offlineStore;
    const allTables = [...this.offline.tables.keys()];
    for (const [table, stream] of props.deliveryStreams) {
      // Firehose checks its access to the table when the stream is created.
      const grants = this.grant(`Delivery-${table}`, deliveryRole(stream), 'delivery', [table]);
      for (const g of grants) stream.addDependency(g);
    }
    props.queryRoles.forEach((role, i) =>
      this.grant(`Query${i}`, role.roleArn, 'query', allTables),
    );
    const optimizer = this.grant('Optimizer', props.optimizerRole.roleArn, 'optimizer', allTables);
    for (const o of props.optimizers) for (const g of optimizer) o.node.addDependency(g);
  }

  /** Grants a role (a `FeatureStore.grant*` grantee) the permissions of `kind` on every table. */
  public grantRole(grantee: iam.IGrantable, kind: LakeFormationPrincipal): void {
    const principal = grantee.grantPrincipal;
    const roleArn = (principal as Partial<iam.IRole>).roleArn;
    if (!roleArn || !isConstruct(principal))
      throw new SkewlessError('Lake Formation grants go to IAM roles only');
    this.grant(`${kind}-${principal.node.addr}`, roleArn, kind, [...this.offline.tables.keys()]);
  }

  private grant(
    id: string,
    principalArn: string,
    kind: LakeFormationPrincipal,
    tables: readonly string[],
  ): lakeformation.CfnPrincipalPermissions[] {
    const catalogId = Stack.of(this).account;
    const databaseName = this.offline.databaseName;
    const permissions = LAKE_FORMATION_PERMISSIONS[kind];
    const made = [
      this.permission(`${id}-Database`, principalArn, [...permissions.database], {
        database: { catalogId, name: databaseName },
      }),
      ...tables.map((table) =>
        this.permission(`${id}-${table}`, principalArn, [...permissions.table], {
          table: { catalogId, databaseName, name: table },
        }),
      ),
    ];
    for (const g of made) g.addDependency(this.offline.database);
    tables.forEach((table, i) => {
      const glueTable = this.offline.tables.get(table);
      if (glueTable) made[i + 1]!.addDependency(glueTable);
    });
    return made;
  }

  private permission(
    id: string,
    principalArn: string,
    permissions: string[],
    resource: lakeformation.CfnPrincipalPermissions.ResourceProperty,
  ): lakeformation.CfnPrincipalPermissions {
    const grant = new lakeformation.CfnPrincipalPermissions(this, id, {
      principal: { dataLakePrincipalIdentifier: principalArn },
      resource,
      permissions,
      permissionsWithGrantOption: [],
    });
    this.grants.push(grant);
    return grant;
  }
}

/** The role of a Firehose stream's Iceberg destination. */
function deliveryRole(stream: firehose.CfnDeliveryStream): string {
  const config = stream.icebergDestinationConfiguration as
    firehose.CfnDeliveryStream.IcebergDestinationConfigurationProperty | undefined;
  if (!config?.roleArn)
    throw new SkewlessError(`${stream.node.path} has no Iceberg destination role`);
  return config.roleArn;
}
