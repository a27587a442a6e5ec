/**
 * The audit trail of forgetting: proof a request was honoured that keeps nothing of what was
 * deleted. One JSON document per request under `forget/audit/<request id>.json` (the local data
 * folder, or the store bucket), written when the request completes; while it runs, its start
 * (request id and time) waits under `forget/pending/<key-set hash>.json`, so a rerun after a
 * crash resumes the same request with the same tombstone time instead of starting another.
 */
import { createHash } from 'node:crypto';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import type { ForgetKey } from './keys.ts';

export const AUDIT_FORMAT_VERSION = 1;
export const AUDIT_PREFIX = `${BUCKET_PREFIXES.forget}audit/`;
export const PENDING_PREFIX = `${BUCKET_PREFIXES.forget}pending/`;

/** Counts removed in one place, by part (a view version, a table, a day, an export). */
export type PlaceCounts = Record<string, number>;

export interface ForgetStart {
  readonly requestId: string;
  /** Epoch ms: the tombstones' time. */
  readonly forgottenAt: number;
  readonly requestedBy: string;
}

export interface AuditRecord {
  readonly formatVersion: number;
  readonly requestId: string;
  readonly requestedBy: string;
  /** ISO instants. */
  readonly forgottenAt: string;
  readonly completedAt: string;
  /** Each key by entity and hash (`forgottenKeyHash`), never its values. */
  readonly keys: readonly { readonly entity: string; readonly keySha256: string }[];
  /** Counts per place: `online`, `offline`, `inference_log`, `dead_letters`, `exports`. */
  readonly removed: Readonly<Record<string, PlaceCounts>>;
  /** Exports that held a key when listed (rows per export), and whether they were rewritten. */
  readonly exports: {
    readonly held: PlaceCounts;
    readonly rewritten: boolean;
  };
  /** ISO instant by which no file still holding a removed row remains (see README, "Forget"). */
  readonly physicallyRemovedBy: string;
  readonly physicalRemoval: string;
}

/** Text objects by key: the data folder locally, the store bucket in AWS. */
export interface AuditBlobs {
  get(key: string): Promise<string | undefined>;
  put(key: string, text: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The hash of a request's key set: a rerun of the same keys finds its pending start. */
export function keySetHash(keys: readonly ForgetKey[]): string {
  const hashes = keys.map((k) => k.hash).sort();
  return createHash('sha256').update(hashes.join('\n')).digest('hex');
}

/** A request id: its time and a part of its key-set hash, readable and unique per time. */
export function requestIdOf(keySet: string, at: number): string {
  return `${new Date(at).toISOString().replace(/[-:.]/g, '')}-${keySet.slice(0, 12)}`;
}

/** The start of the request for `keys`: resumed when one is pending, else begun now. */
export async function beginRequest(
  blobs: AuditBlobs,
  keys: readonly ForgetKey[],
  now: number,
  requestedBy: string,
): Promise<ForgetStart & { readonly resumed: boolean }> {
  const keySet = keySetHash(keys);
  const pendingKey = `${PENDING_PREFIX}${keySet}.json`;
  const pending = await blobs.get(pendingKey);
  if (pending !== undefined) return { ...(JSON.parse(pending) as ForgetStart), resumed: true };
  const start: ForgetStart = { requestId: requestIdOf(keySet, now), forgottenAt: now, requestedBy };
  await blobs.put(pendingKey, `${JSON.stringify(start)}\n`);
  return { ...start, resumed: false };
}

/** Writes the request's audit record, then clears its pending start. */
export async function completeRequest(
  blobs: AuditBlobs,
  keys: readonly ForgetKey[],
  record: AuditRecord,
): Promise<void> {
  await blobs.put(
    `${AUDIT_PREFIX}${record.requestId}.json`,
    `${JSON.stringify(record, null, 2)}\n`,
  );
  await blobs.delete(`${PENDING_PREFIX}${keySetHash(keys)}.json`);
}
