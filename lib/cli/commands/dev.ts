/** `skewless dev` (what `npm start` runs): the whole feature store on this machine. */
import type { Command } from 'commander';
import { startLocalStack } from '../../local/stack.ts';
import { loadCliRegistry, withCommonOptions } from '../context.ts';

export function registerDev(program: Command): void {
  withCommonOptions(
    program
      .command('dev')
      .description('Run the local feature store (dynalite, kinesalite, DuckDB) on the flights data')
      .option('--once', 'run every stage once and exit'),
  ).action(async (options: { defs: string; data: string; once?: boolean }) => {
    const { registry } = await loadCliRegistry(options);
    const stack = await startLocalStack({ registry, dataDir: options.data });
    console.log(
      `registry ${registry.hash.slice(0, 12)}: ${registry.featureViews.length} views, ${registry.featureServices.length} services`,
    );
    console.log(
      `DynamoDB (dynalite) ${stack.endpoints.dynamodb}, Kinesis (kinesalite) ${stack.endpoints.kinesis}, data in ${stack.dataDir}`,
    );
    if (options.once) {
      await stack.stop();
      return;
    }
    console.log('Ready. Ctrl-C to stop.');
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    await stack.stop();
  });
}
