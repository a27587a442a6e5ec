/**
 * Runs a command line program and turns what it throws into a message and an exit code (0 ok,
 * 1 failure, 2 bad input, 3 refused): the `skewless` CLI and the example's `npm start` alike.
 */
import { CommanderError, type Command } from 'commander';
import { CliError, EXIT } from './context.ts';
import { RegistryDocumentError, SkewlessError, ValidationError } from '../core/errors.ts';

export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = exitCodeOf(error, program.name());
  }
}

/** Says what went wrong (ours: the message, not a stack trace) and picks the exit code. */
function exitCodeOf(error: unknown, name: string): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof CliError) {
    console.error(`${name}: ${error.message}`);
    return error.exitCode;
  }
  const badInput =
    error instanceof ValidationError ||
    error instanceof RegistryDocumentError ||
    (error instanceof SkewlessError && error.name === 'DefinitionError');
  if (error instanceof SkewlessError) {
    console.error(`${name}: ${error.message}`);
    return badInput ? EXIT.usage : EXIT.failure;
  }
  console.error(
    `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return EXIT.failure;
}
