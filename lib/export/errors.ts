/** Errors of the training export: bad spines, failed engines. Each carries the data to act on. */
import { SkewlessError, ValidationError } from '../core/errors.ts';

/** A spine that cannot be exported; `problems` lists every issue found, not only the first. */
export class SpineError extends ValidationError {
  constructor(
    readonly problems: readonly string[],
    readonly spine: string,
  ) {
    super(
      `Invalid spine ${spine} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      'spine',
    );
  }
}

/** The query engine (Athena) failed; `reason` is the engine's own message. */
export class ExportQueryError extends SkewlessError {
  constructor(
    readonly queryId: string,
    readonly state: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Athena query ${queryId} ${state}: ${reason}`, options);
  }
}
