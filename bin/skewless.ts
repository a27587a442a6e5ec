#!/usr/bin/env -S node --import tsx
/** The `skewless` CLI. Exit codes: 0 ok, 1 failure, 2 bad input, 3 refused (breaking plan, alert, invalid backfill rows). */
// First: before any module can build an AWS SDK client.
import '../lib/cli/node-support.ts';
import { CommanderError } from 'commander';
import { buildProgram } from '../lib/cli/program.ts';
import { CliError, EXIT } from '../lib/cli/context.ts';
import { RegistryDocumentError, SkewlessError, ValidationError } from '../lib/core/errors.ts';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    console.error(`skewless: ${error.message}`);
    process.exitCode = error.exitCode;
  } else if (
    error instanceof ValidationError ||
    error instanceof RegistryDocumentError ||
    (error instanceof SkewlessError && error.name === 'DefinitionError')
  ) {
    console.error(`skewless: ${error.message}`);
    process.exitCode = EXIT.usage;
  } else if (error instanceof SkewlessError) {
    // Ours, and it says what is wrong: the message, not a stack trace.
    console.error(`skewless: ${error.message}`);
    process.exitCode = EXIT.failure;
  } else {
    console.error(
      `skewless: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = EXIT.failure;
  }
}
