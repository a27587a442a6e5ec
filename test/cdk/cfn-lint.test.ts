/**
 * cfn-lint (the CloudFormation linter; 1.51.0 on the project's machine image and in CI) over
 * the synthesized template, with the repository's `.cfnlintrc`: zero errors. Where cfn-lint is
 * not installed the test is skipped, except in CI, where it must run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/cdk/handler-function.ts';
import { flightsRegistry, synthStore } from './synth.ts';

/** cfn-lint on PATH, or where pip and pyenv put it when a shell's PATH lacks them. */
const CANDIDATES = [
  'cfn-lint',
  path.join(os.homedir(), '.pyenv', 'shims', 'cfn-lint'),
  path.join(os.homedir(), '.local', 'bin', 'cfn-lint'),
];
const cfnLint = CANDIDATES.find(
  (bin) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0,
);
const installed = cfnLint !== undefined;
if (!installed && process.env.CI) throw new Error('cfn-lint is not installed (required in CI)');

describe.skipIf(!installed)('cfn-lint', () => {
  it.each([
    ['the synthesized template', {}],
    ['the template with Lake Formation grants', { lakeFormation: { enabled: true } }],
  ])(
    'finds no error in %s',
    async (_, store) => {
      const { template } = synthStore(await flightsRegistry(), { store });
      const file = path.join(
        mkdtempSync(path.join(os.tmpdir(), 'skewless-lint-')),
        'Skewless.json',
      );
      writeFileSync(file, JSON.stringify(template.toJSON(), null, 1));
      const run = spawnSync(cfnLint!, ['--format', 'parseable', file], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      });
      const findings = run.stdout.split('\n').filter((l) => l.trim().length > 0);
      const errors = findings.filter((l) => /:E\d{4}:/.test(l));
      expect(errors, run.stderr).toEqual([]);
      // Exit code bit 2 means errors (4 warnings, 8 informational).
      expect(run.status! & 2).toBe(0);
    },
    120_000,
  );
});
