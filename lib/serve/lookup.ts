/**
 * The lookup core: validated body → item keys (deduplicated) → one BatchGetItem round trip →
 * each feature resolved at read time `t` with the export's rule (`resolveFeature`) → request
 * transforms (`applyTransforms`, the export's function) → the response and its log records.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import { resolveFeature, type FeatureStatus } from '../core/defaults.ts';
import { encodeEntityKey, type EntityKey, type KeyValue } from '../core/entity-key.ts';
import { UnknownDefinitionError, ValidationError } from '../core/errors.ts';
import type { InferenceLogRecord } from '../core/inference-log.ts';
import {
  decodeOnlineItem,
  ONLINE_KEY,
  onlineItemKey,
  type Item,
  type OnlineRecord,
} from '../core/online-item.ts';
import { decodeTileItem, resolveAggregateAt, type TileState } from '../core/tile-state.ts';
import { applyTransforms, parseRequestFields } from '../core/transforms.ts';
import type { RegistryServiceFeature } from '../registry/types.ts';
import { batchGetAll, type BatchGetOptions, type OnlineStoreReader } from './batch-get.ts';
import type { LookupPlans } from './plan.ts';
import { checkEntityRow, type ParsedBody } from './request.ts';
import type { LookupResponse, LookupRow } from './types.ts';

export interface LookupDeps {
  readonly plans: LookupPlans;
  readonly store: OnlineStoreReader;
  readonly tableName: string;
  /** Epoch ms; the read time `t` (the local demo runs a simulated clock). */
  readonly clock: () => number;
  readonly batchGet?: BatchGetOptions;
}

export interface LookupStats {
  readonly storeCalls: number;
  readonly keysRequested: number;
  readonly itemsRead: number;
  readonly statuses: Readonly<Record<FeatureStatus, number>>;
}

export interface LookupOutcome {
  readonly response: LookupResponse;
  /** One record per row, sharing the response's objects (nothing is mutated afterwards). */
  readonly log: InferenceLogRecord[];
  readonly stats: LookupStats;
}

export async function lookupFeatures(
  deps: LookupDeps,
  body: ParsedBody,
  requestId: string,
): Promise<LookupOutcome> {
  const plan = deps.plans.services.get(body.service);
  if (!plan) {
    throw new UnknownDefinitionError('service', body.service, [...deps.plans.services.keys()]);
  }
  const service = plan.service;
  const request = parseRequestFields(service, body.request);

  // Item slots: one per distinct (view, entity key); rows sharing an airport share its item.
  const keys: Item[] = [];
  const slotOf = new Map<string, number>();
  const rowKeys: Record<string, KeyValue>[] = [];
  const rowSlots: number[][] = [];
  const rowEntityKeys: EntityKey[] = [];
  body.entities.forEach((raw, index) => {
    const row = checkEntityRow(plan, raw, index);
    rowKeys.push(row);
    rowEntityKeys.push(entityKeyOf(plan.joinKeys, row, index));
    rowSlots.push(
      plan.views.map(({ view }, viewIndex) => {
        const ek = entityKeyOf(view.joinKeys, row, index);
        const id = `${viewIndex}|${ek}`;
        let slot = slotOf.get(id);
        if (slot === undefined) {
          slot = keys.length;
          slotOf.set(id, slot);
          keys.push(onlineItemKey(ek, view));
        }
        return slot;
      }),
    );
  });

  const { items, calls } = await batchGetAll(
    deps.store,
    deps.tableName,
    keys,
    plan.projection,
    deps.batchGet,
  );
  // Read time after the read: every value returned was written before `t`.
  const t = deps.clock();
  const servedAt = new Date(t).toISOString();

  const records: (OnlineRecord | undefined)[] = new Array(keys.length);
  const tileStates: (TileState | undefined)[] = new Array(keys.length);
  for (const item of items) {
    const sk = item[ONLINE_KEY.sort];
    const pk = item[ONLINE_KEY.partition];
    if (!sk || !('S' in sk) || !pk || !('S' in pk)) continue;
    const viewIndex = plan.viewIndexBySortKey.get(sk.S);
    if (viewIndex === undefined) continue;
    const slot = slotOf.get(`${viewIndex}|${pk.S}`);
    if (slot === undefined) continue;
    const view = plan.views[viewIndex]!.view;
    if (view.aggregation) tileStates[slot] = decodeTileItem(item).state;
    else records[slot] = decodeOnlineItem(view, item);
  }

  const counts: Record<FeatureStatus, number> = { present: 0, missing: 0, expired: 0 };
  const rows: LookupRow[] = [];
  const log: InferenceLogRecord[] = [];
  for (let r = 0; r < rowKeys.length; r++) {
    const slots = rowSlots[r]!;
    const values: Record<string, FeatureValue> = { ...plan.templates.values };
    const statuses: Record<string, FeatureStatus> = { ...plan.templates.statuses };
    const ages: Record<string, number | null> = { ...plan.templates.ages };
    for (const { feature, viewIndex } of plan.features) {
      const view = plan.views[viewIndex]!.view;
      const resolved = view.aggregation
        ? resolveAggregateAt(view, feature, tileStates[slots[viewIndex]!], t)
        : resolvePlain(feature, records[slots[viewIndex]!], t, view.ttlMs);
      values[feature.output] = resolved.value;

      statuses[feature.output] = resolved.status;
      ages[feature.output] = resolved.ageMs;
      counts[resolved.status]++;
    }
    if (plan.hasTransforms)
      Object.assign(values, applyTransforms(deps.plans.runtime, service, values, request));
    const row: LookupRow = { keys: rowKeys[r]!, values, statuses, ages_ms: ages };
    rows.push(row);
    log.push({
      request_id: requestId,
      row: r,
      served_at: servedAt,
      service: service.name,
      registry_hash: deps.plans.runtime.registry.hash,
      entity_key: rowEntityKeys[r]!,
      keys: row.keys,
      request,
      values,
      statuses,
      ages_ms: ages,
    });
  }

  return {
    response: {
      request_id: requestId,
      service: service.name,
      registry_hash: deps.plans.runtime.registry.hash,
      served_at: servedAt,
      rows,
    },
    log,
    stats: {
      storeCalls: calls,
      keysRequested: keys.length,
      itemsRead: items.length,
      statuses: counts,
    },
  };
}

function resolvePlain(
  feature: RegistryServiceFeature,
  stored: OnlineRecord | undefined,
  t: number,
  ttlMs: number,
) {
  return resolveFeature(
    feature,
    stored && { value: stored.values[feature.feature] ?? null, eventTime: stored.eventTime },
    t,
    ttlMs,
  );
}

function entityKeyOf(
  joinKeys: Parameters<typeof encodeEntityKey>[0],
  row: Record<string, KeyValue>,
  index: number,
): EntityKey {
  try {
    return encodeEntityKey(joinKeys, row);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`entities[${index}]: ${error.message}`, `entities[${index}]`, {
      cause: error,
    });
  }
}
