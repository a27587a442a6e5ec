/**
 * Ordering a resource after its role's policy. A service (Firehose, Glue) checks the role's
 * permissions when the resource is created, so the inline policy must exist first; the role
 * itself is already ordered by the `Fn::GetAtt` of its ARN (a second dependency on it is
 * cfn-lint's W3005).
 */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

export function dependOnRolePolicy(dependent: IConstruct, role: iam.Role): void {
  dependent.node.addDependency(role.node.tryFindChild('DefaultPolicy') ?? role);
}
