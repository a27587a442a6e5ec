/**
 * The replay of `skewless plan --replay DATE`: before a definition change ships, each service
 * whose outputs it changes has that day's logged vectors (the nightly check's sample) rebuilt at
 * their `served_at` under the candidate definitions and compared with what was served. It is the
 * nightly check's path with the candidate as the registry: the same day-log source, the same
 * export rebuild and transforms (`rebuilds.ts`, `rebuild-transforms.ts`), the same comparison
 * (`compare-sql.ts`) and the same report format (`report-html.ts`); only the figures differ
 * (`replay-figures.ts`). An output's change crosses the service's thresholds as a skew would
 * (exact-match, null-mismatch, PSI, KS): `crossed` says so, and the CLI exits 3.
 */
import { getService } from '../registry/query.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import {
  dropCheckTables,
  independentVectors,
  registryHashes,
  stepTimer,
  type SkewCheckDeps,
} from './check.ts';
import { loadServedVectors, SAMPLE_TABLE, type DayLogSource } from './logs.ts';
import { buildOutputReport } from './output-report.ts';
import type { OutputFigures } from './measure.ts';
import { rebuildTransforms } from './rebuild-transforms.ts';
import { transformBodyChanges } from './transform-fixes.ts';
import { createValuesView, rebuild, TABLES, withJoinSidesAsWritten } from './rebuilds.ts';
import {
  measureReplay,
  REPLAY_TABLES,
  servedSource,
  type ReplayFigures,
} from './replay-figures.ts';
import { renderReportHtml } from './report-html.ts';
import type { ReportStore } from './run.ts';
import { sampleOf } from './sample.ts';
import { kindsOf, verdictOf } from './thresholds.ts';
import { CAUSES, type OutputReport, type SampleSummary, type SkewReport } from './types.ts';
import { changedOutputs } from './versions.ts';
import { percent } from './headline.ts';

export interface ReplayDeps extends SkewCheckDeps {
  /** Where the replay's reports go (`replay/<date>/<service>.html` and `.json`). */
  readonly reports: ReportStore;
}

export interface ReplayRequest {
  /** UTC day of the logged vectors, `YYYY-MM-DD`. */
  readonly date: string;
  readonly log: DayLogSource;
  /** The registry the day was served under: the applied one. `deps.runtime` is the candidate. */
  readonly applied: Registry;
  /**
   * Services to replay even when neither the registry nor the day's served inputs show a change
   * (a transform body fix is found from the data: `transform-fixes.ts`). Default: none.
   */
  readonly services?: readonly string[];
}

export interface ServiceReplay {
  readonly service: string;
  /** A shadow's name, when this replay is a shadow's (`service` is the one it shadows). */
  readonly shadow?: string;
  /** Per changed output, what the candidate changes (`versions.ts`). */
  readonly changes: readonly { readonly output: string; readonly was: string }[];
  readonly sample: SampleSummary;
  readonly outputs: readonly ReplayFigures[];
  /** The report in the nightly check's format (its HTML written beside its JSON). */
  readonly report: SkewReport;
  /** Some output's change crosses the service's thresholds. */
  readonly crossed: boolean;
}

export interface ReplayResult {
  readonly replays: readonly ServiceReplay[];
  /** Candidate services with no change to replay. */
  readonly unchanged: readonly string[];
  /** Services to replay that logged no vector that day. */
  readonly notLogged: readonly string[];
}

/** Relative paths of a replay's report. */
export function replayReportPaths(date: string, service: string): { html: string; json: string } {
  return { html: `replay/${date}/${service}.html`, json: `replay/${date}/${service}.json` };
}

/** The applied registry has the service: it was served (a new one never was). */
const servedBy = (applied: Registry, service: Pick<RegistryService, 'name'>) =>
  applied.featureServices.some((s) => s.name === service.name);

/**
 * The candidate's services whose outputs change from the applied registry (any view version,
 * type, default, ttl, window, filter or transform they read), with what changed, plus the ones
 * named; a service the applied registry does not have was never served and is not replayed.
 */
export function servicesToReplay(
  applied: Registry,
  candidate: Registry,
  named: readonly string[] = [],
): { readonly service: string; readonly changes: ReadonlyMap<string, string> }[] {
  for (const name of named) getService(candidate, name); // an unknown name fails here, clearly
  const out: { service: string; changes: ReadonlyMap<string, string> }[] = [];
  for (const service of candidate.featureServices) {
    if (!servedBy(applied, service)) continue;
    const changes = new Map(
      [...changedOutputs(candidate, service, [applied])].map(([o, v]) => [o, v[0]!.was]),
    );
    if (changes.size > 0 || named.includes(service.name))
      out.push({ service: service.name, changes });
  }
  return out;
}

/**
 * The services to replay, in the candidate's order: those `servicesToReplay` names, and each other
 * served service whose transforms' candidate functions give other outputs on the day's served
 * inputs (`transformBodyChanges`: a function body fix the registry cannot show; a service named
 * with no registry change is checked too, so its report says what changed).
 */
async function replayTargets(
  deps: ReplayDeps,
  request: ReplayRequest,
  logged: ReadonlyMap<string, number>,
): Promise<{ readonly service: string; readonly changes: ReadonlyMap<string, string> }[]> {
  const candidate = deps.runtime.registry;
  const fromRegistry = servicesToReplay(request.applied, candidate, request.services);
  const out: { service: string; changes: ReadonlyMap<string, string> }[] = [];
  for (const service of candidate.featureServices) {
    const known = fromRegistry.find((t) => t.service === service.name);
    const vectors = logged.get(service.name) ?? 0;
    if (known && known.changes.size > 0) out.push(known);
    else if (vectors > 0 && service.transforms.length > 0 && servedBy(request.applied, service)) {
      const changes = await transformBodyChanges(deps, request.log, service, vectors);
      if (changes.size > 0 || known) out.push({ service: service.name, changes });
    } else if (known) out.push(known);
  }
  return out;
}

export async function replayDay(deps: ReplayDeps, request: ReplayRequest): Promise<ReplayResult> {
  const candidate = deps.runtime.registry;
  const logged = new Map(
    (await request.log.counts()).services.map((s) => [s.service, s.vectors] as const),
  );
  const targets = await replayTargets(deps, request, logged);
  const replays: ServiceReplay[] = [];
  const notLogged: string[] = [];
  for (const { service, changes } of targets) {
    const vectors = logged.get(service) ?? 0;
    if (vectors === 0) notLogged.push(service);
    else
      replays.push(
        await replayService(deps, request, {
          service,
          changes,
          logged: vectors,
          paths: replayReportPaths(request.date, service),
        }),
      );
  }
  const replayed = new Set(targets.map((t) => t.service));
  return {
    replays,
    unchanged: candidate.featureServices.map((s) => s.name).filter((s) => !replayed.has(s)),
    notLogged,
  };
}

/** One service to replay: its changes, its logged vectors, where its report goes. */
export interface ReplayTarget {
  readonly service: string;
  readonly changes: ReadonlyMap<string, string>;
  readonly logged: number;
  readonly paths: { readonly html: string; readonly json: string };
  /** A shadow's name: the report is the shadow's. */
  readonly shadow?: string;
}

/**
 * Replays one service's sample of the day under `deps.runtime` and writes its report. The
 * check's scratch tables (and the sample) are dropped afterwards.
 */
export async function replayService(
  deps: ReplayDeps,
  request: Pick<ReplayRequest, 'date' | 'log' | 'applied'>,
  target: ReplayTarget,
): Promise<ServiceReplay> {
  const { service: name, changes, logged, paths } = target;
  const { duckdb, runtime } = deps;
  const service = getService(runtime.registry, name);
  const { timings, timed } = stepTimer(deps.clock);
  try {
    const checked = await timed('sample_s', () => request.log.loadSample(service, logged));
    const sample: SampleSummary = {
      logged,
      checked,
      rate: checked / logged,
      declared: sampleOf(service),
      whole: checked === logged,
    };
    const vectors = await timed('load_s', () =>
      loadServedVectors(duckdb, { service, into: TABLES.served }),
    );
    await timed('rebuild_s', () => rebuild(deps, service, vectors));
    await timed('transforms_s', () =>
      rebuildTransforms(duckdb, runtime, service, TABLES.mainRebuilt, TABLES.transformed),
    );
    const independent = await independentVectors(duckdb, sample);
    const outputs = await withJoinSidesAsWritten(duckdb, async () => {
      await createValuesView(duckdb, service, vectors);
      return timed('compare_s', () => measureReplay(duckdb, service, changes, independent));
    });
    const hashes = await registryHashes(duckdb, runtime.registry, [request.applied]);
    const report = replayReport(deps, request, service, { outputs, sample, hashes, timings });
    const located: SkewReport = {
      ...report,
      ...(target.shadow ? { service: target.shadow } : {}),
      reportLocation: deps.reports.locate(paths.html),
    };
    await deps.reports.write(paths.html, renderReportHtml(located), 'text/html; charset=utf-8');
    await deps.reports.write(
      paths.json,
      `${JSON.stringify(located, null, 2)}\n`,
      'application/json',
    );
    return {
      service: name,
      ...(target.shadow ? { shadow: target.shadow } : {}),
      changes: [...changes].map(([output, was]) => ({ output, was })),
      sample,
      outputs,
      report: located,
      crossed: located.decisions.length > 0,
    };
  } finally {
    await dropCheckTables(duckdb);
    for (const t of [SAMPLE_TABLE, ...Object.values(REPLAY_TABLES)])
      await duckdb.run(`DROP TABLE IF EXISTS ${q(t)}`);
  }
}

/** The replay as a skew report (the nightly check's format): the served values as the baseline. */
function replayReport(
  deps: ReplayDeps,
  request: Pick<ReplayRequest, 'date' | 'applied'>,
  service: RegistryService,
  parts: {
    readonly outputs: readonly ReplayFigures[];
    readonly sample: SampleSummary;
    readonly hashes: SkewReport['registryHashes'];
    readonly timings: Record<string, number>;
  },
): SkewReport {
  const registry = deps.runtime.registry;
  const baseline = { source: servedSource(request.date), outputs: {} };
  const outputs = parts.outputs.map((f) => {
    const built = buildOutputReport(
      service,
      registry,
      figuresOf(f, request.applied.hash),
      f.distribution,
      baseline,
    );
    return { ...built, notes: replayNotes(f, built) };
  });
  const decisions = outputs.flatMap((o) => o.decisions);
  const kinds = kindsOf(decisions);
  return {
    formatVersion: 3,
    service: service.name,
    date: request.date,
    registryHash: registry.hash,
    generatedAt: new Date(deps.clock()).toISOString(),
    vectors: parts.sample.checked,
    sample: parts.sample,
    registryHashes: parts.hashes,
    baseline: { source: baseline.source },
    malformed: { count: 0, examples: [] },
    outputs,
    decisions,
    kinds,
    verdict: verdictOf(kinds),
    alert: decisions.length > 0,
    timings: parts.timings,
  };
}

/** The replay's figures as the check's: every changed value has one cause, `version` when the
 * candidate shows the change (its registry, or a transform body fix found on the served inputs),
 * else `unexplained` (data moved). */
function figuresOf(f: ReplayFigures, appliedHash: string): OutputFigures {
  const cause = f.change ? 'version' : 'unexplained';
  return {
    output: f.output,
    dtype: f.dtype,
    rows: f.rows,
    matches: f.matches,
    nullMismatches: f.nullMismatches,
    servedNullOnly: f.servedNullOnly,
    skewNullMismatches: f.nullMismatches,
    typeMismatches: f.typeMismatches,
    versionMismatches: f.change ? f.rows : 0,
    versionChanges: f.change ? [{ hash: appliedHash, was: f.change }] : [],
    causeCounts: Object.fromEntries(
      CAUSES.map((c) => [c, c === cause ? f.rows - f.matches : 0]),
    ) as OutputFigures['causeCounts'],
    status: null,
    examples: f.examples,
  };
}

/** The report's notes: the replay's own figures first, then the check's (minus baseline talk). */
function replayNotes(f: ReplayFigures, built: OutputReport): string[] {
  const rate = (a: number | null, b: number | null) =>
    a === null || b === null ? null : `${percent(a)} → ${percent(b)}`;
  const lines = [
    `replay: ${f.rows - f.matches} of ${f.rows} values change (match ${percent(f.matchRate)})` +
      (f.meanAbsDiff === null ? '' : `; mean |Δ| ${f.meanAbsDiff}, max |Δ| ${f.maxAbsDiff}`) +
      `; null rate ${rate(f.servedNullRate, f.candidateNullRate)}` +
      (f.servedDefaultRate === null
        ? ''
        : `; default rate ${rate(f.servedDefaultRate, f.candidateDefaultRate)}`) +
      '.',
  ];
  if (f.matches === f.rows) lines.push('Every value matched: the distributions are the same.');
  return [...lines, ...built.notes.filter((n) => !n.startsWith('PSI/KS not computed'))];
}
