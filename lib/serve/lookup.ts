/**
 * The lookup core: validated body → item keys (deduplicated) → one BatchGetItem round trip →
 * each feature resolved at read time `t` with the export's rule (`resolveFeature`) → request
 * transforms (`applyTransforms`, the export's function) → the response and its log records.
 */
import { assertNever, type FeatureValue } from '../define/dtypes.ts';
import { resolveFeature, type FeatureStatus, type ResolvedValue } from '../core/defaults.ts';
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
import type { RegistryServiceFeature, RegistryView } from '../registry/types.ts';
import { batchGetAll, type BatchGetOptions, type OnlineStoreReader } from './batch-get.ts';
import type { LookupPlans, ServicePlan } from './plan.ts';
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
    const shadow = deps.plans.runtime.registry.featureServices.find(
      (s) => s.name === body.service && s.shadowOf,
    );
    if (shadow)
      throw new ValidationError(
        `service '${shadow.name}' is a shadow of '${shadow.shadowOf}': it is compared each night, never served`,
        'service',
      );
    throw new UnknownDefinitionError('service', body.service, [...deps.plans.services.keys()]);
  }
  const service = plan.service;
  const request = parseRequestFields(service, body.request);
  const slots = itemSlots(plan, body.entities);
  const { items, calls } = await batchGetAll(
    deps.store,
    deps.tableName,
    slots.keys,
    plan.projection,
    deps.batchGet,
  );
  // Read time after the read: every value returned was written before `t`.
  const t = deps.clock();
  const servedAt = new Date(t).toISOString();
  const stored = decodeItems(plan, slots, items);
  const counts: Record<FeatureStatus, number> = { present: 0, missing: 0, expired: 0 };
  const rows: LookupRow[] = [];
  const log: InferenceLogRecord[] = [];
  const registryHash = deps.plans.runtime.registry.hash;
  slots.rows.forEach((slotRow, r) => {
    const resolved = resolveRow(plan, slotRow.slots, stored, t, counts);
    if (plan.hasTransforms)
      Object.assign(
        resolved.values,
        applyTransforms(deps.plans.runtime, service, resolved.values, request),
      );
    const row: LookupRow = { keys: slotRow.keys, ...resolved };
    rows.push(row);
    log.push({
      request_id: requestId,
      row: r,
      served_at: servedAt,
      service: service.name,
      registry_hash: registryHash,
      entity_key: slotRow.entityKey,
      keys: row.keys,
      request,
      values: row.values,
      statuses: row.statuses,
      ages_ms: row.ages_ms,
    });
  });
  return {
    response: {
      request_id: requestId,
      service: service.name,
      registry_hash: registryHash,
      served_at: servedAt,
      rows,
    },
    log,
    stats: {
      storeCalls: calls,
      keysRequested: slots.keys.length,
      itemsRead: items.length,
      statuses: counts,
    },
  };
}

interface ItemSlots {
  /** The keys to read, one per distinct (view, entity key). */
  readonly keys: Item[];
  /** `<view index>|<entity key>` → the slot of its item. */
  readonly slotOf: Map<string, number>;
  /** Per request row: its keys, its service-level entity key, and its item slot per view. */
  readonly rows: { keys: Record<string, KeyValue>; entityKey: EntityKey; slots: number[] }[];
}

/** Item slots: one per distinct (view, entity key); rows sharing an airport share its item. */
function itemSlots(plan: ServicePlan, entities: ParsedBody['entities']): ItemSlots {
  const slots: ItemSlots = { keys: [], slotOf: new Map(), rows: [] };
  entities.forEach((raw, index) => {
    const row = checkEntityRow(plan, raw, index);
    slots.rows.push({
      keys: row,
      entityKey: entityKeyOf(plan.joinKeys, row, index),
      slots: plan.views.map(({ view }, viewIndex) => {
        const ek = entityKeyOf(view.joinKeys, row, index);
        const id = `${viewIndex}|${ek}`;
        let slot = slots.slotOf.get(id);
        if (slot === undefined) {
          slot = slots.keys.length;
          slots.slotOf.set(id, slot);
          slots.keys.push(onlineItemKey(ek, view));
        }
        return slot;
      }),
    });
  });
  return slots;
}

interface StoredSlots {
  readonly records: (OnlineRecord | undefined)[];
  readonly tileStates: (TileState | undefined)[];
}

/** Each item read, decoded into its slot (a plain record, or an aggregation's tiles). */
function decodeItems(plan: ServicePlan, slots: ItemSlots, items: readonly Item[]): StoredSlots {
  const stored: StoredSlots = {
    records: new Array(slots.keys.length),
    tileStates: new Array(slots.keys.length),
  };
  for (const item of items) {
    const sk = item[ONLINE_KEY.sort];
    const pk = item[ONLINE_KEY.partition];
    if (!sk || !('S' in sk) || !pk || !('S' in pk)) continue;
    const viewIndex = plan.viewIndexBySortKey.get(sk.S);
    if (viewIndex === undefined) continue;
    const slot = slots.slotOf.get(`${viewIndex}|${pk.S}`);
    if (slot === undefined) continue;
    const view = plan.views[viewIndex]!.view;
    switch (view.kind) {
      case 'aggregation':
        stored.tileStates[slot] = decodeTileItem(item).state;
        break;
      case 'plain':
        stored.records[slot] = decodeOnlineItem(view, item);
        break;
      default:
        assertNever(view, 'view kind');
    }
  }
  return stored;
}

/** One row's features at `t`: values, statuses and ages, counted into `counts`. */
function resolveRow(
  plan: ServicePlan,
  slots: readonly number[],
  stored: StoredSlots,
  t: number,
  counts: Record<FeatureStatus, number>,
): Omit<LookupRow, 'keys'> & { values: Record<string, FeatureValue> } {
  const values: Record<string, FeatureValue> = { ...plan.templates.values };
  const statuses: Record<string, FeatureStatus> = { ...plan.templates.statuses };
  const ages: Record<string, number | null> = { ...plan.templates.ages };
  for (const { feature, viewIndex } of plan.features) {
    const view = plan.views[viewIndex]!.view;
    const resolved = resolveStored(view, feature, stored, slots[viewIndex]!, t);
    values[feature.output] = resolved.value;
    statuses[feature.output] = resolved.status;
    ages[feature.output] = resolved.ageMs;
    counts[resolved.status]++;
  }
  return { values, statuses, ages_ms: ages };
}

/** One feature of one view at `t`, from what the view's kind stores. */
function resolveStored(
  view: RegistryView,
  feature: RegistryServiceFeature,
  stored: StoredSlots,
  slot: number,
  t: number,
): ResolvedValue {
  switch (view.kind) {
    case 'aggregation':
      return resolveAggregateAt(view, feature, stored.tileStates[slot], t);
    case 'plain':
      return resolvePlain(feature, stored.records[slot], t, view.ttlMs);
    default:
      return assertNever(view, 'view kind');
  }
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
