/**
 * The CDK app: one `FeatureStore` stack built from `feature_defs/`, checked by cdk-nag
 * (`AwsSolutionsChecks`) and CDK's CloudFormation validation. `npx cdk synth` runs offline.
 *
 * Context: `-c defs=<folder>` (default `feature_defs`), `-c prefix=<name>` (default `skewless`),
 * `-c alertEmails=a@x.com,b@y.com` and `-c alertHttpsUrls=https://…` (alert subscriptions),
 * `-c lakeFormation=true` (Lake Formation governs the account's Data Catalog).
 */
import { App } from 'aws-cdk-lib';
import { loadRegistryFromDir } from '../lib/registry/load.ts';
import { APP_CONTEXT, buildSkewlessApp } from '../lib/cdk/app.ts';

const app = new App({ postCliContext: APP_CONTEXT, builtinCloudFormationValidation: true });
const defsDir = (app.node.tryGetContext('defs') as string | undefined) ?? 'feature_defs';
const prefix = (app.node.tryGetContext('prefix') as string | undefined) ?? 'skewless';
const list = (key: string): string[] =>
  ((app.node.tryGetContext(key) as string | undefined) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const { registry } = await loadRegistryFromDir(defsDir);

buildSkewlessApp({
  app,
  registry,
  prefix,
  store: {
    definitions: defsDir,
    alertSubscriptions: { emails: list('alertEmails'), httpsUrls: list('alertHttpsUrls') },
    lakeFormation: { enabled: String(app.node.tryGetContext('lakeFormation')) === 'true' },
  },
});
app.synth();
