/**
 * Evaluates IAM requests with a maintained IAM policy simulator (@cloud-copilot/iam-simulate,
 * a test-only devDependency): the caller's identity policy, and the resource's own policy
 * (bucket, key, topic) where it has one, in one account.
 */
import type { Registry } from '../../lib/registry/types.ts';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { expect } from 'vitest';
import type { HandlerName } from '../../lib/cdk/handler-function.ts';
import { HANDLER_ENV } from '../../lib/config.ts';
import {
  inferenceLogDeliveryStreamName,
  offlineDeliveryStreamName,
  onlineTableName,
} from '../../lib/core/naming.ts';
import { CallTranslator, type AwsCall, type IamRequest } from './calls.ts';
import { expectEveryGrantNeeded } from './mutation.ts';
import { ACCOUNT, deployedStore, type Deployed, type PolicyDocument } from './deployed.ts';

/** The simulator's decision, or `Error` when it rejects the request itself (unknown action...). */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';

/** Who makes the request: a role (by its identity policy) or a service principal. */
export type Caller =
  | { readonly roleId: string; readonly policy?: PolicyDocument }
  | { readonly service: string; readonly context: Record<string, string> };

/** The policy that protects a resource ARN: the bucket's for objects, the key's, the topic's. */
function resourcePolicy(deployed: Deployed, resource: string): PolicyDocument | undefined {
  const bucket = /^(arn:aws:s3:::[^/]+)/.exec(resource)?.[1];
  return deployed.resourcePolicyOf(bucket ?? resource);
}

/**
 * One request's decision. `onResource` replaces the resource's own policy (a role's trust
 * policy, for sts:AssumeRole).
 */
export async function decide(
  deployed: Deployed,
  caller: Caller,
  request: IamRequest,
  onResource?: PolicyDocument,
): Promise<{ decision: Decision; detail: string }> {
  const isRole = 'roleId' in caller;
  const principal = isRole ? deployed.getAtt(caller.roleId, 'Arn') : caller.service;
  const policy = onResource ?? resourcePolicy(deployed, request.resource);
  const response = await runSimulation(
    {
      identityPolicies: isRole
        ? [
            {
              name: 'role',
              policy: (caller.policy ?? deployed.identityPolicy(caller.roleId)) as never,
            },
          ]
        : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policy ? { resourcePolicy: policy as never } : {}),
      request: {
        action: request.action,
        principal,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...(isRole ? {} : caller.context),
          ...request.context,
        },
      },
    } as never,
    {},
  );
  if (response.resultType === 'error')
    return { decision: 'Error', detail: JSON.stringify(response.errors) };
  return { decision: response.overallResult as Decision, detail: '' };
}

const describeRequest = (r: IamRequest) =>
  `${r.action} ${r.resource}${r.context ? ` ${JSON.stringify(r.context)}` : ''} (${r.because})`;

/** Every request is allowed; failures list each denied request. */
export async function expectAllAllowed(
  deployed: Deployed,
  caller: Caller,
  requests: readonly IamRequest[],
  onResource?: PolicyDocument,
): Promise<void> {
  expect(requests.length).toBeGreaterThan(0);
  const denied: string[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const id = describeRequest(request);
    if (seen.has(id)) continue;
    seen.add(id);
    const { decision, detail } = await decide(deployed, caller, request, onResource);
    if (decision !== 'Allowed') denied.push(`${decision}: ${id}${detail ? ` ${detail}` : ''}`);
  }
  expect(denied).toEqual([]);
}

export async function expectDenied(
  deployed: Deployed,
  caller: Caller,
  request: IamRequest,
  onResource?: PolicyDocument,
): Promise<void> {
  const { decision, detail } = await decide(deployed, caller, request, onResource);
  // A request the simulator cannot evaluate proves nothing: only a real denial passes.
  expect(
    ['ExplicitlyDenied', 'ImplicitlyDenied'],
    `${describeRequest(request)} ${detail}`,
  ).toContain(decision);
}

/**
 * The IAM contract of one handler: every AWS call it made in a test (with the settings the test
 * gave it, `testSettings`, by `HANDLER_ENV` key) is allowed to the role the stack gives that
 * handler, with the names the stack gives the same settings, and every action the role is
 * granted is needed by one of those calls or named in `NEEDED_BY_AWS` (`mutation.ts`). A
 * setting the test used that the stack does not give the handler fails first. `registry`: the
 * definitions the handler was deployed with (default: the flights example).
 */
export async function expectCallsAllowedForHandler(
  handler: HandlerName,
  calls: readonly AwsCall[],
  testSettings: Partial<Record<keyof typeof HANDLER_ENV, string>>,
  registry?: Registry,
  /** False when the calls are one part of the handler's work (each grant is then not checked needed). */
  options: { readonly everyGrantNeeded?: boolean } = {},
): Promise<void> {
  const deployed = await deployedStore(registry);
  const settings = deployed.handlerSettings(handler);
  const renames = new Map<string, string>();
  for (const [key, value] of Object.entries(testSettings) as [keyof typeof HANDLER_ENV, string][]) {
    const deployedValue = settings[key];
    expect(deployedValue, `the stack gives ${handler} no ${key}`).toBeDefined();
    renames.set(value, deployedValue!);
  }
  if (testSettings.prefix !== undefined)
    for (const [from, to] of derivedNames(deployed, testSettings.prefix, settings.prefix!))
      renames.set(from, to);
  const requests = new CallTranslator(deployed, renames).translate(calls);
  const roleId = deployed.function(handler).roleId;
  await expectAllAllowed(deployed, { roleId }, requests);
  if (options.everyGrantNeeded !== false)
    await expectEveryGrantNeeded(deployed, { roleId, name: handler }, requests);
}

/** The test's values of the settings the handler reads from `process.env`. */
export function settingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  keys: readonly (keyof typeof HANDLER_ENV)[],
): Partial<Record<keyof typeof HANDLER_ENV, string>> {
  return Object.fromEntries(
    keys.filter((k) => env[HANDLER_ENV[k]] !== undefined).map((k) => [k, env[HANDLER_ENV[k]]!]),
  );
}

/** Names derived from the prefix (`lib/core/naming.ts`): the test's and the stack's. */
function derivedNames(deployed: Deployed, from: string, to: string): [string, string][] {
  const names = (prefix: string): string[] => {
    const n = { prefix };
    return [
      onlineTableName(n),
      inferenceLogDeliveryStreamName(n),
      ...deployed.registry.featureViews.map((v) => offlineDeliveryStreamName(n, v)),
    ];
  };
  const target = names(to);
  return names(from).map((name, i) => [name, target[i]!]);
}
