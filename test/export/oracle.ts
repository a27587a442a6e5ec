/**
 * The brute-force point-in-time oracle: for each spine row and view, scan every record, keep
 * the visible ones, pick the newest by the one ordering rule, resolve with `resolveFeature`,
 * then run the transforms. Quadratic on purpose: obviously right, not fast.
 */
import type { FeatureValue } from '../../lib/define/dtypes.ts';
import { resolveFeature, type FeatureStatus } from '../../lib/core/defaults.ts';
import { isNewer, isVisibleAt } from '../../lib/core/ordering.ts';
import { applyTransforms, parseRequestFields } from '../../lib/core/transforms.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { getService, getView } from '../../lib/registry/query.ts';
import type { AsOf } from '../../lib/sql/plan.ts';
import type { OfflineRecord } from './offline-fixture.ts';

export interface OracleSpineRow {
  readonly keys: Readonly<Record<string, string | number | null>>;
  readonly t: number;
  readonly asOf?: number | null;
  readonly request?: Readonly<Record<string, FeatureValue>>;
}

export interface OracleRow {
  readonly values: Record<string, FeatureValue>;
  readonly statuses: Record<string, FeatureStatus>;
}

export function oraclePointInTime(
  runtime: RuntimeRegistry,
  serviceName: string,
  history: ReadonlyMap<string, readonly OfflineRecord[]>,
  spine: readonly OracleSpineRow[],
  asOf: AsOf,
): OracleRow[] {
  const service = getService(runtime.registry, serviceName);
  return spine.map((row) => {
    const values: Record<string, FeatureValue> = {};
    const statuses: Record<string, FeatureStatus> = {};
    const limit = asOf.kind === 'instant' ? asOf.at : (row.asOf ?? Number.POSITIVE_INFINITY);
    for (const viewName of service.views) {
      const view = getView(runtime.registry, viewName);
      let best: OfflineRecord | undefined;
      for (const record of history.get(viewName) ?? []) {
        const sameKeys = view.joinKeys.every(
          (k) => row.keys[k.name] !== null && row.keys[k.name] === record.keys[k.name],
        );
        if (!sameKeys || !isVisibleAt(record.eventTime, row.t) || record.ingestedAt > limit)
          continue;
        if (isNewer(record, best)) best = record;
      }
      for (const f of service.features.filter((x) => x.view === viewName)) {
        const stored = best && { value: best.values[f.feature] ?? null, eventTime: best.eventTime };
        const resolved = resolveFeature(f, stored, row.t, view.ttlMs);
        values[f.output] = resolved.value;
        statuses[f.output] = resolved.status;
      }
    }
    Object.assign(
      values,
      applyTransforms(runtime, service, values, parseRequestFields(service, row.request ?? {})),
    );
    return { values, statuses };
  });
}
