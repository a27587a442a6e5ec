/** What every CLI command shares: the definitions folder, the data folder, exit codes, errors. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadRegistryFromDir } from '../registry/load.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import { SkewlessError } from '../core/errors.ts';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** A real fault: a store or engine failed. */
  failure: 1,
  /** Bad input: arguments, files or definitions. */
  usage: 2,
  /** `plan` found a breaking change; `skew-check` raised an alert; `backfill` refused some rows. */
  refused: 3,
} as const;

export class CliError extends SkewlessError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CommonOptions {
  readonly defs: string;
  readonly data: string;
}

export const DEFAULT_DEFS_DIR = 'feature_defs';
export const DEFAULT_DATA_DIR = path.join('.skewless', 'data');

/** Adds `--defs` and `--data` to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--defs <dir>', 'folder of feature definitions', DEFAULT_DEFS_DIR)
    .option(
      '--data <dir>',
      'local data folder (offline store, logs, exports, reports)',
      DEFAULT_DATA_DIR,
    );
}

export function loadCliRegistry(options: Pick<CommonOptions, 'defs'>): Promise<RuntimeRegistry> {
  return loadRegistryFromDir(path.resolve(options.defs));
}

/** A positive integer flag, or a usage error naming the flag. */
export function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new CliError(`${flag} must be a positive integer, got '${text}'`, EXIT.usage);
  return n;
}

/** A repeatable option's values, in order (`--entity a=1 --entity b=2`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
