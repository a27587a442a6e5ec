/**
 * The synthesized template as one deployment would see it: every `Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Select`, `Fn::Split` and pseudo parameter resolved to the concrete names and
 * ARNs CloudFormation would give the resources (in one made-up account and region), so policies
 * can be evaluated against the ARNs the handlers address.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_ENV } from '../../lib/config.ts';
import type { HandlerName } from '../../lib/cdk/handler-function.ts';
import type { Registry } from '../../lib/registry/types.ts';
import { flightsRegistry, synthStore } from '../cdk/synth.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PARTITION = 'aws';

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Record<string, unknown>[];
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export class Deployed {
  readonly resources: Record<string, CfnResource>;

  constructor(
    raw: Record<string, CfnResource>,
    readonly registry: Registry,
  ) {
    // Physical names come from literal properties, so `ref` works on the raw template while
    // every property is resolved.
    this.resources = raw;
    const resolved: Record<string, CfnResource> = {};
    for (const [id, r] of Object.entries(raw)) {
      resolved[id] = { Type: r.Type, Properties: this.resolve(r.Properties ?? {}) as never };
    }
    this.resources = resolved;
  }

  /** Physical name (`Ref`) of a resource, as CloudFormation would return it. */
  ref(id: string): string {
    const r = this.rawResource(id);
    const p = r.Properties ?? {};
    const lower = id.toLowerCase();
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return (p.BucketName as string) ?? `bucket-${lower}`;
      case 'AWS::KMS::Key':
        return `key-${lower}`;
      case 'AWS::SNS::Topic':
        return this.arn('sns', '', String(p.TopicName));
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${String(p.QueueName)}`;
      case 'AWS::DynamoDB::Table':
        return String(p.TableName);
      case 'AWS::Kinesis::Stream':
        return String(p.Name);
      case 'AWS::KinesisFirehose::DeliveryStream':
        return String(p.DeliveryStreamName);
      case 'AWS::Logs::LogGroup':
        return (p.LogGroupName as string) ?? `loggroup-${lower}`;
      case 'AWS::Logs::LogStream':
        return String(p.LogStreamName);
      case 'AWS::Lambda::Function':
        return String(p.FunctionName);
      case 'AWS::IAM::Role':
        return `role-${lower}`;
      case 'AWS::Athena::WorkGroup':
        return String(p.Name);
      case 'AWS::Glue::Database':
        return String((p.DatabaseInput as { Name: string }).Name);
      default:
        return lower;
    }
  }

  getAtt(id: string, attribute: string): string {
    const r = this.rawResource(id);
    const name = this.ref(id);
    if (attribute !== 'Arn') {
      if (r.Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return name.split('/').pop()!;
      if (r.Type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return name;
      return `${id}.${attribute}`;
    }
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return `arn:${PARTITION}:s3:::${name}`;
      case 'AWS::KMS::Key':
        return this.arn('kms', 'key/', name);
      case 'AWS::SNS::Topic':
        return name;
      case 'AWS::SQS::Queue':
        return this.arn('sqs', '', name.split('/').pop()!);
      case 'AWS::DynamoDB::Table':
        return this.arn('dynamodb', 'table/', name);
      case 'AWS::Kinesis::Stream':
        return this.arn('kinesis', 'stream/', name);
      case 'AWS::KinesisFirehose::DeliveryStream':
        return this.arn('firehose', 'deliverystream/', name);
      case 'AWS::Logs::LogGroup':
        return this.arn('logs', 'log-group:', `${name}:*`);
      case 'AWS::Lambda::Function':
        return this.arn('lambda', 'function:', name);
      case 'AWS::IAM::Role':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
      default:
        return this.arn('unknown', `${r.Type}/`, name);
    }
  }

  private arn(service: string, resourcePrefix: string, name: string): string {
    return `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resourcePrefix}${name}`;
  }

  private rawResource(id: string): CfnResource {
    const r = this.resources[id];
    if (!r) throw new Error(`no resource ${id} in the template`);
    return r;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      if (k === 'Ref') return this.refOf(String(arg));
      if (k === 'Fn::GetAtt') {
        const [id, attr] = arg as [string, string];
        return this.getAtt(id, attr);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(sep);
      }
      if (k === 'Fn::Select') {
        const [i, list] = arg as [number, unknown];
        return (this.resolve(list) as unknown[])[Number(i)];
      }
      if (k === 'Fn::Split') {
        const [sep, s] = arg as [string, unknown];
        return String(this.resolve(s)).split(sep);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(o[k])]));
  }

  private refOf(name: string): string {
    switch (name) {
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'Skewless';
      default:
        return this.resources[name] ? this.ref(name) : name;
    }
  }

  ofType(type: string): [string, Record<string, unknown>][] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]);
  }

  /** The identity policy of a role: its inline policies and every AWS::IAM::Policy on it. */
  identityPolicy(roleId: string): PolicyDocument {
    const roleName = this.ref(roleId);
    const inline = (
      (this.resources[roleId]?.Properties?.Policies as { PolicyDocument: PolicyDocument }[]) ?? []
    ).flatMap((p) => p.PolicyDocument.Statement);
    const attached = this.ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Roles as string[]).includes(roleName))
      .flatMap(([, p]) => (p.PolicyDocument as PolicyDocument).Statement);
    return { Version: '2012-10-17', Statement: [...inline, ...attached] };
  }

  roleIdOfArn(arn: string): string {
    const found = this.ofType('AWS::IAM::Role').find(([id]) => this.getAtt(id, 'Arn') === arn);
    if (!found) throw new Error(`no role with ARN ${arn}`);
    return found[0];
  }

  function(handler: HandlerName): { roleId: string; environment: Record<string, string> } {
    const found = this.ofType('AWS::Lambda::Function').find(
      ([, p]) => p.FunctionName === `skewless-${handler}`,
    );
    if (!found) throw new Error(`no function for handler ${handler}`);
    const p = found[1] as { Role: string; Environment?: { Variables: Record<string, string> } };
    return { roleId: this.roleIdOfArn(p.Role), environment: p.Environment?.Variables ?? {} };
  }

  /** Bucket, key, topic and queue policies by the ARN of the resource they protect. */
  resourcePolicyOf(arn: string): PolicyDocument | undefined {
    for (const [id, r] of Object.entries(this.resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::KMS::Key' && this.getAtt(id, 'Arn') === arn)
        return p.KeyPolicy as PolicyDocument;
    }
    for (const [, p] of this.ofType('AWS::S3::BucketPolicy')) {
      if (`arn:${PARTITION}:s3:::${String(p.Bucket)}` === arn) return p.PolicyDocument as never;
    }
    for (const [, p] of this.ofType('AWS::SNS::TopicPolicy')) {
      if ((p.Topics as string[]).includes(arn)) return p.PolicyDocument as never;
    }
    return undefined;
  }

  /** KMS key ARN that encrypts a bucket, topic, queue, table or stream (by the resource's ARN). */
  keyOf(arn: string): string | undefined {
    for (const [id, r] of Object.entries(this.resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::S3::Bucket' && this.getAtt(id, 'Arn') === arn) {
        const sse = (
          p.BucketEncryption as {
            ServerSideEncryptionConfiguration: {
              ServerSideEncryptionByDefault: { KMSMasterKeyID?: string };
            }[];
          }
        )?.ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault.KMSMasterKeyID;
        return sse;
      }
      if (r.Type === 'AWS::SNS::Topic' && this.ref(id) === arn)
        return keyArn(this, p.KmsMasterKeyId);
      if (r.Type === 'AWS::SQS::Queue' && this.getAtt(id, 'Arn') === arn)
        return keyArn(this, p.KmsMasterKeyId);
      if (r.Type === 'AWS::DynamoDB::Table' && this.getAtt(id, 'Arn') === arn)
        return keyArn(
          this,
          (p.SSESpecification as { KMSMasterKeyId?: string } | undefined)?.KMSMasterKeyId,
        );
      if (r.Type === 'AWS::Kinesis::Stream' && this.getAtt(id, 'Arn') === arn)
        return keyArn(this, (p.StreamEncryption as { KeyId?: string } | undefined)?.KeyId);
    }
    return undefined;
  }

  /** The store bucket (the KMS-encrypted one). */
  storeBucket(): string {
    const found = this.ofType('AWS::S3::Bucket').find(([, p]) =>
      JSON.stringify(p.BucketEncryption ?? '').includes('aws:kms'),
    );
    if (!found) throw new Error('no store bucket');
    return this.ref(found[0]);
  }

  /** The environment settings (by `HANDLER_ENV` key) the stack gives a handler. */
  handlerSettings(handler: HandlerName): Partial<Record<keyof typeof HANDLER_ENV, string>> {
    const env = this.function(handler).environment;
    return Object.fromEntries(
      (Object.entries(HANDLER_ENV) as [keyof typeof HANDLER_ENV, string][])
        .filter(([, variable]) => env[variable] !== undefined)
        .map(([key, variable]) => [key, env[variable]!]),
    );
  }
}

/** A key given as an ARN, a key id, or an alias; KMS key ids resolve to the key's ARN. */
function keyArn(deployed: Deployed, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('arn:')) return value;
  const found = deployed.ofType('AWS::KMS::Key').find(([id]) => deployed.ref(id) === value);
  return found ? deployed.getAtt(found[0], 'Arn') : value;
}

/** A synthesized template, resolved. */
export function deployedFrom(template: Template, registry: Registry): Deployed {
  return new Deployed(template.toJSON().Resources as Record<string, CfnResource>, registry);
}

let cached: Promise<Deployed> | undefined;

/**
 * The flights store, synthesized once per test file (bundling skipped), resolved; or the store
 * of other definitions (a test whose handler was deployed with them).
 */
export function deployedStore(registry?: Registry): Promise<Deployed> {
  if (registry) return Promise.resolve(deployedFrom(synthStore(registry).template, registry));
  cached ??= (async () => {
    const flights = await flightsRegistry();
    return deployedFrom(synthStore(flights).template, flights);
  })();
  return cached;
}
