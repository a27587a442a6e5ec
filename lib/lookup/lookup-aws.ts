/**
 * `skewless/lookup`: the lookup Lambda's core in a Node service's own process. It builds the
 * lookup's clients the way the Lambda module does (the lean SigV4 DynamoDB and Firehose callers
 * of `lib/serve/`), reads the online table with one BatchGetItem per lookup, and logs every
 * served vector to the store's inference-log Firehose through the buffered sink, flushed in
 * the background and on `close()`.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { CredentialSource } from '../client/sign.ts';
import type { LookupClient } from '../client/client.ts';
import { inferenceLogDeliveryStreamName, onlineTableName } from '../core/naming.ts';
import type { BatchGetOptions, OnlineStoreReader } from '../serve/batch-get.ts';
import { createDynamoDbClient, dynamoDbReader } from '../serve/dynamodb-aws.ts';
import { createFirehoseClient, createFirehoseWriter, firehoseApi } from '../serve/firehose-aws.ts';
import { createInProcessLookupCore, type InProcessLookupCore } from '../serve/in-process.ts';
import {
  createBufferedSink,
  type InferenceLogSink,
  type InferenceLogWriter,
} from '../serve/inference-log-sink.ts';
import type { LookupLimits } from '../serve/limits.ts';
import { resolveRegistry, type RegistrySource } from './registry-source.ts';

export interface LookupOptions {
  /** What to serve: bundled definitions, a compiled registry, or the registry document. */
  readonly registry: RegistrySource;
  /** The store's prefix (`FeatureStore` prop `prefix`): names the table and the log's Firehose. @default 'skewless' */
  readonly prefix?: string;
  /** @default `${prefix}-online` */
  readonly tableName?: string;
  /** @default `${prefix}-inference-log` */
  readonly deliveryStreamName?: string;
  /** @default process.env.AWS_REGION, else 'us-east-1' */
  readonly region?: string;
  /** @default the SDK's default credential chain (env, SSO, ECS/EC2 roles ...) */
  readonly credentials?: CredentialSource;
  /** Endpoints other than AWS's (a local stack). */
  readonly endpoints?: { readonly dynamodb?: string; readonly firehose?: string };
  /** Epoch ms: the read time of each lookup. @default Date.now */
  readonly clock?: () => number;
  /** Background flush period of the inference log. @default 1000 */
  readonly logFlushIntervalMs?: number;
  /** Log records kept at most while Firehose is slow or down; the oldest are dropped past it. @default 10000 */
  readonly logMaxBuffered?: number;
  /** Called with the count of log records given up on. @default a console warning */
  readonly onLogFailure?: (count: number, reason: unknown) => void;
  readonly limits?: Partial<LookupLimits>;
  /** Overrides for tests: the store, the log's writer or whole sink, the retry's sleep. */
  readonly overrides?: {
    readonly dynamodb?: OnlineStoreReader;
    readonly logWriter?: InferenceLogWriter;
    readonly inferenceLog?: InferenceLogSink;
    readonly batchGet?: BatchGetOptions;
    readonly newRequestId?: () => string;
  };
}

/** The typed client's `get`, answered in this process; `close()` flushes the log. */
export interface Lookup extends LookupClient, Omit<InProcessLookupCore, 'get'> {}

/**
 * Creates an in-process lookup.
 * @example
 * import * as definitions from './feature_defs/index.ts';
 * const features = await createLookup({ registry: { definitions }, prefix: 'fraud' });
 * const { rows } = await features.get(departureDelayModel, [{ origin: 'SFO', destination: 'LAX' }],
 *   { scheduled_hour: 19 });
 * rows[0].values.airport_delays__dep_delay_mean_1h; // number
 * process.once('SIGTERM', () => void features.close()); // flush the inference log
 */
export async function createLookup(options: LookupOptions): Promise<Lookup> {
  const runtime = await resolveRegistry(options.registry);
  const names = { prefix: options.prefix ?? 'skewless' };
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const credentials = options.credentials ?? defaultProvider();
  const over = options.overrides ?? {};
  const dynamodbClient = over.dynamodb
    ? undefined
    : createDynamoDbClient({ region, credentials, endpoint: options.endpoints?.dynamodb });
  const firehoseClient =
    over.logWriter || over.inferenceLog
      ? undefined
      : createFirehoseClient({ region, credentials, endpoint: options.endpoints?.firehose });
  const writer =
    over.logWriter ??
    createFirehoseWriter({
      firehose: firehoseApi(firehoseClient!),
      deliveryStreamName: options.deliveryStreamName ?? inferenceLogDeliveryStreamName(names),
    });
  const inferenceLog =
    over.inferenceLog ??
    createBufferedSink({
      writer,
      flushIntervalMs: options.logFlushIntervalMs ?? 1000,
      maxBuffered: options.logMaxBuffered,
      onFailure:
        options.onLogFailure ??
        ((count, reason) =>
          console.warn(`skewless: ${count} inference-log record(s) not sent: ${String(reason)}`)),
    });
  const core = createInProcessLookupCore({
    runtime,
    dynamodb: over.dynamodb ?? dynamoDbReader(dynamodbClient!),
    tableName: options.tableName ?? onlineTableName(names),
    inferenceLog,
    clock: options.clock ?? Date.now,
    newRequestId: over.newRequestId,
    limits: options.limits,
    batchGet: over.batchGet,
    onClose: () => {
      dynamodbClient?.destroy();
      firehoseClient?.destroy();
    },
  });
  return {
    get: core.get as LookupClient['get'],
    close: core.close,
    registryHash: core.registryHash,
    logStats: core.logStats,
  };
}
