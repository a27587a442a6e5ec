/** `skewless demo` (what `npm start` runs): the whole feature store on this machine, on real data. */
import path from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { runDemo, type DemoProgress } from '../../local/demo.ts';
import { formatSummary as formatExport } from '../../export/manifest.ts';
import { explainVerdicts, formatSummary as formatSkew } from '../../skew/summary.ts';
import { loadCliRegistry, positiveInt, withCommonOptions } from '../context.ts';

interface DemoOptions {
  readonly defs: string;
  readonly data: string;
  readonly once?: boolean;
  readonly days: string;
  readonly start: string;
  readonly lookups: string;
  readonly port?: string;
  readonly progress: boolean;
}

export function registerDemo(program: Command): void {
  withCommonOptions(
    program
      .command('demo')
      .description(
        'Run the local feature store (dynalite, kinesalite, DuckDB) on the 2001 US flights',
      )
      .option('--once', 'run every stage once and exit (0 on success)')
      .option('--start <YYYY-MM-DD>', 'first day of flights to replay', '2001-01-01')
      .option('--days <n>', 'days of flights to replay', '3')
      .option('--lookups <n>', 'lookups to send before the skew check', '500')
      .option('--port <port>', 'port of the lookup API (default: a free one)')
      .option('--no-progress', 'no progress bars'),
  ).action(async (options: DemoOptions) => {
    const days = positiveInt(options.days, '--days');
    const lookups = positiveInt(options.lookups, '--lookups');
    const runtime = await loadCliRegistry(options);
    const started = Date.now();
    const demo = await runDemo({
      runtime,
      dataDir: options.data,
      startDay: options.start,
      days,
      lookups,
      port: options.port === undefined ? undefined : positiveInt(options.port, '--port'),
      progress: consoleProgress(options.progress && process.stderr.isTTY === true),
    });
    const { lookup, exportSummary, skew } = demo;
    console.log('');
    console.log(formatExport(exportSummary));
    console.log('');
    for (const report of skew.reports) {
      console.log(formatSkew(report));
      console.log(explainVerdicts(report));
    }
    console.log('');
    console.log(
      `Lookup API: ${lookup.url}/features   (simulated clock: ${new Date(demo.clock()).toISOString()})`,
    );
    console.log(
      `  curl -s -X POST ${lookup.url}/features -H 'content-type: application/json' \\\n` +
        `    -d '{"service":"departure_delay_model","entities":[{"origin":"ORD","destination":"LGA"}],"request":{"scheduled_hour":18}}'`,
    );
    console.log(
      `  npx skewless get --service departure_delay_model --entity origin=ORD --entity destination=LGA`,
    );
    console.log(
      `Data folder: ${path.relative(process.cwd(), demo.stack.dataDir) || '.'}   (all stages took ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (options.once) {
      await demo.stop();
      return;
    }
    console.log('Serving; ingestion keeps polling the streams (`skewless push`). Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await demo.stop();
  });
}

/** Stage lines always; a bar per stage on a terminal. */
function consoleProgress(bars: boolean): DemoProgress {
  let bar: SingleBar | undefined;
  let name = '';
  let startedAt = 0;
  return {
    stage(stage, total) {
      name = stage;
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
      void name;
    },
  };
}
