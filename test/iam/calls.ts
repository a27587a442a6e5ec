/**
 * Recorded AWS calls (`recorder.ts`) as the requests IAM authorizes: one action and resource per
 * call, derived from the call itself (the service and operation name the action; the input's
 * table, stream, bucket/key, delivery stream, topic, queue, workgroup or Glue table names the
 * resource), plus what AWS does with the caller's own credentials because of the call:
 * - an S3 object under SSE-KMS: PutObject needs kms:GenerateDataKey, GetObject kms:Decrypt
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
 * - a Kinesis stream with a KMS key: producers need kms:GenerateDataKey, consumers kms:Decrypt
 *   (https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html);
 * - an SNS topic or SQS queue with a KMS key: the sender needs kms:GenerateDataKey and
 *   kms:Decrypt (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 * - a DynamoDB table with a customer managed key: DynamoDB decrypts the table key as the caller
 *   (kms:Decrypt, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html);
 * - an Athena query: `athena-caller.ts`.
 *
 * Names the test gave the code (its bucket, workgroup, table...) map to the names the stack
 * gives the same settings (`Renames`), so the requests address the deployed resources.
 */
import { athenaOnBehalf } from './athena-caller.ts';
import { ACCOUNT, REGION, type Deployed } from './deployed.ts';
import { fromMocks, type AwsCall } from './recorder.ts';

export type { AwsCall } from './recorder.ts';

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** Which call (and why) this request stands for. */
  readonly because: string;
}

/** Test value → deployed value of each setting the code was given. */
export type Renames = ReadonlyMap<string, string>;

/** Every command sent through these `aws-sdk-client-mock` stubs. */
export function recordedCalls(...mocks: Parameters<typeof fromMocks>[1][]): AwsCall[] {
  return fromMocks('mocked', ...mocks);
}

/**
 * Operations whose IAM action has another name than the operation (Service Authorization
 * Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * and .../list_amazonsqs.html): every other operation is authorized as `<service>:<operation>`.
 * An operation missing here whose action differs fails the simulation as an unknown action.
 */
const ACTION_OF: Readonly<Record<string, string>> = {
  'S3:ListObjectsV2': 's3:ListBucket',
  'S3:HeadBucket': 's3:ListBucket',
  'S3:HeadObject': 's3:GetObject',
  'S3:DeleteObjects': 's3:DeleteObject',
  'S3:CreateMultipartUpload': 's3:PutObject',
  'S3:UploadPart': 's3:PutObject',
  'S3:CompleteMultipartUpload': 's3:PutObject',
  'SQS:SendMessageBatch': 'sqs:SendMessage',
};

export function actionOf(call: Pick<AwsCall, 'service' | 'operation'>): string {
  return (
    ACTION_OF[`${call.service}:${call.operation}`] ??
    `${call.service.toLowerCase()}:${call.operation}`
  );
}

export const regional = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
export const s3Object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
export const s3Bucket = (bucket: string) => `arn:aws:s3:::${bucket}`;

/** Input fields that carry a handle an earlier call returned (a shard iterator, a query id). */
const HANDLES = ['ShardIterator', 'QueryExecutionId'] as const;
const RETURNED_HANDLES = ['ShardIterator', 'NextShardIterator', 'QueryExecutionId'] as const;

export class CallTranslator {
  /** Handle → the resource of the call that returned it. */
  private readonly handles = new Map<string, string>();
  /** The last resource each service's calls addressed (for a handle whose answer was mocked). */
  private readonly lastOf = new Map<string, string>();

  constructor(
    readonly deployed: Deployed,
    private readonly renames: Renames,
  ) {}

  name(value: unknown): string {
    const s = String(value);
    return this.renames.get(s) ?? s;
  }

  translate(calls: readonly AwsCall[]): IamRequest[] {
    return calls.flatMap((c) => this.one(c));
  }

  private one(call: AwsCall): IamRequest[] {
    const because = `${call.service}.${call.operation}`;
    const action = actionOf(call);
    const targets = this.resourcesOf(call, action);
    for (const { resource } of targets) this.lastOf.set(call.service, resource);
    for (const field of RETURNED_HANDLES) {
      const handle = call.output?.[field];
      if (typeof handle === 'string') this.handles.set(handle, targets[0]!.resource);
    }
    return targets.flatMap(({ resource, context }) => [
      { action, resource, because, ...(context ? { context } : {}) },
      ...this.keyUse(action, resource, because),
      ...(call.operation === 'StartQueryExecution'
        ? athenaOnBehalf(this, resource.split('/').pop()!, call.input)
        : []),
    ]);
  }

  /** The resources a call addresses, read from its input. */
  private resourcesOf(
    call: AwsCall,
    action: string,
  ): { resource: string; context?: Record<string, string> }[] {
    const i = call.input;
    if (i.Bucket !== undefined) {
      const bucket = this.name(i.Bucket);
      if (action === 's3:ListBucket')
        return [{ resource: s3Bucket(bucket), context: { 's3:prefix': String(i.Prefix ?? '') } }];
      return [
        { resource: i.Key === undefined ? s3Bucket(bucket) : s3Object(bucket, String(i.Key)) },
      ];
    }
    if (i.RequestItems !== undefined)
      return Object.keys(i.RequestItems as object).map((t) => ({
        resource: regional('dynamodb', `table/${this.name(t)}`),
      }));
    if (i.TableName !== undefined && i.DatabaseName === undefined)
      return [{ resource: regional('dynamodb', `table/${this.name(i.TableName)}`) }];
    if (i.StreamARN !== undefined) return [{ resource: this.name(i.StreamARN) }];
    if (i.StreamName !== undefined)
      return [{ resource: regional('kinesis', `stream/${this.name(i.StreamName)}`) }];
    if (i.DeliveryStreamName !== undefined)
      return [
        { resource: regional('firehose', `deliverystream/${this.name(i.DeliveryStreamName)}`) },
      ];
    if (i.TopicArn !== undefined) return [{ resource: this.name(i.TopicArn) }];
    if (i.QueueUrl !== undefined)
      return [{ resource: regional('sqs', this.name(i.QueueUrl).split('/').pop()!) }];
    if (i.WorkGroup !== undefined)
      return [{ resource: regional('athena', `workgroup/${this.name(i.WorkGroup)}`) }];
    if (i.DatabaseName !== undefined) {
      const db = this.name(i.DatabaseName);
      const table = i.Name ?? i.TableName;
      return [
        regional('glue', 'catalog'),
        regional('glue', `database/${db}`),
        ...(table === undefined ? [] : [regional('glue', `table/${db}/${String(table)}`)]),
      ].map((resource) => ({ resource }));
    }
    for (const field of HANDLES) {
      const handle = i[field];
      if (handle === undefined) continue;
      const resource = this.handles.get(String(handle)) ?? this.lastOf.get(call.service);
      if (resource) return [{ resource }];
    }
    const last = this.lastOf.get(call.service);
    if (last && i.NextToken !== undefined) return [{ resource: last }];
    throw new Error(`no resource in ${call.service}.${call.operation}: ${JSON.stringify(i)}`);
  }

  /** The KMS calls AWS makes as the caller because of this action on this resource. */
  keyUse(action: string, resource: string, because: string): IamRequest[] {
    const bucket = /^arn:aws:s3:::([^/]+)\/./.exec(resource)?.[1];
    const key = this.deployed.keyOf(bucket ? s3Bucket(bucket) : resource);
    if (!key) return [];
    const uses: Record<string, string[]> = {
      's3:PutObject': ['kms:GenerateDataKey'],
      's3:GetObject': ['kms:Decrypt'],
      'kinesis:PutRecords': ['kms:GenerateDataKey'],
      'kinesis:PutRecord': ['kms:GenerateDataKey'],
      'kinesis:GetRecords': ['kms:Decrypt'],
      'sns:Publish': ['kms:GenerateDataKey', 'kms:Decrypt'],
      'sqs:SendMessage': ['kms:GenerateDataKey', 'kms:Decrypt'],
    };
    const actions =
      uses[action] ?? (action.startsWith('dynamodb:') ? ['kms:Decrypt'] : ([] as string[]));
    return actions.map((a) => ({ action: a, resource: key, because: `${because} (KMS key)` }));
  }
}
