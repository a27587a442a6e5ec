/**
 * The nightly heal (docs/semantics.md, "Rebuilding tiles"): for each aggregation view (and its
 * candidate version, from the served version's events), the entities served that day are rebuilt
 * from the offline events and compared with their online tile items; the items that differ are rewritten with ingestion's conditional write, each
 * counted under the cause that explains it (`TILE_CAUSES`). Pure: the offline history, the
 * online store and the clock are parameters (DuckDB and dynalite locally, Athena and DynamoDB
 * in the skew-check Lambda).
 */
import type { EntityKey, KeyValue } from '../core/entity-key.ts';
import type { RetryWorld } from '../core/retry.ts';
import { TILE_CAUSES, type TileCause } from '../core/tile-rebuild.ts';
import type { OnlineStoreWriter } from '../ingest/online-writer.ts';
import { getView, isAggregationView } from '../registry/query.ts';
import type { AggregationRegistryView, Registry } from '../registry/types.ts';
import { candidateViews, readsHistoryOf } from '../registry/candidates.ts';
import { keysSignature } from '../registry/rules.ts';
import type { TileHistorySource } from '../materialize/tile-source.ts';
import { materializeTiles } from '../materialize/tiles.ts';
import type { TileOutcome, TileRebuildResult } from '../materialize/tile-writer.ts';

export interface HealDeps {
  readonly registry: Registry;
  readonly source: TileHistorySource;
  readonly online: OnlineStoreWriter;
  readonly retry?: RetryWorld;
  /** Told each entity's outcome (a rewrite's cause, or kept/deferred/failed). */
  readonly onOutcome?: (view: string, entityKey: EntityKey, outcome: TileOutcome) => void;
}

/** Entities to heal, per aggregation view: key values by view key name. */
export type ServedEntities = ReadonlyMap<string, readonly Readonly<Record<string, KeyValue>>[]>;

export interface HealReport {
  /** The rebuild's clock (epoch ms). */
  readonly at: number;
  readonly views: readonly TileRebuildResult[];
  /** Entities checked, items rewritten, left to the stream, failed: over every view. */
  readonly checked: number;
  readonly healed: number;
  readonly deferred: number;
  readonly failed: number;
  readonly causes: Readonly<Record<TileCause, number>>;
}

/** Entities per offline query: the key list travels in the SQL text (Athena: 256 kB a query). */
export const HEAL_CHUNK = 1_000;

export async function healAggregationViews(
  deps: HealDeps,
  request: { readonly now: number; readonly served: ServedEntities },
): Promise<HealReport> {
  const views: TileRebuildResult[] = [];
  for (const [name, entities] of [...request.served].sort(([a], [b]) => a.localeCompare(b))) {
    const view = getView(deps.registry, name);
    if (!isAggregationView(view) || entities.length === 0) continue;
    views.push(await healView(deps, view, entities, { now: request.now }));
    // A candidate version's tiles are filled from the served version's events for the same
    // entities, so it holds full windows online by the day it is promoted.
    const candidate = candidateOf(deps.registry, view);
    if (candidate)
      views.push(
        await healView(deps, candidate, entities, {
          now: request.now,
          fromVersion: view.version,
          label: `${name} v${candidate.version}`,
        }),
      );
  }
  const total = sumResults('', views);
  return {
    at: request.now,
    views,
    checked: total.entities,
    healed: total.written,
    deferred: total.deferred,
    failed: total.failed,
    causes: total.causes,
  };
}

/** Rebuilds one view version's tiles for the entities, in chunks, and sums the results. */
async function healView(
  deps: HealDeps,
  view: AggregationRegistryView,
  entities: readonly Readonly<Record<string, KeyValue>>[],
  options: { readonly now: number; readonly fromVersion?: number; readonly label?: string },
): Promise<TileRebuildResult> {
  const label = options.label ?? view.name;
  const parts: TileRebuildResult[] = [];
  for (let from = 0; from < entities.length; from += HEAL_CHUNK)
    parts.push(
      await materializeTiles(deps.source, deps.online, view, {
        now: options.now,
        entities: entities.slice(from, from + HEAL_CHUNK),
        ...(options.fromVersion === undefined ? {} : { fromVersion: options.fromVersion }),
        ...(deps.retry ? { retry: deps.retry } : {}),
        ...(deps.onOutcome
          ? { onOutcome: (key, outcome) => deps.onOutcome?.(label, key, outcome) }
          : {}),
      }),
    );
  return sumResults(label, parts);
}

/** The view's candidate version when its tiles can be rebuilt from the served version's events. */
function candidateOf(
  registry: Registry,
  view: AggregationRegistryView,
): AggregationRegistryView | undefined {
  const candidate = candidateViews(registry).find((c) => c.name === view.name);
  if (!candidate || !isAggregationView(candidate) || !readsHistoryOf(view, candidate))
    return undefined;
  // The served entities are keyed by the served version's keys.
  return keysSignature(candidate.joinKeys) === keysSignature(view.joinKeys) ? candidate : undefined;
}

function sumResults(view: string, parts: readonly TileRebuildResult[]): TileRebuildResult {
  const causes = Object.fromEntries(TILE_CAUSES.map((c) => [c, 0])) as Record<TileCause, number>;
  const sum = { entities: 0, written: 0, kept: 0, deferred: 0, failed: 0 };
  for (const p of parts) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += p[k];
    for (const c of TILE_CAUSES) causes[c] += p.causes[c];
  }
  return { view, ...sum, causes };
}

/** One line per view: what was checked and healed, and why. */
export function formatHeal(report: HealReport): string[] {
  return report.views.map((v) => {
    const why = TILE_CAUSES.filter((c) => v.causes[c] > 0).map((c) => `${v.causes[c]} ${c}`);
    return (
      `heal ${v.view}: ${v.entities} served entities checked, ${v.written} healed` +
      (why.length > 0 ? ` (${why.join(', ')})` : '') +
      (v.deferred > 0 ? `, ${v.deferred} deferred (offline behind the stream)` : '') +
      (v.failed > 0 ? `, ${v.failed} failed` : '')
    );
  });
}
