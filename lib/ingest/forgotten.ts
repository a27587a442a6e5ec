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
import { streamSchema, type ValidRecord } from './record.ts';
import type { KeyValue } from '../core/entity-key.ts';
import { parseInstant } from '../core/values.ts';

/** DynamoDB's BatchGetItem limit: 100 keys a call. */
const BATCH_GET_MAX_KEYS = 100;

/** Reads items by key (the online table's BatchGetItem, consistent; unprocessed keys retried). */
export type ReadItems = (keys: readonly Item[]) => Promise<Item[]>;

interface Held {
  readonly record: Pick<ValidRecord, 'keys' | 'eventTime'>;
}

/** The key's hash, or none when the record's value is not a valid key (a refused record's). */
function keyHash(
  joinKeys: readonly RegistryKey[],
  keys: Readonly<Record<string, unknown>>,
): string[] {
  try {
    return [forgottenKeyHash(joinKeys, keys)];
  } catch {
    return [];
  }
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
      const hashes = entities.flatMap((e) => keyHash(e.keys, m.record.keys));
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
  batch: { readonly byStream: Map<C, M[]>; readonly poison: Letter[] },
  read: ReadItems,
  records: readonly KinesisStreamRecord[],
  failedAt: number,
): Promise<{ letters: Letter[]; unfinished: number[] }> {
  const { byStream, poison } = batch;
  const groups = [...byStream].map(([c, members]) => [c.schema.joinKeys, members] as const);
  const invalid = poison.flatMap((p) => {
    const held = poisonHeld(registry, p.letter);
    return held ? [{ letter: p, ...held }] : [];
  });
  let refused: Map<M | Held, Tombstone>;
  try {
    refused = await forgottenMembers<M | Held>(
      registry,
      [...groups, ...invalid.map((i) => [i.joinKeys, [i]] as const)],
      read,
    );
  } catch {
    const unfinished = [...byStream.values()].flat().map((m) => m.index);
    byStream.clear();
    return { letters: [], unfinished };
  }
  // A record refused as poison whose key is forgotten keeps none of its payload either.
  for (const i of invalid) {
    const t = refused.get(i);
    if (!t) continue;
    const r = records[i.letter.index]!;
    const at = poison.indexOf(i.letter);
    poison[at] = {
      index: i.letter.index,
      letter: forgottenLetter(
        r,
        i.letter.letter.stream ?? '',
        i.letter.letter.record_id ?? '',
        t,
        failedAt,
      ),
    };
  }
  const letters: Letter[] = [];
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

type Letter = { index: number; letter: DeadLetter };

/**
 * The keys a refused record still carries (its payload parsed, its stream's keys checked), with
 * its event time (the earliest instant when it cannot be read, so any tombstone covers it).
 */
function poisonHeld(
  registry: Registry,
  letter: DeadLetter,
):
  | { record: Pick<ValidRecord, 'keys' | 'eventTime'>; joinKeys: readonly RegistryKey[] }
  | undefined {
  if (letter.stream === null || letter.data_truncated || letter.data_base64 === '')
    return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(letter.data_base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
  const record = fields as Record<string, KeyValue>;
  const joinKeys = streamSchema(registry, letter.stream).joinKeys;
  return {
    record: { keys: record, eventTime: parseInstant(record.event_time) ?? -Infinity },
    joinKeys,
  };
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
