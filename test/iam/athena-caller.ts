/**
 * What Athena does with the caller's credentials for one query it was asked to run, derived from
 * the query the code sent (the tables it reads, the table a DDL creates or drops, the prefix an
 * UNLOAD writes) and the workgroup the stack deploys:
 * - every query's result file goes to the workgroup's result location, so the caller needs
 *   s3:GetBucketLocation on that bucket and s3:PutObject there
 *   (https://docs.aws.amazon.com/athena/latest/ug/querying.html);
 * - a table read needs glue:GetTable (and glue:GetPartitions) on the catalog, database and
 *   table, and s3:ListBucket and s3:GetObject on its location, where an Iceberg table keeps its
 *   `metadata/` and `data/` (https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html,
 *   https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html);
 * - CREATE EXTERNAL TABLE needs glue:CreateTable and glue:GetDatabase; DROP TABLE needs
 *   glue:DeleteTable and glue:GetTable (https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html);
 * - MERGE INTO (or INSERT INTO) an Iceberg table commits new data and metadata files under its
 *   location and the new metadata location in Glue: glue:UpdateTable and s3:PutObject
 *   (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-managing-tables.html);
 * - DELETE FROM an Iceberg table writes position delete files and commits them, and OPTIMIZE …
 *   REWRITE DATA writes the rewritten data files and commits them: the same glue:UpdateTable and
 *   s3:PutObject as a MERGE (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-delete.html,
 *   https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html);
 * - UNLOAD lists its target (it must be empty) and writes there
 *   (https://docs.aws.amazon.com/athena/latest/ug/unload.html).
 * Objects under SSE-KMS add the key use of `calls.ts`.
 */
import type { CallTranslator, IamRequest } from './calls.ts';
import { regional, s3Bucket, s3Object } from './calls.ts';

function parseS3(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

/** Scratch tables each translator saw created: table → its S3 location. */
const created = new WeakMap<CallTranslator, Map<string, string>>();

export function athenaOnBehalf(
  t: CallTranslator,
  workgroup: string,
  input: Record<string, unknown>,
): IamRequest[] {
  const sql = String(input.QueryString);
  const database = t.name(
    (input.QueryExecutionContext as { Database?: string } | undefined)?.Database,
  );
  const locations = created.get(t) ?? new Map<string, string>();
  created.set(t, locations);
  const out: IamRequest[] = [...results(t, workgroup)];
  const create = /^CREATE EXTERNAL TABLE `([^`]+)`\.`([^`]+)`[\s\S]*LOCATION '([^']+)'/.exec(sql);
  if (create) {
    const [, db, table, location] = create;
    const { bucket, key } = parseS3(location!);
    locations.set(table!, `s3://${t.name(bucket)}/${key}`);
    return [...out, ...glue(t, ['glue:CreateTable', 'glue:GetDatabase'], db!, table!, 'CREATE')];
  }
  const drop = /^DROP TABLE (?:IF EXISTS )?`([^`]+)`\.`([^`]+)`/.exec(sql);
  if (drop)
    return [...out, ...glue(t, ['glue:DeleteTable', 'glue:GetTable'], drop[1]!, drop[2]!, 'DROP')];
  const tables = new Set(
    [...sql.matchAll(/"([a-z0-9_]+)"\."([a-z0-9_]+)"/g)]
      .filter((m) => t.name(m[1]) === database)
      .map((m) => m[2]!),
  );
  for (const table of tables) {
    const because = `Athena reads ${table}`;
    out.push(...glue(t, ['glue:GetTable', 'glue:GetPartitions'], database, table, because));
    const location = locations.get(table) ?? icebergLocation(t, table);
    const { bucket, key } = parseS3(location.endsWith('/') ? location : `${location}/`);
    out.push(list(bucket, key, because));
    for (const file of ['metadata/00001-x.metadata.json', 'data/part-0.parquet']) {
      const resource = s3Object(bucket, `${key}${file}`);
      out.push({ action: 's3:GetObject', resource, because });
      out.push(...t.keyUse('s3:GetObject', resource, because));
    }
  }
  const into =
    /^(?:MERGE INTO|INSERT INTO|DELETE FROM|OPTIMIZE) "([a-z0-9_]+)"\."([a-z0-9_]+)"/.exec(sql);
  if (into) {
    const [, db, table] = into;
    const because = "Athena's commit to";
    out.push(...glue(t, ['glue:UpdateTable'], db!, table!, because));
    const { bucket, key } = parseS3(`${icebergLocation(t, table!).replace(/\/?$/, '/')}`);
    for (const file of ['data/00000-0-x.parquet', 'metadata/00002-x.metadata.json'])
      out.push(...write(t, s3Object(bucket, `${key}${file}`), because));
  }
  const unload = /\)\nTO '([^']+)'\nWITH/.exec(sql);
  if (unload) {
    const { bucket, key } = parseS3(unload[1]!);
    const target = t.name(bucket);
    out.push(list(target, key, 'UNLOAD checks its target is empty'));
    out.push(...write(t, s3Object(target, `${key}20010101_0_0.parquet`), 'UNLOAD'));
  }
  return out;
}

function list(bucket: string, prefix: string, because: string): IamRequest {
  return {
    action: 's3:ListBucket',
    resource: s3Bucket(bucket),
    context: { 's3:prefix': prefix },
    because,
  };
}

function write(t: CallTranslator, resource: string, because: string): IamRequest[] {
  return [
    { action: 's3:PutObject', resource, because },
    ...t.keyUse('s3:PutObject', resource, because),
  ];
}

/** Glue authorizes a table action on the catalog, the database and the table. */
function glue(
  t: CallTranslator,
  actions: string[],
  db: string,
  table: string,
  because: string,
): IamRequest[] {
  const database = t.name(db);
  const onDatabase = [regional('glue', 'catalog'), regional('glue', `database/${database}`)];
  return actions.flatMap((action) =>
    (action === 'glue:GetDatabase'
      ? onDatabase
      : [...onDatabase, regional('glue', `table/${database}/${table}`)]
    ).map((resource) => ({ action, resource, because: `${because} ${table}` })),
  );
}

/** The workgroup's enforced result location gets every query's result file. */
function results(t: CallTranslator, workgroup: string): IamRequest[] {
  const wg = t.deployed.ofType('AWS::Athena::WorkGroup').find(([, p]) => p.Name === workgroup);
  if (!wg) throw new Error(`no deployed workgroup ${workgroup}`);
  const output = (
    wg[1].WorkGroupConfiguration as { ResultConfiguration: { OutputLocation: string } }
  ).ResultConfiguration.OutputLocation;
  const { bucket, key } = parseS3(output);
  return [
    { action: 's3:GetBucketLocation', resource: s3Bucket(bucket), because: 'query results' },
    ...write(t, s3Object(bucket, `${key}query-id.csv`), 'query results'),
  ];
}

function icebergLocation(t: CallTranslator, table: string): string {
  const found = t.deployed.ofType('AWS::Glue::Table').find(([, p]) => p.Name === table);
  if (!found) throw new Error(`the SQL reads table ${table}, which the stack does not create`);
  return (
    found[1].OpenTableFormatInput as {
      IcebergInput: { IcebergTableInput: { Location: string } };
    }
  ).IcebergInput.IcebergTableInput.Location;
}
