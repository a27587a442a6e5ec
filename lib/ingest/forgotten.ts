/**
 * Ingest's side of forgetting (docs/semantics.md, "Forgetting an entity"): before a batch is
 * written, one strongly consistent BatchGetItem per 100 distinct keys reads the tombstones of
 * every entity its records carry; a record at or before its key's tombstone is refused with the
 * reason `forgotten`, and its letter keeps neither the payload nor the partition key (both hold
 * the key's values): only where it came from and the hash of its bytes' length-free digest.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { Item } from '../core/online-item.ts';
import { forgottenKeyHash, entitiesCarried } from '../forget/keys.ts';
import { decodeTombstone, tombstoneKey, type Tombstone } from '../forget/tombstone.ts';
import type { Registry, RegistryKey } from '../registry/types.ts';
import type { DeadLetter } from './dead-letter.ts';
import type { ValidRecord } from './record.ts';

/** DynamoDB's BatchGetItem limit: 100 keys a call. */
const BATCH_GET_MAX_KEYS = 100;

/** Reads items by key (the online table's BatchGetItem, consistent; unprocessed keys retried). */
export type ReadItems = (keys: readonly Item[]) => Promise<Item[]>;

interface Held {
  readonly record: ValidRecord;
}

/**
 * The members whose record is forgotten, each with the tombstone that refuses it. `groups` are
 * a batch's members by the keys their stream carries.
 */
export async function forgottenMembers<M extends Held>(
  registry: Registry,
  groups: Iterable<readonly [readonly RegistryKey[], readonly M[]]>,
  read: ReadItems,
): Promise<Map<M, Tombstone>> {
  const hashesOf = new Map<M, string[]>();
  const wanted = new Set<string>();
  for (const [streamKeys, members] of groups) {
    const entities = entitiesCarried(registry, streamKeys);
    for (const m of members) {
      const hashes = entities.map((e) => forgottenKeyHash(e.keys, m.record.keys));
      hashesOf.set(m, hashes);
      for (const h of hashes) wanted.add(h);
    }
  }
  const tombstones = await readTombstones([...wanted], read);
  const refused = new Map<M, Tombstone>();
  if (tombstones.size === 0) return refused;
  for (const [m, hashes] of hashesOf) {
    for (const h of hashes) {
      const t = tombstones.get(h);
      if (t && m.record.eventTime <= t.forgottenAt) {
        refused.set(m, t);
        break;
      }
    }
  }
  return refused;
}

/** The tombstones among `hashes`, read 100 keys a call. */
export async function readTombstones(
  hashes: readonly string[],
  read: ReadItems,
): Promise<Map<string, Tombstone>> {
  const found = new Map<string, Tombstone>();
  for (let i = 0; i < hashes.length; i += BATCH_GET_MAX_KEYS) {
    const items = await read(hashes.slice(i, i + BATCH_GET_MAX_KEYS).map(tombstoneKey));
    for (const item of items) {
      const t = decodeTombstone(item);
      if (t) found.set(t.hash, t);
    }
  }
  return found;
}

interface Member extends Held {
  readonly index: number;
  readonly recordId: string;
}

/**
 * Takes the forgotten records out of a batch's members (streams left empty are dropped) and
 * returns their letters. When the tombstones cannot be read (after the retries `read` makes),
 * nothing is written: every member is returned unfinished, for Kinesis to deliver again.
 */
export async function refuseForgotten<
  C extends {
    readonly schema: { readonly stream: string; readonly joinKeys: readonly RegistryKey[] };
  },
  M extends Member,
>(
  registry: Registry,
  byStream: Map<C, M[]>,
  read: ReadItems,
  records: readonly KinesisStreamRecord[],
  failedAt: number,
): Promise<{ letters: { index: number; letter: DeadLetter }[]; unfinished: number[] }> {
  const groups = [...byStream].map(([c, members]) => [c.schema.joinKeys, members] as const);
  let refused: Map<M, Tombstone>;
  try {
    refused = await forgottenMembers(registry, groups, read);
  } catch {
    const unfinished = [...byStream.values()].flat().map((m) => m.index);
    byStream.clear();
    return { letters: [], unfinished };
  }
  const letters: { index: number; letter: DeadLetter }[] = [];
  for (const [context, members] of byStream) {
    const kept = members.filter((m) => {
      const t = refused.get(m);
      if (t) {
        const r = records[m.index]!;
        letters.push({
          index: m.index,
          letter: forgottenLetter(r, context.schema.stream, m.recordId, t, failedAt),
        });
      }
      return !t;
    });
    if (kept.length === 0) byStream.delete(context);
    else byStream.set(context, kept);
  }
  return { letters, unfinished: [] };
}

/**
 * The letter of a forgotten record: where it came from and why, never what it held. The
 * partition key and the payload carry the key's values, so both are left out, and so is the
 * payload's digest (a small key space could be guessed from it).
 */
export function forgottenLetter(
  r: KinesisStreamRecord,
  stream: string,
  recordId: string,
  tombstone: Tombstone,
  failedAt: number,
): DeadLetter {
  const message = `the record's entity was forgotten at ${new Date(tombstone.forgottenAt).toISOString()} (request ${tombstone.requestId}) and its event_time is at or before it`;
  return {
    reason: 'forgotten',
    message,
    problems: [{ reason: 'forgotten', message }],
    stream,
    event_source_arn: r.eventSourceARN,
    shard_id: r.eventID.split(':')[0] ?? '',
    sequence_number: r.kinesis.sequenceNumber,
    partition_key: '',
    record_id: recordId,
    approximate_arrival: new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    failed_at: new Date(failedAt).toISOString(),
    data_base64: '',
    data_bytes: 0,
    data_truncated: true,
    data_sha256: '',
  };
}
