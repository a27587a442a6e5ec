/** The CDK app: one `FeatureStore` stack built from `feature_defs/`. `npx cdk synth` runs offline. */
import { App, Stack, Tags } from 'aws-cdk-lib';
import { loadRegistryFromDir } from '../lib/registry/load.ts';
import { FeatureStore } from '../lib/cdk/feature-store.ts';

const app = new App();
const defsDir = (app.node.tryGetContext('defs') as string | undefined) ?? 'feature_defs';
const prefix = (app.node.tryGetContext('prefix') as string | undefined) ?? 'skewless';
const { registry } = await loadRegistryFromDir(defsDir);

const stack = new Stack(app, 'Skewless', {
  description: `skewless feature store (registry ${registry.hash.slice(0, 12)})`,
});
new FeatureStore(stack, 'FeatureStore', { registry, prefix });
Tags.of(stack).add('skewless:registry', registry.hash.slice(0, 12));
app.synth();
