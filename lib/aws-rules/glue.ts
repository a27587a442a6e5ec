/** AWS Glue Data Catalog and Iceberg: type spellings, text limits, table maintenance. */
import { awsRule } from './rule.ts';

export const GLUE = {
  /**
   * The Iceberg primitive type names a schema field may carry. CloudFormation types
   * `IcebergStructField.Type` as a String (the Glue API takes a JSON value there), and no AWS
   * document shows CloudFormation accepting a nested type (list, map, struct) in that string.
   */
  icebergPrimitiveTypes: awsRule(
    [
      'boolean',
      'int',
      'long',
      'float',
      'double',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'string',
      'uuid',
      'binary',
    ] as const,
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-glue-table-icebergstructfield.html',
  ),
  /** The Glue API's own field type is a JSON value (a nested type is an object there). */
  apiFieldType: awsRule(
    'JSON value',
    'https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergStructField.html',
  ),
  /** A schema field's doc is at most 255 characters. */
  fieldDocMaxLength: awsRule(
    255,
    'https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergStructField.html',
  ),
  /**
   * Iceberg metadata cleanup is a table property the writer honours at each commit: keep at
   * most `previous-versions-max` earlier metadata files and delete older ones.
   */
  metadataCleanupProperties: awsRule(
    {
      deleteAfterCommit: 'write.metadata.delete-after-commit.enabled',
      previousVersionsMax: 'write.metadata.previous-versions-max',
    } as const,
    'https://iceberg.apache.org/docs/latest/configuration/#table-behavior-properties',
  ),
  /**
   * The snapshot retention optimizer expires snapshots older than its period in days and deletes
   * the data and metadata files only they reference; it runs every 3 to 168 hours (default 24).
   */
  retentionOptimizer: awsRule(
    { minRunRateHours: 3, maxRunRateHours: 168, minRetentionDays: 1 },
    'https://docs.aws.amazon.com/glue/latest/webapi/API_IcebergRetentionConfiguration.html',
  ),
} as const;

export type IcebergPrimitiveType = (typeof GLUE.icebergPrimitiveTypes.value)[number];
