/** AWS Lambda: concurrency in a new account and what a Kinesis event source mapping uses. */
import { awsRule } from './rule.ts';

export const LAMBDA = {
  /**
   * New accounts start with reduced concurrency quotas (10 concurrent executions, raised by AWS
   * with usage), and Lambda keeps the unreserved pool for functions without reservations.
   */
  newAccountConcurrency: awsRule(
    10,
    'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  ),
  /**
   * A Kinesis event source mapping runs one batch per shard at a time, times its
   * ParallelizationFactor (1-10): that many concurrent invocations per stream.
   */
  kinesisConcurrencyPerShard: awsRule(
    'parallelizationFactor',
    'https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-parallelization.html',
  ),
} as const;
