/** `skewless skew-check`: placeholder until its issue lands (it fails with a clear message meanwhile). */
import type { Command } from 'commander';
import { CliError, EXIT } from '../context.ts';

export function registerSkewCheck(program: Command): void {
  program
    .command('skew-check')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`skewless skew-check` is not built yet', EXIT.failure);
    });
}
