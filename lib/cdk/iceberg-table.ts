/**
 * One Iceberg table of the store's Glue database (`AWS::Glue::Table`): a view version's, or the
 * inference log's. The table's own Name and OpenTableFormatInput only: a TableInput beside them
 * is a Hive table input, and an update through it (a new description) strips `table_type` and
 * `metadata_location`. So nothing a plan calls non-breaking (description, owner, tags) reaches
 * this resource (`CLOUDFORMATION.glueIcebergTableShape`).
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import { icebergTableProperties, type IcebergTableSpec } from './iceberg-schema.ts';

export interface IcebergTableProps {
  readonly name: string;
  readonly spec: IcebergTableSpec;
  readonly database: glue.CfnDatabase;
  /** The table's S3 location (`s3://bucket/prefix`). */
  readonly location: string;
}

export function createIcebergTable(scope: Construct, props: IcebergTableProps): glue.CfnTable {
  const { name, spec } = props;
  const databaseName = (props.database.databaseInput as glue.CfnDatabase.DatabaseInputProperty)
    .name!;
  const table = new glue.CfnTable(scope, `Table-${name}`, {
    catalogId: Stack.of(scope).account,
    databaseName,
    name,
    openTableFormatInput: {
      icebergInput: {
        metadataOperation: 'CREATE',
        version: '2',
        icebergTableInput: {
          location: props.location,
          schema: spec.schema,
          partitionSpec: spec.partitionSpec,
          properties: icebergTableProperties(),
        },
      },
    },
  });
  table.node.addDependency(props.database);
  return table;
}
