/**
 * One Iceberg table of the store's Glue database (`AWS::Glue::Table` with
 * `OpenTableFormatInput.IcebergInput`): a view version's, or the inference log's.
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import type { IcebergTableSpec } from './iceberg-schema.ts';

export interface IcebergTableProps {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, string>;
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
    tableInput: {
      name,
      description: props.description.slice(0, 2048),
      tableType: 'EXTERNAL_TABLE',
      parameters: props.parameters,
    },
    openTableFormatInput: {
      icebergInput: {
        metadataOperation: 'CREATE',
        version: '2',
        icebergTableInput: {
          location: props.location,
          schema: spec.schema,
          partitionSpec: spec.partitionSpec,
          properties: {
            'write.format.default': 'parquet',
            'write.parquet.compression-codec': 'zstd',
          },
        },
      },
    },
  });
  table.node.addDependency(props.database);
  return table;
}
