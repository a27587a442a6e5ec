/** `skewless get`: placeholder until its issue lands (it fails with a clear message meanwhile). */
import type { Command } from 'commander';
import { CliError, EXIT } from '../context.ts';

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`skewless get` is not built yet', EXIT.failure);
    });
}
