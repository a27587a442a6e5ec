/**
 * `FeatureStore`: every AWS resource of a skewless deployment, derived from the compiled
 * registry. (The foundation holds the online table; the infrastructure issue grows the rest.)
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Registry } from '../registry/types.ts';
import { ONLINE_KEY, ONLINE_TTL_ATTRIBUTE } from '../core/online-item.ts';
import { onlineTableName } from '../core/naming.ts';

export interface FeatureStoreProps {
  /** The compiled registry (`loadRegistryFromDir('feature_defs')`). */
  readonly registry: Registry;
  /** Prefix of every physical name. @default 'skewless' */
  readonly prefix?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class FeatureStore extends Construct {
  public readonly onlineTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const names = { prefix: props.prefix ?? 'skewless' };
    this.onlineTable = new dynamodb.Table(this, 'OnlineTable', {
      tableName: onlineTableName(names),
      partitionKey: { name: ONLINE_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ONLINE_KEY.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: ONLINE_TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
