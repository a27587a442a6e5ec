/**
 * Physical name rules of the resources skewless names itself, keyed by CloudFormation type and
 * the property that carries the name. The CDK tests check every synthesized name against them.
 */
import { awsRule, type AwsRule } from './rule.ts';

export interface NameRule {
  /** The property path of the name inside the resource's Properties. */
  readonly property: readonly string[];
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
}

const rule = (property: string[], min: number, max: number, pattern: RegExp, source: string) =>
  awsRule<NameRule>({ property, min, max, pattern }, source);

export const NAME_RULES: Readonly<Record<string, AwsRule<NameRule>>> = {
  'AWS::DynamoDB::Table': rule(
    ['TableName'],
    3,
    255,
    /^[a-zA-Z0-9_.-]+$/,
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html',
  ),
  'AWS::Kinesis::Stream': rule(
    ['Name'],
    1,
    128,
    /^[a-zA-Z0-9_.-]+$/,
    'https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html',
  ),
  'AWS::KinesisFirehose::DeliveryStream': rule(
    ['DeliveryStreamName'],
    1,
    64,
    /^[a-zA-Z0-9_.-]+$/,
    'https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html',
  ),
  'AWS::Lambda::Function': rule(
    ['FunctionName'],
    1,
    64,
    /^[a-zA-Z0-9_-]+$/,
    'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html',
  ),
  'AWS::Logs::LogGroup': rule(
    ['LogGroupName'],
    1,
    512,
    /^[.\-_/#A-Za-z0-9]+$/,
    'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  ),
  'AWS::SQS::Queue': rule(
    ['QueueName'],
    1,
    80,
    /^[a-zA-Z0-9_-]+$/,
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html',
  ),
  'AWS::SNS::Topic': rule(
    ['TopicName'],
    1,
    256,
    /^[a-zA-Z0-9_-]+$/,
    'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html',
  ),
  'AWS::Athena::WorkGroup': rule(
    ['Name'],
    1,
    128,
    /^[a-zA-Z0-9._-]+$/,
    'https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html',
  ),
  'AWS::KMS::Alias': rule(
    ['AliasName'],
    7,
    256,
    /^alias\/[a-zA-Z0-9/_-]+$/,
    'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html',
  ),
  // Athena reads table and database names in lower case letters, digits and underscores only.
  'AWS::Glue::Database': rule(
    ['DatabaseInput', 'Name'],
    1,
    255,
    /^[a-z0-9_]+$/,
    'https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html',
  ),
  'AWS::Glue::Table': rule(
    ['Name'],
    1,
    255,
    /^[a-z0-9_]+$/,
    'https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html',
  ),
};

/** What is wrong with `name` as a physical name of `type` (empty when nothing is). */
export function nameProblems(type: string, name: string): string[] {
  const found = NAME_RULES[type];
  if (!found) return [];
  const { min, max, pattern } = found.value;
  const problems: string[] = [];
  if (name.length < min || name.length > max)
    problems.push(`${type} name '${name}' has ${name.length} characters; AWS allows ${min}-${max}`);
  if (!pattern.test(name)) problems.push(`${type} name '${name}' does not match ${pattern}`);
  return problems;
}
