#!/usr/bin/env -S node --import tsx
/**
 * `npm start`: the flights example on the local feature store (`demo.ts`), then the store keeps
 * serving as `skewless dev` does until Ctrl-C. `--once` runs the steps and exits.
 */
// First: before any module can build an AWS SDK client.
import '../../lib/cli/node-support.ts';
import path from 'node:path';
import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { formatSummary as formatExport } from '../../lib/export/manifest.ts';
import { explainVerdicts, formatSummary as formatSkew } from '../../lib/skew/summary.ts';
import { formatReplay } from '../../lib/skew/replay-table.ts';
import {
  CliError,
  EXIT,
  loadCliRegistry,
  positiveInt,
  withCommonOptions,
} from '../../lib/cli/context.ts';
import { untilStopped } from '../../lib/cli/commands/dev.ts';
import { runProgram } from '../../lib/cli/run.ts';
import {
  DEFAULT_DAYS,
  DEFAULT_START,
  runDemo,
  type DemoProgress,
  type RunningDemo,
  type ServedDay,
} from './demo.ts';

interface StartOptions {
  readonly defs: string;
  readonly data: string;
  readonly once?: boolean;
  readonly days: string;
  readonly start: string;
  readonly lookups: string;
  readonly port?: string;
  readonly progress: boolean;
}

const program = withCommonOptions(
  new Command('flights-demo')
    .description(
      'The flights example on the local feature store (dynalite, kinesalite, DuckDB): replay, ' +
        'export, a clean day and a day with an incident, each checked for skew',
    )
    .option('--once', 'run every step once and exit')
    .option('--start <YYYY-MM-DD>', 'first day of flights to replay', DEFAULT_START)
    .option('--days <n>', 'days of flights to replay (the last one trains)', String(DEFAULT_DAYS))
    .option('--lookups <n>', 'lookups sent on each served day', '500')
    .option('--port <port>', 'port of the lookup API (default: a free one)')
    .option('--no-progress', 'no progress bars'),
).action(async (options: StartOptions) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.start) || Number.isNaN(Date.parse(options.start)))
    throw new CliError(`--start must be a day, YYYY-MM-DD, got '${options.start}'`, EXIT.usage);
  const runtime = await loadCliRegistry(options);
  const started = Date.now();
  const demo = await runDemo({
    runtime,
    defs: options.defs,
    dataDir: options.data,
    startDay: options.start,
    days: positiveInt(options.days, '--days'),
    lookups: positiveInt(options.lookups, '--lookups'),
    port: options.port === undefined ? undefined : positiveInt(options.port, '--port'),
    progress: consoleProgress(options.progress && process.stderr.isTTY === true),
  });
  printResults(demo);
  console.log(
    `Data folder: ${path.relative(process.cwd(), demo.store.stack.dataDir) || '.'}   (all steps took ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const unexpected = demo.results.days.filter((day) => !judgedAsPlanted(day));
  if (!options.once) {
    printServing(demo);
    await untilStopped();
    console.log('stopping: writing buffered offline rows and logs…');
  }
  await demo.stop();
  // Another --start can serve a day that truly drifted: said, not failed.
  for (const day of unexpected)
    console.error(
      `note: the check judged ${day.date} otherwise than planted (${day.kind === 'clean' ? 'an alert on the clean day' : 'the incident not named'}): see its report above.`,
    );
});

function printResults(demo: RunningDemo): void {
  const { training, days } = demo.results;
  if (training) console.log(`\n${formatExport(training.exportSummary)}`);
  for (const day of days) {
    console.log(
      `\n── ${day.date}: ${day.kind === 'clean' ? 'a clean day' : `an incident: ${day.planted?.description}`}`,
    );
    for (const report of day.skew.reports) {
      console.log(formatSkew(report));
      console.log(explainVerdicts(report));
    }
  }
  const { replay } = demo.results;
  if (replay) {
    const defs = path.relative(process.cwd(), replay.defs);
    console.log(
      `\n── ${replay.date} again, under a candidate change: skewless plan --defs ${defs} --applied feature_defs/applied-registry.json --replay ${replay.date}`,
    );
    console.log(formatReplay(replay.result, replay.date));
  }
}

/** The clean day raised no alert; the incident day's alert names what was planted. */
function judgedAsPlanted(day: ServedDay): boolean {
  const reports = day.skew.reports;
  if (day.kind === 'clean') return reports.every((r) => !r.alert);
  const skewed = reports.flatMap((r) => r.outputs.filter((o) => o.kinds.includes('skew')));
  return (
    reports.some((r) => r.alert) &&
    (day.planted?.outputs ?? []).every((name) => skewed.some((o) => o.output === name))
  );
}

function printServing(demo: RunningDemo): void {
  const { store, session } = demo;
  const url = store.lookup.url;
  console.log(`
The store keeps serving, as \`skewless dev\` does (endpoints and control URL in ${path.relative(process.cwd(), path.join(store.stack.dataDir, 'endpoints.json'))}):
  lookup API  ${url}/features   (simulated clock: ${new Date(demo.clock()).toISOString()})
  catalog     ${session.catalogUrl}
  curl -s -X POST ${url}/features -H 'content-type: application/json' \\
    -d '{"service":"departure_delay_model","entities":[{"origin":"ORD","destination":"LGA"}],"request":{"scheduled_hour":18}}'
  npx skewless get --service departure_delay_model --entity origin=ORD --entity destination=LGA --request scheduled_hour=18
  npx skewless skew-check --date ${demo.results.days.at(-1)?.date ?? '<YYYY-MM-DD>'}
Ingestion keeps polling the streams (\`skewless push\`). Ctrl-C to stop.`);
}

/** Stage lines always; a bar per stage on a terminal. */
function consoleProgress(bars: boolean): DemoProgress {
  let bar: SingleBar | undefined;
  let startedAt = 0;
  return {
    stage(stage, total) {
      startedAt = Date.now();
      console.error(`▸ ${stage}`);
      if (bars && total !== undefined) {
        bar = new SingleBar(
          { format: '  [{bar}] {percentage}% {value}/{total}', hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(total, 0);
      }
    },
    advance(done) {
      bar?.update(Math.floor(done));
    },
    done(summary) {
      bar?.stop();
      bar = undefined;
      console.error(`  ✓ ${summary} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
    },
  };
}

await runProgram(program, process.argv);
