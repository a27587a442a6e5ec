/**
 * The embedded local stack that `npm start` and the tests share: dynalite (DynamoDB API) and
 * kinesalite (Kinesis API) in-process on free loopback ports, SDK v3 clients pointed at them,
 * and DuckDB over a local data folder. The same handler code runs against it as in AWS.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { Registry } from '../registry/types.ts';
import { streamsOf } from '../registry/query.ts';
import { ONLINE_KEY } from '../core/online-item.ts';
import { onlineTableName, sourceStreamName, type ResourceNames } from '../core/naming.ts';
import { stringLiteral } from '../sql/literals.ts';

export interface LocalStackOptions {
  readonly registry: Registry;
  /** Folder for the offline store, inference logs, exports and reports. */
  readonly dataDir: string;
  /** Physical-name prefix, as in AWS. @default 'skewless-local' */
  readonly prefix?: string;
  /** Shards per source stream. @default 1 */
  readonly shardsPerStream?: number;
}

export interface LocalStack {
  readonly registry: Registry;
  readonly dataDir: string;
  readonly names: ResourceNames;
  readonly onlineTable: string;
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly duckdb: DuckDBConnection;
  readonly endpoints: { readonly dynamodb: string; readonly kinesis: string };
  /** Stops the servers and closes clients and DuckDB. Safe to call twice. */
  stop(): Promise<void>;
}

/** Fixed fake credentials: the stand-ins accept any, and nothing may reach real AWS. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const names = { prefix: options.prefix ?? 'skewless-local' };
  await mkdir(options.dataDir, { recursive: true });

  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesisServer = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  const servers: Server[] = [];
  try {
    const dynamoUrl = await listen(dynamoServer);
    servers.push(dynamoServer);
    const kinesisUrl = await listen(kinesisServer);
    servers.push(kinesisServer);

    // Keep-alive sockets, HTTP/1.1: kinesalite does not speak the HTTP/2 the Kinesis client defaults to.
    const requestHandler = () =>
      new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } });
    const dynamodb = new DynamoDBClient({
      ...LOCAL_AWS,
      endpoint: dynamoUrl,
      requestHandler: requestHandler(),
    });
    const kinesis = new KinesisClient({
      ...LOCAL_AWS,
      endpoint: kinesisUrl,
      requestHandler: requestHandler(),
    });

    const onlineTable = onlineTableName(names);
    await createOnlineTable(dynamodb, onlineTable);
    for (const stream of streamsOf(options.registry)) {
      await createStream(kinesis, sourceStreamName(names, stream), options.shardsPerStream ?? 1);
    }

    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    await duckdb.run(`SET file_search_path = ${stringLiteral(options.dataDir)}`);

    let stopped = false;
    return {
      registry: options.registry,
      dataDir: path.resolve(options.dataDir),
      names,
      onlineTable,
      dynamodb,
      kinesis,
      duckdb,
      endpoints: { dynamodb: dynamoUrl, kinesis: kinesisUrl },
      async stop() {
        if (stopped) return;
        stopped = true;
        dynamodb.destroy();
        kinesis.destroy();
        duckdb.closeSync();
        instance.closeSync();
        await Promise.all(servers.map(close));
      },
    };
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
}

/** The online table, keyed as `online-item.ts` lays items out (the CDK construct matches it). */
export async function createOnlineTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ONLINE_KEY.partition, AttributeType: 'S' },
        { AttributeName: ONLINE_KEY.sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ONLINE_KEY.partition, KeyType: 'HASH' },
        { AttributeName: ONLINE_KEY.sort, KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists(
    { client: dynamodb, maxWaitTime: 30, minDelay: 1 },
    { TableName: tableName },
  );
}

async function createStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 30, minDelay: 1 },
    { StreamName: streamName },
  );
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
