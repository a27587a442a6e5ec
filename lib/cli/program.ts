/** The `skewless` command line: one sub-command per stage of the flow. */
import { Command } from 'commander';
import { registerPlan } from './commands/plan.ts';
import { registerDev } from './commands/dev.ts';
import { registerPush } from './commands/push.ts';
import { registerGet } from './commands/get.ts';
import { registerExport } from './commands/export.ts';
import { registerSkewCheck } from './commands/skew-check.ts';
import { registerBackfill } from './commands/backfill.ts';
import { registerMaterialize } from './commands/materialize.ts';
import { registerInit } from './commands/init.ts';
import { registerUi } from './commands/ui.ts';
import { registerForget } from './commands/forget.ts';

export function buildProgram(): Command {
  const program = new Command('skewless')
    .description(
      'A serverless feature store: declare each feature once, serve and train on the same values.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 a store or engine failed, 2 bad input (arguments, files,\n' +
        'definitions), 3 refused (a breaking plan, a skew alert, invalid backfill rows).\n' +
        'Start with `skewless init <dir>`, or `skewless dev` in a project with feature_defs/.',
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerDev,
    registerPlan,
    registerPush,
    registerGet,
    registerExport,
    registerSkewCheck,
    registerBackfill,
    registerMaterialize,
    registerForget,
    registerInit,
    registerUi,
  ]) {
    register(program);
  }
  return program;
}
