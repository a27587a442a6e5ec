/** CloudFormation behaviours the stack depends on: rollbacks, deletes, Glue table updates. */
import { awsRule } from './rule.ts';

export const CLOUDFORMATION = {
  /**
   * `RetainExceptOnCreate` keeps a resource on stack delete and update, but deletes it when the
   * stack operation that created it rolls back. So every resource under it must be deletable
   * right after its own creation, or a failed first deploy ends in ROLLBACK_FAILED.
   */
  retainExceptOnCreate: awsRule(
    'RetainExceptOnCreate',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html',
  ),
  /** `Retain` keeps the resource even when the operation that created it rolls back. */
  retain: awsRule(
    'Retain',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html',
  ),
  /** DeleteTable fails while a table's deletion protection is enabled, whoever calls it. */
  dynamoDeletionProtectionBlocksDelete: awsRule(
    'DeletionProtectionEnabled',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection',
  ),
  /** A bucket is deleted only once every object version and delete marker in it is gone. */
  s3DeleteNeedsEmptyBucket: awsRule(
    'BucketNotEmpty',
    'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html',
  ),
  /**
   * An Iceberg table is declared with the resource's own `Name` and `OpenTableFormatInput`
   * only; a `TableInput` beside them is a Hive table input, and an update through it rewrites
   * the table's parameters (`table_type`, `metadata_location`).
   */
  glueIcebergTableShape: awsRule(
    { name: 'Name', iceberg: 'OpenTableFormatInput', forbidden: 'TableInput' } as const,
    'https://aws.amazon.com/blogs/big-data/create-and-update-apache-iceberg-tables-with-partitions-in-the-aws-glue-data-catalog-using-the-aws-sdk-and-aws-cloudformation/',
  ),
  /** The Glue table's `Name` is create-only: a new name is a new table. */
  glueTableNameReplaces: awsRule(
    'Replacement',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-glue-table.html',
  ),
} as const;
