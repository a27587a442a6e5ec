/**
 * Where a Kinesis record came from: its physical stream (from the event source ARN), and that
 * stream's schema and its views' delivery streams, computed once per registry and prefix.
 */
import { offlineDeliveryStreamName, sourceStreamName, type ResourceNames } from '../core/naming.ts';
import { streamsOf } from '../registry/query.ts';
import type { Registry, RegistryView } from '../registry/types.ts';
import { streamSchema, type StreamSchema } from './record.ts';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export interface StreamContext {
  readonly schema: StreamSchema;
  readonly deliveryStreams: ReadonlyMap<RegistryView, string>;
}

const contexts = new WeakMap<Registry, Map<string, Map<string, StreamContext>>>();

/** Physical stream name → its schema and the views' delivery streams, computed once. */
export function streamContexts(
  registry: Registry,
  names: ResourceNames,
): Map<string, StreamContext> {
  let byPrefix = contexts.get(registry);
  if (!byPrefix) contexts.set(registry, (byPrefix = new Map()));
  let byStream = byPrefix.get(names.prefix);
  if (!byStream) {
    byStream = new Map();
    for (const stream of streamsOf(registry)) {
      const schema = streamSchema(registry, stream);
      const deliveryStreams = new Map(
        schema.views.map((v) => [v, offlineDeliveryStreamName(names, v)] as const),
      );
      byStream.set(sourceStreamName(names, stream), { schema, deliveryStreams });
    }
    byPrefix.set(names.prefix, byStream);
  }
  return byStream;
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` → `<name>`. */
export function streamNameOfArn(arn: string): string {
  const at = arn.indexOf(':stream/');
  return at < 0 ? arn : arn.slice(at + ':stream/'.length).split('/')[0]!;
}

/** The shard a record came from (its event id is `<shard>:<sequence>`). */
export function shardOf(r: KinesisStreamRecord): string {
  return r.eventID.split(':')[0] ?? '';
}

/** Per shard, the position of its first unfinished record (Kinesis delivers from it again). */
export function firstUnfinishedPerShard(
  event: KinesisStreamEvent,
  unfinished: ReadonlySet<number>,
): Map<string, number> {
  const first = new Map<string, number>();
  for (const i of unfinished) {
    const shard = shardOf(event.Records[i]!);
    const current = first.get(shard);
    if (current === undefined || i < current) first.set(shard, i);
  }
  return first;
}
