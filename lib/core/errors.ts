/** The error hierarchy. Each error carries the data a caller needs to act on it, and `cause`. */
export class SkewlessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One broken rule in the definitions: names the file, the object and the rule. */
export interface DefinitionProblem {
  readonly file: string;
  readonly object: string;
  readonly rule: string;
  readonly message: string;
}

export class DefinitionError extends SkewlessError {
  constructor(readonly problems: readonly DefinitionProblem[]) {
    super(
      `Invalid feature definitions (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file}: ${p.object}: [${p.rule}] ${p.message}`).join('\n'),
    );
  }
}

/** A breaking change between the applied registry and the current definitions. */
export class BreakingChangeError extends SkewlessError {
  constructor(readonly changes: readonly { readonly path: string; readonly message: string }[]) {
    super(
      `Breaking change${changes.length === 1 ? '' : 's'} without a version bump:\n` +
        changes.map((c) => `  ${c.path}: ${c.message}`).join('\n'),
    );
  }
}

/** Input from a user or producer that cannot be accepted; `field` names what is wrong. */
export class ValidationError extends SkewlessError {
  constructor(
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A name that the registry does not know (service, view, feature). */
export class UnknownDefinitionError extends ValidationError {
  constructor(
    readonly what:
      | 'service'
      | 'view'
      | 'aggregation view'
      | 'plain view'
      | 'view or event stream'
      | 'feature'
      | 'transform'
      | 'entity',
    readonly definitionName: string,
    known: readonly string[],
  ) {
    super(`Unknown ${what} '${definitionName}'. Known: ${known.join(', ') || '(none)'}`, what);
  }
}

/** A registry document (an applied registry, a store's copy) that is not a registry. */
export class RegistryDocumentError extends SkewlessError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `${source} is not a skewless registry (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p}`).join('\n'),
      options,
    );
  }
}
