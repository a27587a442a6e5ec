/**
 * `lakeFormation: { enabled: true }`: where Lake Formation governs the Data Catalog, every role
 * the stack gives Glue access through IAM (Firehose's delivery roles, the Athena-using Lambdas,
 * the table optimizers' role) also gets Lake Formation permissions on the same database and
 * tables, created before the Firehoses and optimizers that use them. Off by default.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { LAKE_FORMATION_PERMISSIONS } from '../../lib/cdk/lake-formation.ts';
import { SCRATCH_TABLE_PREFIX } from '../../lib/cdk/offline-store.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { deployedFrom, type Deployed } from '../iam/deployed.ts';
import { flightsRegistry, synthStore, testApp } from './synth.ts';

interface Grant {
  readonly principal: string;
  readonly database?: string;
  readonly table?: string;
  readonly permissions: readonly string[];
}

let registry: Registry;
let template: Template;
let deployed: Deployed;
let grants: Grant[];

function grantsOf(d: Deployed): Grant[] {
  return d.ofType('AWS::LakeFormation::PrincipalPermissions').map(([, p]) => {
    const resource = p.Resource as {
      Database?: { Name: string };
      Table?: { DatabaseName: string; Name: string };
    };
    expect(p.PermissionsWithGrantOption).toEqual([]);
    return {
      principal: (p.Principal as { DataLakePrincipalIdentifier: string })
        .DataLakePrincipalIdentifier,
      ...(resource.Database ? { database: resource.Database.Name } : {}),
      ...(resource.Table ? { table: resource.Table.Name } : {}),
      permissions: p.Permissions as string[],
    };
  });
}

/** The Lake Formation permissions a role holds on a table, or on the database. */
function held(roleArn: string, on: { table: string } | { database: true }): string[] {
  return grants
    .filter((g) => g.principal === roleArn)
    .filter((g) => ('table' in on ? g.table === on.table : g.database !== undefined))
    .flatMap((g) => g.permissions)
    .sort();
}

beforeAll(async () => {
  registry = await flightsRegistry();
  ({ template } = synthStore(registry, { store: { lakeFormation: { enabled: true } } }));
  deployed = deployedFrom(template, registry);
  grants = grantsOf(deployed);
});

describe('Lake Formation grants', () => {
  it('are absent by default', () => {
    const { template: plain } = synthStore(registry);
    plain.resourceCountIs('AWS::LakeFormation::PrincipalPermissions', 0);
  });

  it('give each Firehose delivery role its own table only, before the stream exists', () => {
    type Raw = { Properties: Record<string, unknown>; DependsOn?: string[] };
    const streams = (
      Object.entries(template.findResources('AWS::KinesisFirehose::DeliveryStream')) as [
        string,
        Raw,
      ][]
    ).filter(([, r]) => r.Properties.IcebergDestinationConfiguration);
    // One per view, and the inference log's.
    expect(streams).toHaveLength(registry.featureViews.length + 1);
    for (const [id, r] of streams) {
      const config = deployed.resolve(r.Properties.IcebergDestinationConfiguration) as {
        RoleARN: string;
        DestinationTableConfigurationList: { DestinationTableName: string }[];
      };
      const table = config.DestinationTableConfigurationList[0]!.DestinationTableName;
      expect(held(config.RoleARN, { table })).toEqual([
        ...LAKE_FORMATION_PERMISSIONS.delivery.table,
      ]);
      expect(held(config.RoleARN, { database: true })).toEqual(['DESCRIBE']);
      expect(grants.filter((g) => g.principal === config.RoleARN && g.table)).toHaveLength(1);
      // Firehose checks its access to the table when it creates the stream.
      const own = Object.entries(template.findResources('AWS::LakeFormation::PrincipalPermissions'))
        .filter(
          ([, g]) =>
            (deployed.resolve(g.Properties.Principal) as { DataLakePrincipalIdentifier: string })
              .DataLakePrincipalIdentifier === config.RoleARN,
        )
        .map(([gid]) => gid);
      expect(r.DependsOn ?? [], id).toEqual(expect.arrayContaining(own));
    }
  });

  it('let the export and skew-check roles read every table and create scratch tables', () => {
    for (const handler of ['export', 'skew-check'] as const) {
      const role = deployed.getAtt(deployed.function(handler).roleId, 'Arn');
      expect(held(role, { database: true })).toEqual(['CREATE_TABLE', 'DESCRIBE']);
      for (const view of registry.featureViews) {
        const table = `${view.name}_v${view.version}`;
        expect(held(role, { table }), `${handler} ${table}`).toEqual(['DESCRIBE', 'SELECT']);
      }
    }
  });

  it("let the optimizers' role maintain every table, and the optimizers wait for it", () => {
    const optimizers = Object.values(template.findResources('AWS::Glue::TableOptimizer')) as {
      Properties: { TableOptimizerConfiguration: { RoleArn: unknown } };
      DependsOn?: string[];
    }[];
    const role = deployed.resolve(
      optimizers[0]!.Properties.TableOptimizerConfiguration.RoleArn,
    ) as string;
    for (const view of registry.featureViews) {
      expect(held(role, { table: `${view.name}_v${view.version}` })).toEqual([
        ...LAKE_FORMATION_PERMISSIONS.optimizer.table,
      ]);
    }
    const lf = Object.keys(template.findResources('AWS::LakeFormation::PrincipalPermissions'));
    for (const o of optimizers) expect(o.DependsOn?.some((d) => lf.includes(d))).toBe(true);
  });

  it('cover every Glue table and database grant any role holds through IAM', () => {
    // A role that reaches a table through IAM but holds nothing on it in Lake Formation is
    // denied in an account where Lake Formation governs the catalog.
    const glueTable = /^arn:aws:glue:[^:]+:\d+:table\/([^/]+)\/([^/*]+)$/;
    let checked = 0;
    for (const [roleId] of deployed.ofType('AWS::IAM::Role')) {
      const arn = deployed.getAtt(roleId, 'Arn');
      const resources = deployed
        .identityPolicy(roleId)
        .Statement.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('glue:')))
        .flatMap((s) => [s.Resource].flat().map(String));
      for (const resource of resources) {
        const table = glueTable.exec(resource)?.[2];
        if (!table || table.startsWith(SCRATCH_TABLE_PREFIX)) continue;
        expect(held(arn, { table }), `${roleId} on ${table}`).toContain('DESCRIBE');
        expect(held(arn, { database: true }), `${roleId} on the database`).toContain('DESCRIBE');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(registry.featureViews.length);
  });

  it('are created after the database and tables they name', () => {
    const lf = template.findResources('AWS::LakeFormation::PrincipalPermissions') as Record<
      string,
      { DependsOn?: string[] }
    >;
    const database = Object.keys(template.findResources('AWS::Glue::Database'))[0]!;
    expect(Object.keys(lf).length).toBeGreaterThan(0);
    for (const [id, g] of Object.entries(lf)) expect(g.DependsOn, id).toContain(database);
  });

  it("pass cdk-nag and CloudFormation's validation with no finding", () => {
    const app = testApp({}, true);
    buildSkewlessApp({ app, registry, store: { lakeFormation: { enabled: true } } });
    const report = JSON.parse(
      readFileSync(path.join(app.synth().directory, 'validation-report.json'), 'utf8'),
    ) as { pluginReports: { pluginName: string; violations: { ruleName: string }[] }[] };
    expect(
      report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.ruleName}`)),
    ).toEqual([]);
  }, 60_000);

  it('give the roles of `grantExport`, `grantReplay` and `grantBackfill` what their CLI paths do', () => {
    const { stack, store } = buildSkewlessApp({
      app: testApp(),
      registry,
      nag: false,
      store: { lakeFormation: { enabled: true } },
    });
    const role = (id: string) =>
      new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
    const operator = role('Operator');
    const trainer = role('Trainer');
    const replayer = role('Replayer');
    store.grantBackfill(operator);
    store.grantExport(trainer);
    store.grantReplay(replayer);
    const d = deployedFrom(Template.fromStack(stack), registry);
    grants = grantsOf(d);
    const arn = (r: iam.Role) =>
      d.getAtt(stack.getLogicalId(r.node.defaultChild as iam.CfnRole), 'Arn');
    for (const [r, kind] of [
      [operator, 'backfill'],
      [trainer, 'query'],
      [replayer, 'query'],
    ] as const) {
      expect(held(arn(r), { database: true })).toEqual(['CREATE_TABLE', 'DESCRIBE']);
      for (const view of registry.featureViews)
        expect(held(arn(r), { table: `${view.name}_v${view.version}` })).toEqual([
          ...LAKE_FORMATION_PERMISSIONS[kind].table,
        ]);
    }
    grants = grantsOf(deployed);
  });
});
