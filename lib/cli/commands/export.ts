/** `skewless export`: placeholder until its issue lands (it fails with a clear message meanwhile). */
import type { Command } from 'commander';
import { CliError, EXIT } from '../context.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`skewless export` is not built yet', EXIT.failure);
    });
}
