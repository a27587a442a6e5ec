/**
 * The rules of candidate view versions (`candidates.ts`, `docs/semantics.md` "Shadow services"):
 * a view name may be defined twice, at two versions; the higher is the candidate, which only a
 * shadow service may read, and which may not make the records of a shared stream unreadable
 * for the served version.
 */
import type { FeatureView } from '../define/definitions.ts';
import type { Report } from './rules.ts';
import type { RegistryService, RegistryView } from './types.ts';

/** The compiled views split into the served version of each name and the candidates. */
export interface SplitViews {
  readonly served: RegistryView[];
  readonly candidates: RegistryView[];
}

/**
 * Splits views by name: one definition is served; two at different versions are a served
 * version and a candidate (the higher). More, or two at one version, are reported on each
 * definition after the first (`reportOf` gives the report of the i-th definition).
 */
export function splitCandidates(
  definitions: readonly FeatureView[],
  views: readonly RegistryView[],
  reportOf: (i: number) => Report,
  fileOf: (d: FeatureView) => string,
): SplitViews {
  const served: RegistryView[] = [];
  const candidates: RegistryView[] = [];
  const firstOf = new Map<string, number>();
  for (const [i, view] of views.entries()) {
    const first = firstOf.get(view.name);
    if (first === undefined) {
      firstOf.set(view.name, i);
      served.push(view);
      continue;
    }
    const other = views[first]!;
    const where = `(in ${fileOf(definitions[first]!)})`;
    if (candidates.some((c) => c.name === view.name))
      reportOf(i)(
        'duplicate-name',
        `view '${view.name}' is defined more than twice ${where}: a served version and one candidate at most`,
      );
    else if (other.version === view.version)
      reportOf(i)(
        'duplicate-name',
        `another feature view is also named '${view.name}' at version ${view.version} ${where}; a candidate needs a higher version`,
      );
    else if (view.version > other.version) candidates.push(view);
    else {
      served[served.indexOf(other)] = view;
      candidates.push(other);
    }
  }
  for (const c of candidates) {
    const i = views.indexOf(c);
    const s = served.find((v) => v.name === c.name)!;
    checkCandidateStream(s, c, reportOf(i));
  }
  return { served, candidates };
}

/**
 * Records of a plain stream are validated against every view of the stream, so a candidate
 * that changes a feature's type on the served version's stream would refuse the served
 * version's records: it needs its own stream.
 */
function checkCandidateStream(served: RegistryView, candidate: RegistryView, report: Report) {
  if (served.kind !== 'plain' || candidate.kind !== 'plain') return;
  if (served.source.stream !== candidate.source.stream) return;
  for (const f of candidate.features) {
    const was = served.features.find((x) => x.name === f.name);
    if (was && was.dtype !== f.dtype)
      report(
        'candidate-type',
        `candidate v${candidate.version} makes feature '${f.name}' ${f.dtype} (v${served.version}: ${was.dtype}) ` +
          `on the served version's stream '${served.source.stream}', whose records would then be refused: give the candidate its own stream`,
      );
  }
}

/** Only a shadow reads a candidate: a served service reads the served version of each view. */
export function checkCandidateReaders(
  service: RegistryService,
  candidates: readonly RegistryView[],
  report: Report,
): void {
  if (service.shadowOf) return;
  const read = new Set(service.features.map((f) => `${f.view}#${f.version}`));
  for (const c of candidates)
    if (read.has(`${c.name}#${c.version}`))
      report(
        'candidate-served',
        `reads view '${c.name}' v${c.version}, a candidate (its served version is also defined): ` +
          `only a shadow service (shadowOf) may read it until the served version's definition is removed`,
      );
}
