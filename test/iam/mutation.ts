/**
 * Least privilege by mutation: each action a role is granted is removed in turn from its
 * synthesized policy (from every statement that names it), and the role's recorded requests are
 * simulated again. An action whose removal denies none of them is needed by no call the code
 * makes: it must be named, with its reason and source, in `NEEDED_BY_AWS` (AWS itself calls
 * with the role: Lambda's runtime, its event source mapping), or leave the grant.
 */
import { expect } from 'vitest';
import type { IamRequest } from './calls.ts';
import type { Deployed, PolicyDocument } from './deployed.ts';
import { NEEDED_BY_AWS, type RoleName } from './needed-by-aws.ts';
import { decide } from './simulate.ts';

const actionsOf = (statement: Record<string, unknown>): string[] =>
  [statement.Action ?? []].flat() as string[];

/** Every action the policy allows, once. */
export function grantedActions(policy: PolicyDocument): string[] {
  return [
    ...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap(actionsOf)),
  ].sort();
}

/** The policy without `action` (a statement left with no action goes). */
export function without(policy: PolicyDocument, action: string): PolicyDocument {
  return {
    ...policy,
    Statement: policy.Statement.flatMap((s) => {
      const kept = actionsOf(s).filter((a) => a !== action);
      return kept.length === 0 ? [] : [{ ...s, Action: kept }];
    }),
  };
}

export interface MutationResult {
  readonly action: string;
  /** The requests denied without it. */
  readonly denied: number;
}

/** For each granted action: how many of `requests` are denied once it is removed. */
export async function mutateGrants(
  deployed: Deployed,
  roleId: string,
  requests: readonly IamRequest[],
): Promise<MutationResult[]> {
  const policy = deployed.identityPolicy(roleId);
  const unique = [...new Map(requests.map((r) => [JSON.stringify(r), r])).values()];
  const results: MutationResult[] = [];
  for (const action of grantedActions(policy)) {
    const mutated = without(policy, action);
    let denied = 0;
    for (const request of unique) {
      const { decision } = await decide(deployed, { roleId, policy: mutated }, request);
      if (decision !== 'Allowed') denied++;
    }
    results.push({ action, denied });
  }
  return results;
}

/**
 * Every action granted to the role is needed by a recorded request or named for it in
 * `NEEDED_BY_AWS`; every action named there is granted (the list does not outlive a grant).
 */
export async function expectEveryGrantNeeded(
  deployed: Deployed,
  role: { roleId: string; name: RoleName },
  requests: readonly IamRequest[],
): Promise<MutationResult[]> {
  const results = await mutateGrants(deployed, role.roleId, requests);
  const named = new Set(NEEDED_BY_AWS[role.name].map((n) => n.action));
  const unneeded = results.filter((r) => r.denied === 0 && !named.has(r.action));
  expect(
    unneeded.map((r) => r.action),
    `granted to ${role.name} but needed by no recorded call`,
  ).toEqual([]);
  const granted = new Set(results.map((r) => r.action));
  expect(
    [...named].filter((a) => !granted.has(a)),
    `named for ${role.name} in NEEDED_BY_AWS but not granted`,
  ).toEqual([]);
  return results;
}
