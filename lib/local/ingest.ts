/**
 * Local ingestion in one call: the Firehose stand-in, the local dead-letter sink, the real
 * ingest handler over dynalite, and the event-source-mapping poller over every source stream.
 * `npm start` runs it continuously; tests and demos call `drain()`.
 */
import { streamsOf } from '../registry/query.ts';
import { sourceStreamName } from '../core/naming.ts';
import { createIngestHandler, type IngestHandler } from '../ingest/handler.ts';
import type { IngestResult } from '../ingest/batch.ts';
import { dynamoOnlineWriter } from '../ingest/online-aws.ts';
import { appendRefusedOfflineRows, localDeadLetterSink } from './dead-letter.ts';
import { LocalFirehose } from './firehose.ts';
import { KinesisPoller, localLambdaContext, type KinesisPollerStats } from './kinesis-poller.ts';
import type { LocalStack } from './stack.ts';

export interface LocalIngestOptions {
  /** @default 1000 */
  readonly batchSize?: number;
  /** Stamps `ingested_at`. @default Date.now */
  readonly clock?: () => number;
  readonly onResult?: (result: IngestResult) => void;
}

export interface LocalIngest {
  readonly handler: IngestHandler;
  readonly firehose: LocalFirehose;
  readonly poller: KinesisPoller;
  /** Handles everything on the streams now, then writes the buffered offline rows to Parquet. */
  drain(): Promise<KinesisPollerStats>;
  /** Polls continuously, flushing Parquet every `flushMs`. */
  start(flushMs?: number): void;
  /** Stops polling, flushes, and closes the Firehose stand-in. */
  stop(): Promise<void>;
}

export async function startLocalIngest(
  stack: LocalStack,
  options: LocalIngestOptions = {},
): Promise<LocalIngest> {
  const clock = options.clock ?? Date.now;
  const firehose = await LocalFirehose.create({
    registry: stack.registry,
    names: stack.names,
    dataDir: stack.dataDir,
    onRefused: (view, rows) => appendRefusedOfflineRows(stack.dataDir, view, rows, clock()),
  });
  const handler = createIngestHandler({
    registry: stack.registry,
    names: stack.names,
    online: dynamoOnlineWriter(stack.dynamodb, stack.onlineTable),
    offline: firehose,
    deadLetter: localDeadLetterSink(stack.dataDir),
    clock,
    onResult: options.onResult,
  });
  const context = localLambdaContext(`${stack.names.prefix}-ingest`);
  const poller = new KinesisPoller({
    kinesis: stack.kinesis,
    streams: streamsOf(stack.registry).map((s) => sourceStreamName(stack.names, s)),
    batchSize: options.batchSize ?? 1000,
    handler: (event) => handler(event, context),
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    handler,
    firehose,
    poller,
    async drain() {
      const stats = await poller.drain();
      await firehose.flush();
      return stats;
    },
    start(flushMs = 5_000) {
      poller.start();
      // A failed flush keeps its rows for the next one; say so rather than fail silently.
      timer ??= setInterval(
        () =>
          void firehose
            .flush()
            .catch((error: unknown) =>
              console.warn(`local offline flush failed (rows kept for the next): ${String(error)}`),
            ),
        flushMs,
      );
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await poller.stop();
      await firehose.close();
    },
  };
}
