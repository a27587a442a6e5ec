/** `skewless plan`: compare the definitions with the applied registry; `--apply` records them. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { canonicalJson } from '../../core/canonical-json.ts';
import { DYNAMODB } from '../../aws-rules/dynamodb.ts';
import { derivedNameProblems } from '../../core/naming.ts';
import { formatItemSizes, planItemSizes } from '../../registry/item-size.ts';
import { formatPlan, planRegistry } from '../../registry/plan.ts';
import { readRegistryFile } from '../../registry/read.ts';
import { CliError, EXIT, loadCliRegistry, withCommonOptions } from '../context.ts';
import { formatReplay } from '../../skew/replay-table.ts';
import { replayCommand } from './plan-replay.ts';

export const APPLIED_REGISTRY_FILE = 'applied-registry.json';

interface PlanOptions {
  readonly defs: string;
  readonly data: string;
  readonly applied?: string;
  readonly apply?: boolean;
  readonly json?: boolean;
  readonly prefix: string;
  readonly replay?: string;
  readonly service?: string[];
  readonly aws?: boolean;
  readonly region?: string;
  readonly bucket?: string;
  readonly workgroup?: string;
  readonly database?: string;
}

export function registerPlan(program: Command): void {
  withCommonOptions(
    program
      .command('plan')
      .description(
        'List what changed since the applied registry; breaking changes exit with code 3',
      )
      .option('--applied <file>', `the applied registry (default: <defs>/${APPLIED_REGISTRY_FILE})`)
      .option('--apply', 'record the current definitions as applied (refused when breaking)')
      .option(
        '--prefix <prefix>',
        'deployment prefix whose derived AWS names are checked',
        'skewless',
      )
      .option(
        '--replay <YYYY-MM-DD>',
        "replay that day's logged vectors of each changed service under these definitions; exit 3 past its thresholds",
      )
      .option(
        '--service <name...>',
        'with --replay: services to replay even when neither the registry nor the served inputs show a change',
      )
      .option('--aws', "with --replay: the deployment's log and offline store (Athena)")
      .option('--region <region>', 'AWS region (with --aws; default: from the environment)')
      .option('--bucket <name>', 'store bucket (with --aws; default: $SKEWLESS_BUCKET)')
      .option(
        '--workgroup <name>',
        'Athena workgroup (with --aws; default: $SKEWLESS_ATHENA_WORKGROUP)',
      )
      .option('--database <name>', 'Glue database (with --aws; default: $SKEWLESS_GLUE_DATABASE)')
      .option('--json', 'print the plan as JSON'),
  ).action(async (options: PlanOptions) => {
    const runtime = await loadCliRegistry(options);
    const { registry } = runtime;
    const appliedPath = options.applied ?? path.join(options.defs, APPLIED_REGISTRY_FILE);
    const applied = await readApplied(appliedPath);
    const plan = planRegistry(applied, registry);
    const items = planItemSizes(registry);
    const replay = options.replay
      ? await replayCommand({ ...options, replay: options.replay }, runtime, applied)
      : undefined;
    console.log(
      options.json
        ? JSON.stringify({ ...plan, items, ...(replay ? { replay } : {}) }, null, 2)
        : `${formatPlan(plan)}\n${formatItemSizes(items)}` +
            (replay && options.replay ? `\n\n${formatReplay(replay, options.replay)}` : ''),
    );
    const names = derivedNameProblems(registry, { prefix: options.prefix });
    if (names.length > 0)
      throw new CliError(
        `derived AWS names (prefix '${options.prefix}'):\n${names.map((p) => `  ${p}`).join('\n')}`,
        EXIT.refused,
      );
    if (items.tooLarge.length > 0) {
      throw new CliError(
        `online item over DynamoDB's ${DYNAMODB.itemMaxBytes.value / 1024} KB: ${items.tooLarge.map((v) => `${v.view} (${Math.ceil(v.maxItemBytes / 1024)} KB, ${v.tiles} tiles)`).join(', ')}; use fewer features, shorter windows or larger tiles.`,
        EXIT.refused,
      );
    }
    if (plan.breaking.length > 0) {
      throw new CliError(
        `${plan.breaking.length} breaking change(s): bump the version of each view named above (or revert the change).`,
        EXIT.refused,
      );
    }
    const crossed = replay?.replays.filter((r) => r.crossed).map((r) => r.service) ?? [];
    if (crossed.length > 0)
      throw new CliError(
        `the replay's changes cross the thresholds of ${crossed.join(', ')} (see the table above)`,
        EXIT.refused,
      );
    if (options.apply) {
      await writeFile(appliedPath, `${canonicalJson(registry, 2)}\n`);
      console.log(`Applied registry ${registry.hash.slice(0, 12)} written to ${appliedPath}`);
    }
  });
}

/** The applied registry, checked (`lib/registry/read.ts`); `undefined` before the first apply. */
export const readApplied = readRegistryFile;
