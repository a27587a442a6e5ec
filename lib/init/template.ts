/**
 * The files of a new project made by `skewless init`: a team's own repository that depends on
 * the skewless package. Text only (no logic); the test suite builds a project from it, installs
 * the packed package, and runs its commands.
 */

export interface TemplateOptions {
  /** npm package name of the new project. */
  readonly name: string;
  /** Version spec of the skewless dependency (`^0.1.0`, or `file:…tgz` in tests). */
  readonly skewless: string;
  /** Versions the project pins beside it: the ones skewless is built and tested with. */
  readonly versions: Readonly<Record<TemplatePackage, string>>;
}

/** Packages the project depends on directly (one copy of the CDK library, shared with skewless). */
export const TEMPLATE_PACKAGES = [
  'aws-cdk-lib',
  'constructs',
  'aws-cdk',
  'tsx',
  'typescript',
  '@types/node',
] as const;
export type TemplatePackage = (typeof TEMPLATE_PACKAGES)[number];

/** Relative path → content. */
export function templateFiles(options: TemplateOptions): Record<string, string> {
  const v = options.versions;
  const packageJson = {
    name: options.name,
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'skewless dev',
      test: 'tsc --noEmit && node --import tsx --test test/*.test.ts',
      plan: 'skewless plan',
      synth: 'cdk synth --quiet',
    },
    dependencies: {
      skewless: options.skewless,
      'aws-cdk-lib': v['aws-cdk-lib'],
      constructs: v.constructs,
    },
    devDependencies: {
      'aws-cdk': v['aws-cdk'],
      tsx: v.tsx,
      typescript: v.typescript,
      '@types/node': v['@types/node'],
    },
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': TSCONFIG,
    'cdk.json': CDK_JSON,
    '.gitignore': 'node_modules/\ncdk.out/\n.skewless/\n',
    'feature_defs/index.ts': DEFS_INDEX,
    'feature_defs/customers.ts': DEFS_EXAMPLE,
    'bin/app.ts': APP,
    'test/features.test.ts': TEST,
    'README.md': readme(options.name),
  };
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
    },
    include: ['bin', 'feature_defs', 'test'],
  },
  null,
  2,
)}\n`;

const CDK_JSON = `${JSON.stringify({ app: 'npx tsx bin/app.ts' }, null, 2)}\n`;

const DEFS_INDEX = `// The module the deployed Lambdas bundle: re-export every definition file of this folder.
// (\`skewless plan\` and the CDK app check that nothing is left out.)
export * from './customers.ts';
`;

const DEFS_EXAMPLE = `/** An example: replace it with your own entities, feature views and services. */
import { defineEntity, defineFeatureService, defineFeatureView, field } from 'skewless';

export const customer = defineEntity({
  name: 'customer',
  description: 'A customer, by id.',
  keys: { customer_id: 'string' },
});

/** Pushed by the order service after each order: the newest record per customer wins. */
export const customerOrders = defineFeatureView({
  name: 'customer_orders',
  version: 1,
  entities: [customer],
  ttl: '30d',
  owner: 'data-team@example.com',
  features: {
    orders_total: field.int64({ default: 0, description: 'Orders placed so far.' }),
    last_order_amount: field.float64({ description: 'Amount of the latest order.' }),
  },
});

export const churnModel = defineFeatureService({
  name: 'churn_model',
  features: [customerOrders],
});
`;

const APP = `/**
 * The CDK app: one stack holding a skewless FeatureStore built from feature_defs/.
 * \`npx cdk synth\` runs offline; \`npx cdk deploy\` deploys it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { APP_CONTEXT, FeatureStore, loadRegistryFromDir } from 'skewless/cdk';

const app = new App({ postCliContext: APP_CONTEXT });
const stack = new Stack(app, 'Features');
const { registry } = await loadRegistryFromDir('feature_defs');

const store = new FeatureStore(stack, 'FeatureStore', {
  registry,
  definitions: 'feature_defs', // what the Lambdas bundle
  prefix: 'features',
});
void store; // grant access with store.grantProduce(role), store.grantLookup(role), …
app.synth();
`;

const TEST = `/**
 * The definitions, end to end on this machine: records through the real ingest handler, a
 * lookup through the real lookup handler (dynalite, kinesalite, DuckDB; no AWS account).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createClient } from 'skewless/client';
import { loadRegistryFromDir, startLocalFeatureStore } from 'skewless/local';
import { churnModel } from '../feature_defs/index.ts';

test('a pushed order is served by the churn model lookup', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'features-'));
  const runtime = await loadRegistryFromDir('feature_defs');
  const store = await startLocalFeatureStore({ runtime, dataDir, writeEndpoints: false });
  try {
    await store.push('customer_orders', [
      { customer_id: 'c1', event_time: new Date().toISOString(), orders_total: 3, last_order_amount: 42.5 },
    ]);
    const client = createClient({ endpoint: store.lookup.url });
    const { rows } = await client.get(churnModel, [{ customer_id: 'c1' }]);
    assert.equal(rows[0]?.values.customer_orders__orders_total, 3);
    assert.equal(rows[0]?.values.customer_orders__last_order_amount, 42.5);
    const missing = await client.get(churnModel, [{ customer_id: 'nobody' }]);
    assert.equal(missing.rows[0]?.statuses.customer_orders__orders_total, 'missing');
    assert.equal(missing.rows[0]?.values.customer_orders__orders_total, 0); // its default
  } finally {
    await store.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
`;

function readme(name: string): string {
  return `# ${name}

Features for machine learning, declared once in \`feature_defs/\` and served by
[skewless](https://www.npmjs.com/package/skewless): the same definitions drive the AWS
resources, ingestion, the online lookup, training exports and the nightly skew check.

## The two commands

\`\`\`sh
npm install && npm start   # the feature store for feature_defs/ on this machine (no AWS account)
npm test                   # typecheck, then a record pushed and looked up through the real handlers
\`\`\`

While \`npm start\` runs, another shell uses it:

\`\`\`sh
npx skewless plan                                                      # what changed in feature_defs/
npx skewless push --view customer_orders --file orders.csv             # CSV, JSON lines or Parquet
npx skewless get --service churn_model --entity customer_id=c1
npx skewless export --service churn_model --spine spine.csv --out train.parquet
npx skewless backfill --view customer_orders --file history.parquet    # history, then materialize
npx skewless materialize --view customer_orders                        # offline → online, newest wins
npx skewless skew-check --date $(date -u +%F)
\`\`\`

## Deploy

\`\`\`sh
npx cdk synth      # offline
npx cdk deploy
\`\`\`

\`bin/app.ts\` builds a \`FeatureStore\` from \`feature_defs/\`; the Lambdas bundle
\`feature_defs/index.ts\`, so every definition file must be re-exported there.
`;
}
