/** The replay as text: per service a table of its outputs' figures, then a few changed values. */
import { canonicalJson } from '../core/canonical-json.ts';
import { describeDecision } from './thresholds.ts';
import { count, fixed, percent } from './headline.ts';
import type { ReplayResult, ServiceReplay } from './replay.ts';

/** Examples printed per changed output (the report keeps `REPLAY_EXAMPLES`). */
const PRINTED_EXAMPLES = 2;
/** The change column's width; the report's notes say the whole change. */
const CHANGE_WIDTH = 44;

function clip(text: string): string {
  return text.length <= CHANGE_WIDTH ? text : `${text.slice(0, CHANGE_WIDTH - 1)}…`;
}

/** The shadows' tables of a nightly run (none: nothing). */
export function formatShadows(shadows: readonly ServiceReplay[], date: string): string {
  return shadows.map((r) => serviceLines(r, date).join('\n')).join('\n\n');
}

export function formatReplay(result: ReplayResult, date: string): string {
  const lines: string[] = [];
  if (result.replays.length === 0 && result.notLogged.length === 0)
    lines.push(`Replay of ${date}: no service's outputs change; nothing to replay.`);
  for (const replay of result.replays) lines.push(...serviceLines(replay, date), '');
  for (const s of result.notLogged)
    lines.push(`Replay of ${date}: service '${s}' changes but logged no vector that day.`);
  return lines.join('\n').trimEnd();
}

function serviceLines(replay: ServiceReplay, date: string): string[] {
  const { sample } = replay;
  const what = replay.shadow
    ? `Shadow ${replay.shadow} of ${replay.service}, ${date}`
    : `Replay of ${date}, ${replay.service}`;
  const head =
    `${what}: ${count(sample.checked)} logged vectors rebuilt ` +
    `under the candidate${sample.whole ? '' : ` (sample of ${count(sample.logged)})`}; ` +
    `${replay.changes.length} output(s) changed by definition.`;
  const header = ['output', 'change', 'match', 'mean |Δ|', 'max |Δ|', 'null %', 'default %', 'PSI'];
  const rows = replay.outputs.map((o) => [
    o.output,
    clip(o.change ?? (o.matches === o.rows ? '' : '(not in the registry)')),
    percent(o.matchRate),
    o.meanAbsDiff === null ? '' : fixed(o.meanAbsDiff),
    o.maxAbsDiff === null ? '' : fixed(o.maxAbsDiff),
    `${percent(o.servedNullRate)} → ${percent(o.candidateNullRate)}`,
    o.servedDefaultRate === null || o.candidateDefaultRate === null
      ? ''
      : `${percent(o.servedDefaultRate)} → ${percent(o.candidateDefaultRate)}`,
    o.distribution?.psi == null ? '' : fixed(o.distribution.psi),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const examples = replay.outputs.flatMap((o) =>
    o.examples
      .slice(0, PRINTED_EXAMPLES)
      .map(
        (e) =>
          `  e.g. ${o.output} of ${e.entityKey} at ${e.servedAt}: served ${canonicalJson(e.served)}, candidate ${canonicalJson(e.rebuilt)}`,
      ),
  );
  const crossed = replay.report.decisions.map((d) => `  ${d.output}: ${describeDecision(d)}`);
  return [
    head,
    line(header),
    ...rows.map(line),
    ...examples,
    crossed.length
      ? `Crosses the service's thresholds:\n${crossed.join('\n')}`
      : "Within the service's thresholds.",
    `Report: ${replay.report.reportLocation ?? '(not written)'}`,
  ];
}
