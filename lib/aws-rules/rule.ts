/**
 * An AWS rule the code relies on, with the AWS documentation page it comes from. Nothing here
 * can reach AWS, so every limit, spelling or behaviour the stores, the CDK constructs and the
 * stand-ins depend on is written once, as data, beside its source.
 */
export interface AwsRule<T> {
  readonly value: T;
  /** The documentation page that states the rule. */
  readonly source: string;
}

export function awsRule<T>(value: T, source: string): AwsRule<T> {
  return Object.freeze({ value, source });
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
