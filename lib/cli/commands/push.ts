/** `skewless push`: placeholder until its issue lands (it fails with a clear message meanwhile). */
import type { Command } from 'commander';
import { CliError, EXIT } from '../context.ts';

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('`skewless push` is not built yet', EXIT.failure);
    });
}
