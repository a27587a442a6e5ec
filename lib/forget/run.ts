/**
 * One forget request, from tombstones to audit record (docs/semantics.md, "Forgetting an
 * entity"). The order is what makes it safe: tombstones first (from then on ingest refuses
 * every record of the keys at or before the time), then `settle` (what ingestion accepted before
 * the tombstones reaches the stores: locally the running store drains and flushes; in AWS the
 * command waits out Firehose's buffer and the ingest Lambda's timeout), then every place is
 * cleared. Each step is idempotent, and a rerun resumes the pending request with its time, so a
 * crash at any step is repaired by running the command again.
 */
import type { Registry } from '../registry/types.ts';
import { AUDIT_FORMAT_VERSION, beginRequest, completeRequest, type AuditBlobs } from './audit.ts';
import type { AuditRecord, PlaceCounts } from './audit.ts';
import { byEntity, distinctKeys, type ForgetKey } from './keys.ts';
import { forgetOnline, writeTombstones, type OnlineForgetStore } from './online.ts';

/** A store that holds rows of entities: the offline tables, the log, dead letters. */
export interface ForgetPlace {
  readonly name: string;
  remove(groups: ReadonlyMap<string, readonly ForgetKey[]>): Promise<PlaceCounts>;
}

/** The training sets under `exports/`: listed always, rewritten on request. */
export interface ExportPlace {
  /** Rows per export that hold a key. */
  list(groups: ReadonlyMap<string, readonly ForgetKey[]>): Promise<PlaceCounts>;
  /** Rewrites those exports without the rows (manifest and baseline too); rows per export. */
  rewrite(
    groups: ReadonlyMap<string, readonly ForgetKey[]>,
    requestId: string,
    at: number,
  ): Promise<PlaceCounts>;
}

export interface ForgetDeps {
  readonly online: OnlineForgetStore;
  readonly places: readonly ForgetPlace[];
  readonly exports: ExportPlace;
  readonly audit: AuditBlobs;
  /** Waits until every record ingested before the tombstones is in the stores. */
  settle(): Promise<void>;
  readonly clock: () => number;
  /** After completion, how long until no old file holds a removed row; and how. */
  readonly physicalRemoval: { readonly afterMs: number; readonly how: string };
  readonly registry: Registry;
}

export interface ForgetRequest {
  readonly keys: readonly ForgetKey[];
  readonly requestedBy: string;
  /** Rewrite the exports holding a key (else they are only listed). */
  readonly rewriteExports: boolean;
}

export interface ForgetOutcome {
  readonly record: AuditRecord;
  /** True when a pending request of these keys was resumed. */
  readonly resumed: boolean;
}

export async function runForget(deps: ForgetDeps, request: ForgetRequest): Promise<ForgetOutcome> {
  const keys = distinctKeys(request.keys);
  const start = await beginRequest(deps.audit, keys, deps.clock(), request.requestedBy);
  await writeTombstones(
    deps.online,
    keys.map((k) => ({ hash: k.hash, forgottenAt: start.forgottenAt, requestId: start.requestId })),
  );
  await deps.settle();
  const groups = byEntity(keys);
  const removed: Record<string, PlaceCounts> = {
    online: await forgetOnline(deps.online, deps.registry, groups),
  };
  for (const place of deps.places) removed[place.name] = await place.remove(groups);
  const held = await deps.exports.list(groups);
  if (request.rewriteExports)
    removed.exports = await deps.exports.rewrite(groups, start.requestId, start.forgottenAt);
  const completed = deps.clock();
  const record: AuditRecord = {
    formatVersion: AUDIT_FORMAT_VERSION,
    requestId: start.requestId,
    requestedBy: start.requestedBy,
    forgottenAt: new Date(start.forgottenAt).toISOString(),
    completedAt: new Date(completed).toISOString(),
    keys: keys.map((k) => ({ entity: k.entity, keySha256: k.hash })),
    removed,
    exports: { held, rewritten: request.rewriteExports },
    physicallyRemovedBy: new Date(completed + deps.physicalRemoval.afterMs).toISOString(),
    physicalRemoval: deps.physicalRemoval.how,
  };
  await completeRequest(deps.audit, keys, record);
  return { record, resumed: start.resumed };
}
