/**
 * Builds the skewless CDK app: one stack holding a `FeatureStore`, with cdk-nag's
 * `AwsSolutionsChecks` and CDK's CloudFormation validation as validation plugins (their
 * findings fail synthesis). `bin/app.ts` and the tests build the app through this function.
 */
import { App, CfnOutput, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Registry } from '../registry/types.ts';
import { FeatureStore, type FeatureStoreProps } from './feature-store.ts';

/**
 * CloudFormation validation findings are errors, not warnings; S3 access logs are delivered
 * under a bucket policy rather than an ACL.
 */
export const APP_CONTEXT = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

export interface SkewlessAppOptions {
  readonly registry: Registry;
  readonly prefix?: string;
  /** Extra construct props. */
  readonly store?: Omit<FeatureStoreProps, 'registry' | 'prefix'>;
  readonly stackProps?: StackProps;
  /** The app, when the caller made it (the CLI passes context through its own `App`). */
  readonly app?: App;
  /** Run cdk-nag. @default true */
  readonly nag?: boolean;
}

export interface SkewlessApp {
  readonly app: App;
  readonly stack: Stack;
  readonly store: FeatureStore;
}

export function buildSkewlessApp(options: SkewlessAppOptions): SkewlessApp {
  const app = options.app ?? new App({ postCliContext: APP_CONTEXT });
  const { registry } = options;
  const stack = new Stack(app, 'Skewless', {
    description: `skewless feature store (registry ${registry.hash.slice(0, 12)})`,
    ...options.stackProps,
  });
  const store = new FeatureStore(stack, 'FeatureStore', {
    ...options.store,
    registry,
    prefix: options.prefix,
  });
  Tags.of(stack).add('skewless:registry', registry.hash.slice(0, 12));
  // What a user needs after `cdk deploy`: where to look up, export, and watch.
  const outputs: Record<string, string> = {
    LookupUrl: `${store.apiUrl}features`,
    OnlineTable: store.onlineStore.table.tableName,
    Bucket: store.offlineStore.bucket.bucketName,
    GlueDatabase: store.offlineStore.databaseName,
    AthenaWorkgroup: store.offlineStore.workgroupName,
    ExportFunction: store.exports.exporter.function.functionName,
    AlertTopic: store.monitoring.alertTopic.topicArn,
  };
  for (const [id, value] of Object.entries(outputs)) new CfnOutput(stack, id, { value });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, store };
}
