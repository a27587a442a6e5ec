/**
 * Serving: an HTTP API (v2) with IAM (SigV4) authorization by default, stage throttling and
 * JSON access logs; the lookup Lambda behind `POST /features`; and the inference-log Firehose
 * into `inference-log/dt=YYYY-MM-DD/`, partitioned by the UTC date of each record's
 * `served_at` (dynamic partitioning), so the skew check reads exactly the day it checks.
 */
import { ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors.ts';
import {
  inferenceLogDeliveryStreamName,
  type ResourceNames,
  INFERENCE_LOG_ERROR_PREFIX,
  INFERENCE_LOG_TABLE,
} from '../core/naming.ts';
import { SERVING_DEFAULTS } from './feature-store-defaults.ts';
import { HandlerFunction, type HandlerFunctionDefaults } from './handler-function.ts';
import type { OfflineStore } from './offline-store.ts';
import type { OnlineStore } from './online-store.ts';
import { dependOnRolePolicy } from './role-policy.ts';

/** The lookup route (the wire shapes are `lib/serve/types.ts`). */
export const LOOKUP_ROUTE = { method: apigwv2.HttpMethod.POST, path: '/features' } as const;

export type ApiAuthorization = 'iam' | 'none';

export interface ServingProps {
  readonly names: ResourceNames;
  readonly key: kms.IKey;
  readonly onlineStore: OnlineStore;
  readonly offlineStore: OfflineStore;
  readonly removalPolicy: RemovalPolicy;
  readonly functionDefaults: HandlerFunctionDefaults;
  readonly authorization: ApiAuthorization;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default - unreserved */
  readonly reservedConcurrency?: number;
  /**
   * Lookup Lambda environments kept initialized (no cold start for the first that many
   * concurrent requests), billed while configured. @default - none
   */
  readonly provisionedConcurrency?: number;
}

export class Serving extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly lookup: HandlerFunction;
  /** The alias API Gateway invokes, when provisioned concurrency is set. */
  public readonly lookupAlias?: lambda.Alias;
  public readonly inferenceLog: firehose.CfnDeliveryStream;
  public readonly inferenceLogGroup: logs.LogGroup;
  private readonly route: apigwv2.HttpRoute;
  private readonly onlineStore: OnlineStore;

  constructor(scope: Construct, id: string, props: ServingProps) {
    super(scope, id);
    const { names } = props;
    this.inferenceLogGroup = new logs.LogGroup(this, 'InferenceLogDeliveryLogs', {
      logGroupName: `/aws/kinesisfirehose/${names.prefix}-inference-log`,
      retention: props.functionDefaults.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.inferenceLog = this.inferenceLogStream(props);

    this.lookup = new HandlerFunction(this, 'Lookup', {
      ...props.functionDefaults,
      handler: 'lookup',
      description: 'Serves feature vectors from the online store and logs each one.',
      environment: { onlineTable: props.onlineStore.table.tableName },
      memorySize: SERVING_DEFAULTS.memorySize,
      timeout: SERVING_DEFAULTS.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    this.onlineStore = props.onlineStore;
    this.grantDirectLookup(this.lookup.role);
    this.lookupAlias = this.provisionedAlias(props);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.functionDefaults.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${names.prefix}-features`,
      description: 'skewless online feature lookup',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            caller: apigw.AccessLogField.contextIdentityUserArn(),
            requestTime: apigw.AccessLogField.contextRequestTime(),
            routeKey: '$context.routeKey',
            status: apigw.AccessLogField.contextStatus(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            error: '$context.error.message',
          }),
        ),
      },
    });
    [this.route] = this.api.addRoutes({
      path: LOOKUP_ROUTE.path,
      methods: [LOOKUP_ROUTE.method],
      integration: new HttpLambdaIntegration(
        'LookupIntegration',
        this.lookupAlias ?? this.lookup.function,
        {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        },
      ),
      authorizer:
        props.authorization === 'iam' ? new HttpIamAuthorizer() : new apigwv2.HttpNoneAuthorizer(),
    }) as [apigwv2.HttpRoute];
  }

  /** Lets a caller (a model's role) sign requests to the lookup route. */
  public grantLookup(grantee: iam.IGrantable): iam.Grant {
    return this.route.grantInvoke(grantee);
  }

  /**
   * What a lookup reads and writes, and nothing else: BatchGetItem on the online table (and
   * decrypting with its key), PutRecordBatch on the inference-log Firehose. The lookup Lambda's
   * role gets exactly this, and so does a service running `skewless/lookup` in its own process.
   */
  public grantDirectLookup(grantee: iam.IGrantable): void {
    this.onlineStore.grantLookup(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecordBatch'],
      resourceArns: [this.inferenceLog.attrArn],
    });
  }

  /** A `live` alias on the published version with environments kept warm, when asked for. */
  private provisionedAlias(props: ServingProps): lambda.Alias | undefined {
    const count = props.provisionedConcurrency;
    if (count === undefined) return undefined;
    if (!Number.isInteger(count) || count < 1) {
      throw new ValidationError(
        `lookupProvisionedConcurrency must be a positive integer (got ${count})`,
        'lookupProvisionedConcurrency',
      );
    }
    if (props.reservedConcurrency !== undefined && count > props.reservedConcurrency) {
      throw new ValidationError(
        `lookupProvisionedConcurrency (${count}) exceeds lookupReservedConcurrency (${props.reservedConcurrency}): Lambda refuses more provisioned than reserved environments`,
        'lookupProvisionedConcurrency',
      );
    }
    return new lambda.Alias(this, 'LookupLive', {
      aliasName: 'live',
      version: this.lookup.function.currentVersion,
      provisionedConcurrentExecutions: count,
    });
  }

  private inferenceLogStream(props: ServingProps): firehose.CfnDeliveryStream {
    const offline = props.offlineStore;
    const stack = Stack.of(this);
    const errorPrefix = INFERENCE_LOG_ERROR_PREFIX;
    const role = new iam.Role(this, 'InferenceLogDeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Firehose into the inference-log Iceberg table only',
    });
    offline.grantIcebergAppend(role, INFERENCE_LOG_TABLE, errorPrefix);
    const logStream = new logs.LogStream(this, 'InferenceLogDeliveryLogStream', {
      logGroup: this.inferenceLogGroup,
      logStreamName: 'delivery',
      removalPolicy: props.removalPolicy,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${this.inferenceLogGroup.logGroupName}:log-stream:delivery`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const keyArn = props.key.keyArn;
    // Refused records land by arrival day, where the skew check of that day looks for them.
    const errorOutputPrefix = `${errorPrefix}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;
    const stream = new firehose.CfnDeliveryStream(this, 'InferenceLogDelivery', {
      deliveryStreamName: inferenceLogDeliveryStreamName(props.names),
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn },
      // The log is a table (`INFERENCE_LOG_COLUMNS`, Parquet, by day of served_at): Athena reads
      // a day where it lives, and the skew check downloads only its sample.
      icebergDestinationConfiguration: {
        roleArn: role.roleArn,
        catalogConfiguration: { catalogArn: offline.glueArn('catalog') },
        destinationTableConfigurationList: [
          {
            destinationDatabaseName: offline.databaseName,
            destinationTableName: INFERENCE_LOG_TABLE,
            s3ErrorOutputPrefix: errorOutputPrefix,
          },
        ],
        appendOnly: true,
        bufferingHints: {
          intervalInSeconds: SERVING_DEFAULTS.inferenceLogBufferInterval.toSeconds(),
          sizeInMBs: SERVING_DEFAULTS.inferenceLogBufferSizeMiB,
        },
        retryOptions: { durationInSeconds: 3600 },
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: offline.bucket.bucketArn,
          roleArn: role.roleArn,
          errorOutputPrefix,
          encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: keyArn } },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.inferenceLogGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    stream.node.addDependency(offline.inferenceLogTable);
    stream.applyRemovalPolicy(props.removalPolicy);
    dependOnRolePolicy(stream, role);
    return stream;
  }
}
