/**
 * Shadow services: a service declared `shadowOf` another is a candidate (new views, candidate
 * versions of served views, a new transform) that is ingested and stored like any but never
 * served. Each night, after the check,
 * the served service's sample of the day is replayed under the shadow (`replay.ts`: the registry
 * with the served service's entry replaced by the shadow's, under the served name) and reported
 * as the shadow's `<date>/<shadow>.html`, so a team watches a change on live traffic for days
 * before switching the model to it. A shadow never alerts: nothing serves it.
 */
import { sha256Hex } from '../core/canonical-json.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { candidateHistoryOf, servingCandidatesOf } from '../registry/candidates.ts';
import { withQueryEventsFrom, type OfflineReader } from '../export/offline-reader.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import type { DayLogSource } from './logs.ts';
import { replayService, servicesToReplay, type ReplayDeps, type ServiceReplay } from './replay.ts';

/**
 * The registry as if the shadow were served in its service's place: its features, transforms and
 * thresholds under the served name (so the day's log and sample are that service's), the
 * candidate versions it reads in their served versions' place (`servingCandidatesOf`), with a
 * hash of its own (the version changes are named against the served registry).
 */
export function shadowRuntime(runtime: RuntimeRegistry, shadow: RegistryService): RuntimeRegistry {
  const registry = servingCandidatesOf(runtime.registry, shadow);
  const servedName = shadow.shadowOf!;
  const featureServices = registry.featureServices
    .filter((s) => s.name !== shadow.name)
    .map((s) => {
      if (s.name !== servedName) return s;
      const { shadowOf: _served, ...candidate } = shadow;
      // The sample is the served service's: the shadow replays the vectors the check read.
      const sample = s.skew.sample;
      const { sample: _own, ...thresholds } = candidate.skew;
      return {
        ...candidate,
        name: servedName,
        skew: sample ? { ...thresholds, sample } : thresholds,
      };
    });
  return {
    ...runtime,
    registry: {
      ...registry,
      featureServices,
      hash: sha256Hex(`${registry.hash}/shadow/${shadow.name}`),
    },
  };
}

/**
 * The offline store with the shadow's candidate versions read from their served versions' tables
 * where those hold their history (`candidateHistory`): a candidate deployed today has full
 * windows and ttl on its first night, its own table holding only what arrived since.
 */
export function withCandidateHistory(
  offline: OfflineReader,
  registry: Registry,
  shadow: RegistryService,
): OfflineReader {
  // The replay's registry serves the candidates (`shadowRuntime`): their history is named here.
  const history = candidateHistoryOf(registry, shadow);
  if (history.size === 0) return offline;
  return {
    ...offline,
    pointInTime: (query) =>
      offline.pointInTime({
        ...query,
        eventsFrom: withQueryEventsFrom(query.eventsFrom, history),
      }),
  };
}

/** Relative paths of a shadow's nightly report: the shadow's own name. */
export function shadowReportPaths(date: string, shadow: string): { html: string; json: string } {
  return { html: `${date}/${shadow}.html`, json: `${date}/${shadow}.json` };
}

/** Replays, for each shadow of a service logged that day, that service's sample under it. */
export async function replayShadows(
  deps: ReplayDeps,
  request: {
    readonly date: string;
    readonly log: DayLogSource;
    /** Vectors logged that day per service checked. */
    readonly logged: ReadonlyMap<string, number>;
  },
): Promise<ServiceReplay[]> {
  const registry = deps.runtime.registry;
  const out: ServiceReplay[] = [];
  for (const shadow of registry.featureServices) {
    const served = shadow.shadowOf;
    const logged = served ? (request.logged.get(served) ?? 0) : 0;
    if (!served || logged === 0) continue;
    const candidate = shadowRuntime(deps.runtime, shadow);
    const [target] = servicesToReplay(registry, candidate.registry, [served]).filter(
      (t) => t.service === served,
    );
    out.push(
      await replayService(
        {
          ...deps,
          runtime: candidate,
          knownRegistries: [registry],
          offline: withCandidateHistory(deps.offline, registry, shadow),
        },
        { date: request.date, log: request.log, applied: registry },
        {
          service: served,
          changes: target?.changes ?? new Map(),
          logged,
          paths: shadowReportPaths(request.date, shadow.name),
          shadow: shadow.name,
        },
      ),
    );
  }
  return out;
}
