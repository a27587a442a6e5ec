/** Which definitions the deployed handlers bundle, and where bundling runs. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDefinitionsModule } from '../../lib/cdk/definitions-module.ts';
import { ValidationError } from '../../lib/core/errors.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

describe('resolveDefinitionsModule', () => {
  it("takes a folder's index.ts and bundles from the project that holds the lock file", () => {
    expect(resolveDefinitionsModule('feature_defs', REPO)).toEqual({
      module: path.join(REPO, 'feature_defs', 'index.ts'),
      projectRoot: REPO,
    });
    expect(resolveDefinitionsModule('feature_defs/index.ts', REPO).module).toBe(
      path.join(REPO, 'feature_defs', 'index.ts'),
    );
  });

  it('names the missing module and the prop to pass', () => {
    expect(() => resolveDefinitionsModule('no_such_defs', REPO)).toThrow(ValidationError);
    expect(() => resolveDefinitionsModule('no_such_defs', REPO)).toThrow(
      /no_such_defs does not exist; pass `definitions`/,
    );
  });
});
