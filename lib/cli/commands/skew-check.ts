/**
 * `skewless skew-check --date YYYY-MM-DD [--service S] [--baseline FILE]`: the nightly skew check
 * on demand, locally (DuckDB over `--data`). Prints a summary and the report path; exits 3 when an
 * alert was raised, 0 on a clean day.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { syncLocalStore } from '../../local/endpoints.ts';
import {
  localRegistries,
  NoInferenceLogsError,
  runLocalSkewCheck,
} from '../../local/skew-check.ts';
import { parseBaseline } from '../../skew/baseline.ts';
import type { SkewBaseline } from '../../skew/distribution.ts';
import { formatSummary } from '../../skew/summary.ts';
import { formatShadows } from '../../skew/replay-table.ts';
import type { DailySkewCheckResult } from '../../skew/run.ts';
import { formatHeal } from '../../heal/heal.ts';
import { openTarget } from '../store-target.ts';
import { CliError, EXIT, loadCliRegistry, withCommonOptions } from '../context.ts';
import { APPLIED_REGISTRY_FILE, readApplied } from './plan.ts';

interface SkewCheckOptions {
  readonly defs: string;
  readonly data: string;
  readonly date?: string;
  readonly service?: string[];
  readonly baseline?: string[];
  readonly json?: boolean;
  readonly heal?: boolean;
}

export function registerSkewCheck(program: Command): void {
  withCommonOptions(
    program
      .command('skew-check')
      .description(
        "Rebuild a day's served vectors from the offline store, compare, report; exit 3 on an alert",
      )
      .option('--date <YYYY-MM-DD>', 'UTC day of the inference logs (default: yesterday, UTC)')
      .option('--service <name...>', 'feature service(s) to check (default: all served that day)')
      .option(
        '--baseline <file...>',
        'training baseline artifact(s) of an export (<out>.baseline.json), for PSI and KS',
      )
      .option(
        '--heal',
        "then rebuild the sampled entities' aggregation tiles in the running store, rewriting those that differ",
      )
      .option('--json', 'print the reports as JSON'),
  ).action(async (options: SkewCheckOptions) => {
    const date = options.date ?? yesterdayUtc(Date.now());
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw new CliError(`--date must be a UTC day YYYY-MM-DD, got '${date}'`, EXIT.usage);
    const runtime = await loadCliRegistry(options);
    const baselines = new Map<string, SkewBaseline>();
    for (const file of options.baseline ?? []) {
      const { service, baseline } = await readBaselineFile(file);
      const target = service ?? options.service?.[0];
      if (!target)
        throw new CliError(`${file} does not name its service: pass --service`, EXIT.usage);
      baselines.set(target, baseline);
    }
    // Registries vectors may have been served under: the applied one and any kept in the data
    // folder, so a version change is named on the feature it touched.
    const applied = await readApplied(path.join(options.defs, APPLIED_REGISTRY_FILE));
    const knownRegistries = [
      ...(applied ? [applied] : []),
      ...(await localRegistries(options.data)),
    ];
    await syncLocalStore(options.data); // served vectors logged, pushed records stored
    const target = options.heal
      ? await openTarget({ data: options.data, prefix: 'skewless', progress: false })
      : undefined;
    let result;
    try {
      result = await runLocalSkewCheck({
        ...(target?.online ? { online: target.online } : {}),
        dataDir: options.data,
        runtime,
        date,
        knownRegistries,
        ...(options.service ? { services: options.service } : {}),
        baselines,
      });
    } catch (error) {
      if (error instanceof NoInferenceLogsError) throw new CliError(error.message, EXIT.usage);
      throw error;
    } finally {
      target?.close();
    }
    printResult(result, date, options.json === true);
    for (const s of result.skipped)
      console.error(
        `skipped service '${s.service}' (${s.vectors} vectors): not in the current definitions`,
      );
    if (result.alerts.length > 0)
      throw new CliError(
        `skew alert raised for ${result.alerts.map((a) => a.service).join(', ')} (see the report above)`,
        EXIT.refused,
      );
  });
}

function printResult(result: DailySkewCheckResult, date: string, json: boolean): void {
  if (json) {
    const out =
      result.heal || result.shadows.length > 0
        ? { reports: result.reports, heal: result.heal, shadows: result.shadows }
        : result.reports;
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  for (const report of result.reports) console.log(formatSummary(report));
  if (result.shadows.length > 0) console.log(formatShadows(result.shadows, date));
  if (result.heal) for (const line of formatHeal(result.heal)) console.log(line);
}

async function readBaselineFile(
  file: string,
): Promise<{ service: string | undefined; baseline: SkewBaseline }> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read baseline ${file}: ${(error as Error).message}`, EXIT.usage, {
      cause: error,
    });
  }
  return parseBaseline(doc, path.resolve(file));
}

/** The default day of the nightly run: yesterday, UTC. */
export function yesterdayUtc(now: number): string {
  return new Date(now - 86_400_000).toISOString().slice(0, 10);
}
