/**
 * The local lookup API, wired the way the Lambda is: the same handler, the same lean DynamoDB
 * client (pointed at dynalite), the inference log written under the data folder. `npm start`
 * (`skewless dev`) serves it and records its URL as `lookup` in `endpoints.json`.
 */
import type { RuntimeRegistry } from '../registry/compile.ts';
import { createDynamoDbClient, dynamoDbReader } from '../serve/dynamodb-aws.ts';
import {
  createLookupHandler,
  type LookupHandler,
  type LookupHandlerDeps,
} from '../serve/handler.ts';
import { createBufferedSink, type InferenceLogSink } from '../serve/inference-log-sink.ts';
import { startLookupServer } from './http-server.ts';
import { createLocalInferenceLogWriter } from './inference-log.ts';
import { LOCAL_AWS, type LocalStack } from './stack.ts';

export interface LocalLookup {
  readonly url: string;
  readonly handler: LookupHandler;
  readonly inferenceLog: InferenceLogSink;
  /** Flushes the inference log, then stops the server. */
  close(): Promise<void>;
}

export async function startLocalLookup(options: {
  readonly stack: Pick<LocalStack, 'dataDir' | 'onlineTable' | 'endpoints'>;
  readonly runtime: RuntimeRegistry;
  /** The read time; the demo passes its simulated clock. @default Date.now */
  readonly clock?: () => number;
  readonly port?: number;
  /** Background flush period of the local log. @default 200 */
  readonly logFlushIntervalMs?: number;
  /** Overrides for tests (e.g. a wrapped store). */
  readonly overrides?: Partial<LookupHandlerDeps>;
}): Promise<LocalLookup> {
  const client = createDynamoDbClient({ ...LOCAL_AWS, endpoint: options.stack.endpoints.dynamodb });
  const logWriter = createLocalInferenceLogWriter(options.stack.dataDir);
  const inferenceLog = createBufferedSink({
    writer: logWriter,
    flushIntervalMs: options.logFlushIntervalMs ?? 200,
    onFailure: (count, reason) =>
      console.warn(`inference log: ${count} record(s) not written: ${String(reason)}`),
  });
  const handler = createLookupHandler({
    runtime: options.runtime,
    dynamodb: dynamoDbReader(client),
    tableName: options.stack.onlineTable,
    inferenceLog,
    clock: options.clock ?? Date.now,
    ...options.overrides,
  });
  const server = await startLookupServer({ handler, port: options.port });
  return {
    url: server.url,
    handler,
    inferenceLog: options.overrides?.inferenceLog ?? inferenceLog,
    async close() {
      await server.close();
      await inferenceLog.close();
      await logWriter.close();
      await options.overrides?.inferenceLog?.close();
      client.destroy();
    },
  };
}
