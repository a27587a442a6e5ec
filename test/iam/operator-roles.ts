/**
 * The store as deployed with one role per operator grant (`grantExport`, `grantBackfill`,
 * `grantProduce`, `grantForget`, `grantReplay`), and the check that a command's recorded calls
 * fit its role: each allowed, and each granted action needed by some call.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { testApp } from '../cdk/synth.ts';
import { CallTranslator, type AwsCall } from './calls.ts';
import { deployedFrom, type Deployed } from './deployed.ts';
import { expectEveryGrantNeeded } from './mutation.ts';
import type { RoleName } from './needed-by-aws.ts';
import { expectAllAllowed } from './simulate.ts';

export type OperatorRole = 'exporter' | 'backfill' | 'producer' | 'forgetter' | 'replayer';

export interface OperatorStore {
  readonly deployed: Deployed;
  /** Logical id of each operator's role. */
  readonly roles: Readonly<Record<OperatorRole, string>>;
}

/** The names the commands are given, renamed to the deployed ones before simulation. */
export interface StoreFlags {
  readonly bucket: string;
  readonly workgroup: string;
  readonly database: string;
}

/** Synthesizes the store with a role per grant; `producer` may write to `source`'s stream. */
export function deployOperatorRoles(registry: Registry, source: string): OperatorStore {
  const { stack, store } = buildSkewlessApp({ registry, app: testApp(), nag: false });
  const role = (name: string) =>
    new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  const exporter = role('Exporter');
  const backfill = role('Backfill');
  const producer = role('Producer');
  const forgetter = role('Forgetter');
  const replayer = role('Replayer');
  store.grantForget(forgetter);
  store.grantReplay(replayer);
  store.grantExport(exporter);
  store.grantBackfill(backfill);
  store.grantProduce(producer, source);
  const idOf = (r: iam.Role) => stack.getLogicalId(r.node.defaultChild as iam.CfnRole);
  return {
    deployed: deployedFrom(Template.fromStack(stack), registry),
    roles: {
      exporter: idOf(exporter),
      backfill: idOf(backfill),
      producer: idOf(producer),
      forgetter: idOf(forgetter),
      replayer: idOf(replayer),
    },
  };
}

/** The calls as IAM requests for the deployed store, the role's, allowed and each one needed. */
export async function expectRoleFits(
  store: OperatorStore,
  flags: StoreFlags,
  role: OperatorRole,
  calls: AwsCall[],
): Promise<void> {
  const { deployed } = store;
  const renames = new Map([
    [flags.bucket, deployed.storeBucket()],
    [flags.workgroup, String(deployed.ofType('AWS::Athena::WorkGroup')[0]![1].Name)],
    [
      flags.database,
      String(
        (deployed.ofType('AWS::Glue::Database')[0]![1].DatabaseInput as { Name: string }).Name,
      ),
    ],
  ]);
  const requests = new CallTranslator(deployed, renames).translate(calls);
  await expectAllAllowed(deployed, { roleId: store.roles[role] }, requests);
  await expectEveryGrantNeeded(
    deployed,
    { roleId: store.roles[role], name: role as RoleName },
    requests,
  );
}
