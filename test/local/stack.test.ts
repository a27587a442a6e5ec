import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../../lib/local/stack.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import * as defs from '../../feature_defs/index.ts';
import { encodeOnlineItem, onlineItemKey, decodeOnlineItem } from '../../lib/core/online-item.ts';
import { encodeEntityKey } from '../../lib/core/entity-key.ts';
import { getView } from '../../lib/registry/query.ts';

const { registry } = registryFromModule(defs);

describe('the local stack', () => {
  it('serves the online table, one stream per source and DuckDB, then shuts down cleanly', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-stack-'));
    const stack = await startLocalStack({ registry, dataDir });
    try {
      const table = await stack.dynamodb.send(
        new DescribeTableCommand({ TableName: stack.onlineTable }),
      );
      expect(table.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);

      const streams = await stack.kinesis.send(new ListStreamsCommand({}));
      expect(streams.StreamNames).toEqual([
        'skewless-local-airport-departures',
        'skewless-local-flights',
        'skewless-local-route-flights',
      ]);
      const put = await stack.kinesis.send(
        new PutRecordCommand({
          StreamName: streams.StreamNames![0],
          PartitionKey: 's:SFO',
          Data: new TextEncoder().encode('{}'),
        }),
      );
      expect(put.SequenceNumber).toMatch(/^\d+$/);

      const view = getView(registry, 'route_flights');
      const record = {
        entityKey: encodeEntityKey(view.joinKeys, { origin: 'SFO', destination: 'LAX' }),
        eventTime: 978307200000,
        ingestedAt: 978307200001,
        recordId: 'shardId-000000000000:1',
        values: { distance: 337, last_delay: 12 },
      };
      await stack.dynamodb.send(
        new PutItemCommand({ TableName: stack.onlineTable, Item: encodeOnlineItem(view, record) }),
      );
      const got = await stack.dynamodb.send(
        new GetItemCommand({
          TableName: stack.onlineTable,
          Key: onlineItemKey(record.entityKey, view),
        }),
      );
      expect(decodeOnlineItem(view, got.Item as never)).toEqual(record);

      const rows = await stack.duckdb.runAndReadAll(
        `SELECT current_setting('TimeZone') AS tz, TIMESTAMP '2001-01-01 00:00:00' = to_timestamp(978307200)::TIMESTAMP AS utc`,
      );
      expect(rows.getRowObjects()).toEqual([{ tz: 'UTC', utc: true }]);
    } finally {
      await stack.stop();
      await stack.stop();
    }
  });

  it('starts two stacks side by side on their own ports', async () => {
    const [a, b] = await Promise.all([
      startLocalStack({ registry, dataDir: await mkdtemp(path.join(os.tmpdir(), 'skewless-a-')) }),
      startLocalStack({ registry, dataDir: await mkdtemp(path.join(os.tmpdir(), 'skewless-b-')) }),
    ]);
    expect(a.endpoints.dynamodb).not.toBe(b.endpoints.dynamodb);
    await Promise.all([a.stop(), b.stop()]);
  });
});
