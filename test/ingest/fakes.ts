/** In-memory stores with the real semantics, for unit tests of the pure core. */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { ONLINE_KEY, decodeOnlineItem, type Item } from '../../lib/core/online-item.ts';
import type { DeadLetter, DeadLetterSink } from '../../lib/ingest/dead-letter.ts';
import type {
  OfflineDelivery,
  PutRecordBatchInput,
  PutRecordBatchOutput,
} from '../../lib/ingest/offline-writer.ts';
import type { ConditionalPut, OnlineStoreWriter } from '../../lib/ingest/online-writer.ts';
import type { RegistryView } from '../../lib/registry/types.ts';
import type {
  BatchGetInput,
  BatchGetOutput,
  OnlineStoreReader,
} from '../../lib/serve/batch-get.ts';
import { evaluateCondition } from './condition.ts';

/** The item's primary key, as one string. */
function itemId(item: Item): string {
  const part = (name: string) => (item[name] as { S: string }).S;
  return `${part(ONLINE_KEY.partition)}/${part(ONLINE_KEY.sort)}`;
}

export function fault(name: string): Error {
  const e = new Error(`injected ${name}`);
  e.name = name;
  return e;
}

/**
 * A DynamoDB table in memory that evaluates each put's own `ConditionExpression` the way
 * DynamoDB does (`./condition.ts`); the online-store contract suite runs it beside dynalite.
 */
export class MemoryOnline implements OnlineStoreWriter, OnlineStoreReader {
  readonly items = new Map<string, Item>();
  calls = 0;
  constructor(public fail: (put: ConditionalPut) => Error | undefined = () => undefined) {}
  async putIfNewer(put: ConditionalPut): Promise<'written' | 'stale'> {
    this.calls++;
    const error = this.fail(put);
    if (error) throw error;
    const id = itemId(put.Item);
    if (!evaluateCondition(put, this.items.get(id))) return 'stale';
    this.items.set(id, put.Item);
    return 'written';
  }
  async getItem(key: Item): Promise<Item | undefined> {
    return this.items.get(itemId(key));
  }
  async getItems(keys: readonly Item[]): Promise<Item[]> {
    return keys.flatMap((key) => {
      const item = this.items.get(itemId(key));
      return item ? [item] : [];
    });
  }
  async batchGetItem(input: BatchGetInput): Promise<BatchGetOutput> {
    const responses: Record<string, Item[]> = {};
    for (const [table, request] of Object.entries(input.RequestItems)) {
      responses[table] = request.Keys.flatMap((key) => {
        const item = this.items.get(itemId(key));
        return item ? [item] : [];
      });
    }
    return { Responses: responses };
  }
  decoded(view: RegistryView) {
    return [...this.items.values()]
      .filter((i) => (i.sk as { S: string }).S === `${view.name}#v${view.version}`)
      .map((i) => decodeOnlineItem(view, i));
  }
}

export class MemoryOffline implements OfflineDelivery {
  readonly rows = new Map<string, Record<string, unknown>[]>();
  readonly callSizes: number[] = [];
  constructor(
    public failEntry: (data: Uint8Array) => boolean = () => false,
    public failCall: () => Error | undefined = () => undefined,
  ) {}
  async putRecordBatch(input: PutRecordBatchInput): Promise<PutRecordBatchOutput> {
    this.callSizes.push(input.Records.length);
    const error = this.failCall();
    if (error) throw error;
    const rows = this.rows.get(input.DeliveryStreamName) ?? [];
    this.rows.set(input.DeliveryStreamName, rows);
    let failed = 0;
    const responses = input.Records.map((r) => {
      if (this.failEntry(r.Data)) {
        failed++;
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'injected' };
      }
      rows.push(JSON.parse(Buffer.from(r.Data).toString()) as Record<string, unknown>);
      return { RecordId: String(rows.length) };
    });
    return { FailedPutCount: failed, RequestResponses: responses };
  }
}

export class MemoryDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  constructor(public fail: () => boolean = () => false) {}
  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (this.fail()) throw fault('ThrottlingException');
    this.letters.push(...letters);
  }
}

export const STREAM_PREFIX = 'test';

/** A Kinesis event of the given payloads on one shard, sequence numbers from `firstSeq`. */
export function kinesisEvent(
  stream: string,
  payloads: readonly (string | object)[],
  firstSeq = 1,
  shardId = 'shardId-000000000000',
): KinesisStreamEvent {
  return {
    Records: payloads.map((p, i): KinesisStreamRecord => {
      const seq = String(firstSeq + i);
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'pk',
          sequenceNumber: seq,
          data: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)).toString('base64'),
          approximateArrivalTimestamp: 978307200,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
        awsRegion: 'us-east-1',
        eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM_PREFIX}-${stream.replace(/_/g, '-')}`,
      };
    }),
  };
}

/** A seeded PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
