/**
 * Shared synthesis for the CDK tests: bundling is skipped (`aws:cdk:bundling-stacks` = []), so
 * a synth takes well under a second; `npm run synth` covers the real esbuild bundling.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { APP_CONTEXT, buildSkewlessApp, type SkewlessAppOptions } from '../../lib/cdk/app.ts';
import { loadRegistryFromDir } from '../../lib/registry/load.ts';
import type { Registry } from '../../lib/registry/types.ts';

export async function flightsRegistry(): Promise<Registry> {
  return (await loadRegistryFromDir('feature_defs')).registry;
}

/**
 * A test app. CDK's CloudFormation validation (a WASM engine, several seconds per synth) runs
 * only where a test asks for it: the validation test.
 */
export function testApp(
  context: Record<string, unknown> = {},
  builtinCloudFormationValidation = false,
): App {
  return new App({
    builtinCloudFormationValidation,
    outdir: mkdtempSync(path.join(os.tmpdir(), 'skewless-cdk-')),
    postCliContext: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
  });
}

export interface Synthesized {
  readonly template: Template;
  readonly built: ReturnType<typeof buildSkewlessApp>;
}

/** Builds the store stack; with `nag` the app's validation plugins run during synthesis. */
export function synthStore(
  registry: Registry,
  options: Omit<SkewlessAppOptions, 'registry' | 'app'> = {},
): Synthesized {
  const built = buildSkewlessApp({ nag: false, ...options, registry, app: testApp() });
  return { template: Template.fromStack(built.stack), built };
}

/** The one Lambda function of the store named `skewless-<handler>` (fails unless exactly one). */
export function functionNamed(
  template: Template,
  handler: string,
): { Properties: Record<string, unknown> } {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `skewless-${handler}` },
  });
  const entries = Object.entries(found);
  if (entries.length !== 1)
    throw new Error(`expected one function skewless-${handler}, found ${entries.length}`);
  return entries[0]![1] as { Properties: Record<string, unknown> };
}
