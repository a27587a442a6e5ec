/**
 * `skewless init DIR`: a new project that depends on skewless, with example definitions, a CDK
 * app using `FeatureStore`, a test and a README. Refuses a folder that is not empty.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TEMPLATE_PACKAGES, templateFiles, type TemplatePackage } from '../../init/template.ts';
import { CliError, EXIT } from '../context.ts';

interface InitOptions {
  readonly name?: string;
  readonly skewless?: string;
  readonly json?: boolean;
}

/** skewless's own package.json (this file sits at `lib/cli/commands/` in source and in `dist/`). */
async function ownPackage(): Promise<{
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}> {
  for (const up of ['../../..', '../../../..']) {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), up, 'package.json');
    try {
      const pkg = JSON.parse(await readFile(file, 'utf8')) as { name?: string };
      if (pkg.name === 'skewless') return pkg as Awaited<ReturnType<typeof ownPackage>>;
    } catch {
      // not there: try one level up (dist/)
    }
  }
  throw new CliError("cannot find skewless's package.json", EXIT.failure);
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create a new project that depends on skewless (definitions, CDK app, test)')
    .argument('<dir>', 'folder to create (must be absent or empty)')
    .option('--name <name>', 'package name (default: the folder name)')
    .option(
      '--skewless <spec>',
      'version spec of the skewless dependency (default: ^<this version>)',
    )
    .option('--json', 'print the files written as JSON')
    .addHelpText('after', '\nExit codes: 0 created, 2 the folder is not empty or a bad name.')
    .action(async (dir: string, options: InitOptions) => {
      const name = options.name ?? path.basename(path.resolve(dir));
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
        throw new CliError(`'${name}' is not an npm package name; pass --name`, EXIT.usage);
      const existing = await readdir(dir).catch(() => [] as string[]);
      if (existing.length > 0)
        throw new CliError(`${dir} is not empty; init writes into a new folder`, EXIT.usage);
      const own = await ownPackage();
      const all = { ...own.dependencies, ...own.devDependencies };
      const versions = Object.fromEntries(
        TEMPLATE_PACKAGES.map((p) => [p, all[p] ?? 'latest']),
      ) as Record<TemplatePackage, string>;
      const files = templateFiles({
        name,
        skewless: options.skewless ?? `^${own.version}`,
        versions,
      });
      for (const [file, content] of Object.entries(files)) {
        const target = path.join(dir, file);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      if (options.json) {
        console.log(JSON.stringify({ dir: path.resolve(dir), files: Object.keys(files) }));
        return;
      }
      console.log(`Created ${name} in ${dir}:`);
      for (const file of Object.keys(files)) console.log(`  ${file}`);
      console.log(
        `\nNext:\n  cd ${dir}\n  npm install && npm start   # the local store\n  npm test`,
      );
    });
}
