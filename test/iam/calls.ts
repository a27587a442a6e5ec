/**
 * AWS calls a handler made in a test, as IAM requests (action + resource ARN + context keys).
 *
 * The SDK calls come from the mocked clients (aws-sdk-client-mock keeps every command sent).
 * Each becomes the request IAM authorizes, plus what AWS does with the caller's own
 * credentials on its behalf, as AWS documents it:
 * - S3 objects under SSE-KMS: PutObject needs kms:GenerateDataKey, GetObject kms:Decrypt;
 * - Kinesis streams with a CMK: the producer needs kms:GenerateDataKey;
 * - SNS topics and SQS queues with a CMK: the sender needs kms:GenerateDataKey and kms:Decrypt;
 * - DynamoDB tables with a CMK: DynamoDB decrypts the table key as the caller (kms:Decrypt);
 * - Athena runs a query as its caller: it reads the Glue tables the SQL names and their S3
 *   locations, creates/drops the tables of a DDL, writes an UNLOAD's target (after listing it:
 *   UNLOAD needs an empty prefix) and writes the query's results to the workgroup's location.
 *
 * Names the test gave the handler (its bucket, workgroup, database, topic, queue, table) are
 * mapped to the names the stack gives the same settings (`Renames`), so the requests address
 * the deployed resources.
 */
import { ACCOUNT, REGION, type Deployed } from './deployed.ts';

export interface SdkCall {
  /** Command class name, e.g. `PutObjectCommand`. */
  readonly command: string;
  readonly input: Record<string, unknown>;
}

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** Which call (and why) this request stands for. */
  readonly because: string;
}

/** Test value → deployed value of each handler setting. */
export type Renames = ReadonlyMap<string, string>;

interface MockedClient {
  calls(): readonly { args: readonly unknown[] }[];
}

/** Every command sent through these mocked clients, in order per client. */
export function recordedCalls(...clients: MockedClient[]): SdkCall[] {
  return clients.flatMap((client) =>
    client.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: object };
      return {
        command: command.constructor.name,
        input: command.input as Record<string, unknown>,
      };
    }),
  );
}

const s3Object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const s3Bucket = (bucket: string) => `arn:aws:s3:::${bucket}`;
const regional = (service: string, resource: string) =>
  `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

function parseS3(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

export class CallTranslator {
  /** Scratch tables created by earlier DDL in the same run: table → S3 location. */
  private readonly locations = new Map<string, string>();
  private workgroup: string | undefined;

  constructor(
    private readonly deployed: Deployed,
    private readonly renames: Renames,
  ) {}

  private name(value: unknown): string {
    const s = String(value);
    return this.renames.get(s) ?? s;
  }

  translate(calls: readonly SdkCall[]): IamRequest[] {
    return calls.flatMap((c) => this.one(c));
  }

  private one({ command, input }: SdkCall): IamRequest[] {
    const because = command;
    switch (command) {
      case 'PutObjectCommand':
        return this.objectWrite(this.name(input.Bucket), String(input.Key), because);
      case 'GetObjectCommand':
        return this.objectRead(this.name(input.Bucket), String(input.Key), because);
      case 'ListObjectsV2Command':
        return [this.list(this.name(input.Bucket), String(input.Prefix ?? ''), because)];
      case 'StartQueryExecutionCommand':
        this.workgroup = this.name(input.WorkGroup);
        return [
          {
            action: 'athena:StartQueryExecution',
            resource: regional('athena', `workgroup/${this.workgroup}`),
            because,
          },
          ...this.query(
            String(input.QueryString),
            String((input.QueryExecutionContext as { Database?: string } | undefined)?.Database),
          ),
        ];
      case 'GetQueryExecutionCommand':
        return [
          {
            action: 'athena:GetQueryExecution',
            resource: regional('athena', `workgroup/${this.workgroup ?? 'unknown'}`),
            because,
          },
        ];
      case 'PublishCommand':
        return this.encryptedSend('sns:Publish', this.name(input.TopicArn), because);
      case 'SendMessageCommand':
      case 'SendMessageBatchCommand':
        return this.encryptedSend('sqs:SendMessage', this.queueArn(input.QueueUrl), because);
      case 'PutItemCommand':
        return this.table('dynamodb:PutItem', input.TableName, because);
      case 'BatchGetItemCommand':
        return Object.keys(input.RequestItems as object).flatMap((t) =>
          this.table('dynamodb:BatchGetItem', t, because),
        );
      case 'PutRecordsCommand': {
        const stream = regional('kinesis', `stream/${this.name(input.StreamName)}`);
        const key = this.deployed.keyOf(stream);
        return [
          { action: 'kinesis:PutRecords', resource: stream, because },
          ...(key
            ? [{ action: 'kms:GenerateDataKey', resource: key, because: `${because} (encrypted)` }]
            : []),
        ];
      }
      case 'PutRecordBatchCommand':
        return [
          {
            action: 'firehose:PutRecordBatch',
            resource: regional('firehose', `deliverystream/${this.name(input.DeliveryStreamName)}`),
            because,
          },
        ];
      default:
        throw new Error(`no IAM translation for ${command}: add one to test/iam/calls.ts`);
    }
  }

  private table(action: string, table: unknown, because: string): IamRequest[] {
    const resource = regional('dynamodb', `table/${this.name(table)}`);
    const key = this.deployed.keyOf(resource);
    return [
      { action, resource, because },
      ...(key ? [{ action: 'kms:Decrypt', resource: key, because: `${because} (CMK table)` }] : []),
    ];
  }

  private queueArn(url: unknown): string {
    const deployedUrl = this.name(url);
    const name = deployedUrl.split('/').pop()!;
    return regional('sqs', name);
  }

  private encryptedSend(action: string, arn: string, because: string): IamRequest[] {
    const key = this.deployed.keyOf(arn);
    return [
      { action, resource: arn, because },
      ...(key
        ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((a) => ({
            action: a,
            resource: key,
            because: `${because} (encrypted)`,
          }))
        : []),
    ];
  }

  objectWrite(bucket: string, key: string, because: string): IamRequest[] {
    const kms = this.deployed.keyOf(s3Bucket(bucket));
    return [
      { action: 's3:PutObject', resource: s3Object(bucket, key), because },
      ...(kms
        ? [{ action: 'kms:GenerateDataKey', resource: kms, because: `${because} (SSE-KMS)` }]
        : []),
    ];
  }

  objectRead(bucket: string, key: string, because: string): IamRequest[] {
    const kms = this.deployed.keyOf(s3Bucket(bucket));
    return [
      { action: 's3:GetObject', resource: s3Object(bucket, key), because },
      ...(kms ? [{ action: 'kms:Decrypt', resource: kms, because: `${because} (SSE-KMS)` }] : []),
    ];
  }

  list(bucket: string, prefix: string, because: string): IamRequest {
    return {
      action: 's3:ListBucket',
      resource: s3Bucket(bucket),
      context: { 's3:prefix': prefix },
      because,
    };
  }

  /** What Athena does with the caller's permissions for one query. */
  private query(sql: string, database: string): IamRequest[] {
    const out: IamRequest[] = [...this.results()];
    const create = /^CREATE EXTERNAL TABLE `([^`]+)`\.`([^`]+)`[\s\S]*LOCATION '([^']+)'/.exec(sql);
    if (create) {
      const [, db, table, location] = create;
      const { bucket, key } = parseS3(location!);
      this.locations.set(table!, `s3://${this.name(bucket)}/${key}`);
      return [
        ...out,
        ...this.glue(['glue:CreateTable', 'glue:GetDatabase'], db!, table!, 'CREATE'),
      ];
    }
    const drop = /^DROP TABLE (?:IF EXISTS )?`([^`]+)`\.`([^`]+)`/.exec(sql);
    if (drop)
      return [
        ...out,
        ...this.glue(['glue:DeleteTable', 'glue:GetTable'], drop[1]!, drop[2]!, 'DROP'),
      ];
    const tables = new Set(
      [...sql.matchAll(/"([a-z0-9_]+)"\."([a-z0-9_]+)"/g)]
        .filter((m) => m[1] === database)
        .map((m) => m[2]!),
    );
    for (const table of tables) {
      out.push(...this.glue(['glue:GetTable', 'glue:GetPartitions'], database, table, 'SELECT'));
      const location = this.locations.get(table) ?? this.icebergLocation(table);
      const { bucket, key } = parseS3(location.endsWith('/') ? location : `${location}/`);
      out.push(this.list(bucket, key, `SELECT reads ${table}`));
      out.push(...this.objectRead(bucket, `${key}data/part-0.parquet`, `SELECT reads ${table}`));
    }
    const unload = /\)\nTO '([^']+)'\nWITH/.exec(sql);
    if (unload) {
      const { bucket, key } = parseS3(unload[1]!);
      const target = { bucket: this.name(bucket), key };
      out.push(this.list(target.bucket, target.key, 'UNLOAD checks its target is empty'));
      out.push(...this.objectWrite(target.bucket, `${target.key}20010101_0_0.parquet`, 'UNLOAD'));
    }
    return out;
  }

  /** Glue authorizes a table action on the catalog, the database and the table. */
  private glue(actions: string[], db: string, table: string, because: string): IamRequest[] {
    const database = this.name(db);
    const onDatabase = [regional('glue', 'catalog'), regional('glue', `database/${database}`)];
    return actions.flatMap((action) =>
      (action === 'glue:GetDatabase'
        ? onDatabase
        : [...onDatabase, regional('glue', `table/${database}/${table}`)]
      ).map((resource) => ({ action, resource, because: `${because} ${table}` })),
    );
  }

  /** The workgroup's enforced result location gets every query's result file. */
  private results(): IamRequest[] {
    const wg = this.deployed
      .ofType('AWS::Athena::WorkGroup')
      .find(([, p]) => p.Name === this.workgroup);
    if (!wg) throw new Error(`no deployed workgroup ${this.workgroup}`);
    const output = (
      wg[1].WorkGroupConfiguration as { ResultConfiguration: { OutputLocation: string } }
    ).ResultConfiguration.OutputLocation;
    const { bucket, key } = parseS3(output);
    return [
      { action: 's3:GetBucketLocation', resource: s3Bucket(bucket), because: 'query results' },
      ...this.objectWrite(bucket, `${key}query-id.csv`, 'query results'),
    ];
  }

  private icebergLocation(table: string): string {
    const found = this.deployed.ofType('AWS::Glue::Table').find(([, p]) => p.Name === table);
    if (!found) throw new Error(`the SQL reads table ${table}, which the stack does not create`);
    return (
      found[1].OpenTableFormatInput as {
        IcebergInput: { IcebergTableInput: { Location: string } };
      }
    ).IcebergInput.IcebergTableInput.Location;
  }
}
