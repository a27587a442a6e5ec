/**
 * cdk-nag acknowledgements. cdk-nag 3 reads CDK's own `Validations.of(x).acknowledge`; every
 * acknowledgement here sits on the narrowest construct (a role, a queue, a stream) with a
 * one-line reason, and wildcard findings name the exact resource pattern they accept.
 */
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag rule (`AwsSolutions-SQS3`) on one construct. */
export function acknowledgeRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/**
 * Acknowledges an `AwsSolutions-IAM5` finding for one resource pattern on one role, e.g.
 * `<Bucket.Arn>/offline/*` for objects under one prefix of one bucket.
 */
export function acknowledgeWildcardResource(
  role: IConstruct,
  resource: string,
  reason: string,
): void {
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}

/** How cdk-nag renders `Fn::GetAtt [resource, Arn]` inside a finding id. */
export function nagArnRef(resource: CfnResource): string {
  const stack = Stack.of(resource);
  return `<${stack.resolve(stack.getLogicalId(resource)) as string}.Arn>`;
}

/** How cdk-nag renders a `formatArn` in the stack's own partition, region and account. */
export function nagStackArn(service: string, resource: string): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
}
