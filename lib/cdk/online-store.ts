/**
 * The online store: one DynamoDB table (on-demand, point-in-time recovery, CMK, TTL attribute)
 * laid out by `lib/core/online-item.ts`. Grants are exact: the ingest Lambda may only PutItem
 * (its conditional write decides newest-wins), the lookup only reads.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ONLINE_KEY, ONLINE_TTL_ATTRIBUTE } from '../core/online-item.ts';
import { onlineTableName, type ResourceNames } from '../core/naming.ts';

export interface OnlineStoreProps {
  readonly names: ResourceNames;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

export class OnlineStore extends Construct {
  public readonly table: dynamodb.Table;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: OnlineStoreProps) {
    super(scope, id);
    this.key = props.key;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: onlineTableName(props.names),
      partitionKey: { name: ONLINE_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ONLINE_KEY.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      timeToLiveAttribute: ONLINE_TTL_ATTRIBUTE,
      // DynamoDB refuses DeleteTable while deletion protection is on, and a failed first deploy
      // deletes the table under RetainExceptOnCreate: the rollback would fail. The DeletionPolicy
      // already keeps the table on stack delete and update. Plain RETAIN never deletes it, so
      // protection costs nothing there.
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
  }

  /** Conditional single-item writes only: no update, delete or batch write. */
  public grantPut(grantee: iam.IGrantable): void {
    this.grant(
      grantee,
      ['dynamodb:PutItem'],
      ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    );
  }

  /** The consistent point read of an aggregation view's tile item before its conditional put. */
  public grantTileRead(grantee: iam.IGrantable): void {
    this.grant(grantee, ['dynamodb:GetItem'], ['kms:Decrypt']);
  }

  /** Batch reads only: a lookup is one BatchGetItem round trip (`lib/serve/batch-get.ts`). */
  public grantLookup(grantee: iam.IGrantable): void {
    this.grant(grantee, ['dynamodb:BatchGetItem'], ['kms:Decrypt']);
  }

  /**
   * `skewless forget --aws`: the tombstones' conditional puts, the deletes of the entity's
   * items, and a keys-only Scan for views keyed by more than the entity.
   */
  public grantForget(grantee: iam.IGrantable): void {
    this.grant(
      grantee,
      ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
      ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    );
  }

  private grant(grantee: iam.IGrantable, actions: string[], keyActions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
    iam.Grant.addToPrincipal({ grantee, actions: keyActions, resourceArns: [this.key.keyArn] });
  }
}
