/**
 * The local feature store for any definitions, with no demo data: what `skewless dev` runs and
 * what a team's own tests start. The embedded stack (dynalite, kinesalite, DuckDB), the real
 * ingest handler polling every source stream, the real lookup handler behind the local HTTP
 * API, and a control endpoint (`POST /sync`) through which the CLI in another shell makes
 * everything pushed so far visible (streams drained, offline rows written) before it reads.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import { getView } from '../registry/query.ts';
import { kinesisPutter } from '../producer/kinesis-aws.ts';
import { putRecords, type PutRecordsOptions } from '../producer/put-records.ts';
import type { KinesisPollerStats } from './kinesis-poller.ts';
import { removeLocalEndpoints, writeLocalEndpoints, type LocalEndpoints } from './endpoints.ts';
import { startLocalIngest, type LocalIngest } from './ingest.ts';
import { startLocalLookup, type LocalLookup } from './lookup.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

export interface LocalFeatureStoreOptions {
  readonly runtime: RuntimeRegistry;
  /** Folder of the offline store, logs, exports and `endpoints.json`. */
  readonly dataDir: string;
  /** Port of the lookup API. @default 0 (a free one) */
  readonly port?: number;
  /** Read time of lookups and `ingested_at` of ingestion. @default Date.now */
  readonly clock?: () => number;
  /** Physical-name prefix. @default 'skewless-local' */
  readonly prefix?: string;
  /** Period of the background offline flush, ms. @default 1000 */
  readonly flushMs?: number;
  /** Largest batch the ingest handler gets per shard. @default 1000 */
  readonly ingestBatchSize?: number;
  /** Write `endpoints.json` for the CLI in other shells. @default true */
  readonly writeEndpoints?: boolean;
}

export interface LocalFeatureStore {
  readonly stack: LocalStack;
  readonly ingest: LocalIngest;
  readonly lookup: LocalLookup;
  readonly endpoints: LocalEndpoints;
  /**
   * Puts records on a view's stream (validated first, as `skewless push` does) and syncs, so
   * they are served and stored when it resolves (`sync: false`: the caller syncs once after
   * several pushes).
   */
  push(
    view: string,
    records: Iterable<unknown> | AsyncIterable<unknown>,
    options?: Pick<PutRecordsOptions, 'onProgress'> & { readonly sync?: boolean },
  ): Promise<number>;
  /** Handles every record on the streams now and writes the buffered offline rows. */
  sync(): Promise<KinesisPollerStats>;
  /**
   * Handles every record on the streams now (online items written, offline rows buffered), so
   * the next lookup sees them; `sync` also writes the offline rows and the inference log.
   */
  drain(): Promise<KinesisPollerStats>;
  /**
   * Stops serving, handles what is left on the streams, writes the buffered offline rows and
   * the inference log, and stops every server. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * @example
 * const store = await startLocalFeatureStore({ runtime, dataDir: '.skewless/test' });
 * await store.push('customer_orders', [{ customer_id: 'c1', event_time: '2026-01-01T00:00:00Z', order_count: 3 }]);
 * const client = createClient({ endpoint: store.lookup.url }); // from 'skewless/client'
 * const { rows } = await client.get(churnModel, [{ customer_id: 'c1' }]);
 * await store.stop();
 */
export async function startLocalFeatureStore(
  options: LocalFeatureStoreOptions,
): Promise<LocalFeatureStore> {
  const dataDir = path.resolve(options.dataDir);
  const clock = options.clock ?? Date.now;
  const stack = await startLocalStack({
    registry: options.runtime.registry,
    dataDir,
    prefix: options.prefix,
  });
  let ingest: LocalIngest | undefined;
  let lookup: LocalLookup | undefined;
  let control: http.Server | undefined;
  let stopping: Promise<void> | undefined;
  const writeEndpoints = options.writeEndpoints ?? true;
  const stop = () =>
    (stopping ??= (async () => {
      if (writeEndpoints) await removeLocalEndpoints(dataDir);
      if (control) await closeServer(control);
      await lookup?.close();
      if (ingest) {
        // What producers put before the stop is handled and stored, not lost with kinesalite.
        await ingest.poller.stop();
        await ingest.drain().catch((error: unknown) => {
          console.error(`skewless: records left on the streams at stop: ${String(error)}`);
        });
        await ingest.stop();
      }
      await stack.stop();
    })());
  try {
    await recordRegistry(dataDir, options.runtime);
    ingest = await startLocalIngest(stack, { clock, batchSize: options.ingestBatchSize });
    const { drain, sync } = drainsOf(ingest, {
      flushLog: () => lookup?.inferenceLog.flush(),
      stopping: () => stopping !== undefined,
    });
    lookup = await startLocalLookup({ stack, runtime: options.runtime, clock, port: options.port });
    control = await startControlServer(sync);
    ingest.start(options.flushMs ?? 1_000);
    const endpoints: LocalEndpoints = {
      dynamodb: stack.endpoints.dynamodb,
      kinesis: stack.endpoints.kinesis,
      lookup: lookup.url,
      control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
      prefix: stack.names.prefix,
      pid: process.pid,
    };
    if (writeEndpoints) await writeLocalEndpoints(dataDir, endpoints);
    const push: LocalFeatureStore['push'] = async (view, records, putOptions) => {
      const { sent } = await putRecords(kinesisPutter(stack.kinesis), records, {
        onProgress: putOptions?.onProgress,
        registry: options.runtime.registry,
        names: stack.names,
        view: getView(options.runtime.registry, view),
      });
      if (putOptions?.sync !== false) await sync();
      return sent;
    };
    return { stack, ingest, lookup, endpoints, push, sync, drain, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The store's two drains, one at a time with background polling paused (the poller reads each
 * shard in order): `drain` hands every record on the streams to the handler; `sync` also writes
 * the buffered offline rows and the inference log.
 */
function drainsOf(
  ingest: LocalIngest,
  hooks: { flushLog(): Promise<unknown> | undefined; stopping(): boolean },
): Pick<LocalFeatureStore, 'drain' | 'sync'> {
  let draining: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = draining
      .catch(() => undefined)
      .then(async () => {
        await ingest.poller.stop();
        try {
          return await work();
        } finally {
          if (!hooks.stopping()) ingest.poller.start();
        }
      });
    draining = next;
    return next;
  };
  return {
    drain: () => exclusive(() => ingest.poller.drain()),
    sync: () =>
      exclusive(async () => {
        const stats = await ingest.drain();
        await hooks.flushLog();
        return stats;
      }),
  };
}

/** The served registry, kept by hash: the skew check reads what was served under which. */
async function recordRegistry(dataDir: string, runtime: RuntimeRegistry): Promise<void> {
  await mkdir(path.join(dataDir, 'registry'), { recursive: true });
  await writeFile(
    path.join(dataDir, 'registry', `${runtime.registry.hash}.json`),
    canonicalJson(runtime.registry),
  );
}

/** `POST /sync` → drain and flush, answer with the poller's counters. Loopback only. */
async function startControlServer(sync: () => Promise<KinesisPollerStats>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url !== '/sync') return reply(404, { error: { message: `no route ${req.url}` } });
    if (req.method !== 'POST') return reply(405, { error: { message: '/sync takes POST' } });
    sync().then(
      (stats) => reply(200, { stats }),
      (error: unknown) => reply(500, { error: { message: String(error) } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
