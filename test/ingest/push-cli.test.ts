import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { sourceStreamName } from '../../lib/core/naming.ts';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { writeLocalEndpoints } from '../../lib/local/endpoints.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { CliError, EXIT } from '../../lib/cli/context.ts';

const { registry } = registryFromModule(defs);

describe('skewless push', () => {
  let dataDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-push-'));
    stack = await startLocalStack({ registry, dataDir });
    await writeLocalEndpoints(dataDir, {
      ...stack.endpoints,
      prefix: stack.names.prefix,
      pid: process.pid,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const push = (...args: string[]) =>
    buildProgram().parseAsync([
      'node',
      'skewless',
      'push',
      '--data',
      dataDir,
      '--no-progress',
      ...args,
    ]);

  it('validates a CSV file and puts every record on the running local stream', async () => {
    const file = path.join(dataDir, 'deps.csv');
    await writeFile(
      file,
      'origin,event_time,last_delay,last_destination,last_departed_late\n' +
        'SFO,2001-01-01T10:00:00Z,12,LAX,false\nJFK,2001-01-01T10:05:00Z,40,ORD,true\n',
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await push('--view', 'airport_departures', '--file', file);
    expect(log.mock.calls[0]![0]).toMatch(/pushed 2 records to skewless-local-airport-departures/);
    log.mockRestore();

    const stream = sourceStreamName(stack.names, 'airport_departures');
    const it = await stack.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await stack.kinesis.send(
      new GetRecordsCommand({ ShardIterator: it.ShardIterator }),
    );
    expect(
      got.Records?.map((r) => [
        r.PartitionKey,
        JSON.parse(Buffer.from(r.Data!).toString()).last_delay,
      ]),
    ).toEqual([
      ['s:SFO', 12],
      ['s:JFK', 40],
    ]);
  });

  it('sends nothing and exits with a usage error listing the invalid records', async () => {
    const file = path.join(dataDir, 'bad.jsonl');
    await writeFile(
      file,
      [
        { origin: 'SFO', event_time: 1 },
        { origin: 'SFO', event_time: 'yesterday' },
        { origin: 'SFO', event_time: 2, speed: 3 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const error = await push('--view', 'airport_departures', '--file', file).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as CliError).message).toMatch(
      /record 2: event_time: 'yesterday' is not ISO-8601/,
    );
    expect((error as CliError).message).toMatch(/record 3: field 'speed' is not a join key/);
  });

  it('names each bad value instead of crashing or storing it', async () => {
    const file = path.join(dataDir, 'bad-values.jsonl');
    await writeFile(
      file,
      [
        { origin: 'SFO', event_time: 1, last_destination: 'L\ud800X' },
        { origin: 'SFO', event_time: 9000000000000000 },
        { origin: 'SFO', event_time: '2001-02-30T00:00:00Z' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const error = await push('--view', 'airport_departures', '--file', file).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    const message = (error as CliError).message;
    expect(message).toMatch(/record 1: last_destination: expected string, got .*lone surrogate/);
    expect(message).toMatch(/record 2: event_time: 9000000000000000 ms is outside years 0001-9999/);
    expect(message).toMatch(/record 3: event_time: '2001-02-30T00:00:00Z': 2001-02 has no day 30/);
  });

  it('pushes raw events to an event stream named by its own name', async () => {
    const file = path.join(dataDir, 'flights.jsonl');
    await writeFile(
      file,
      [
        {
          origin: 'SFO',
          destination: 'LAX',
          event_time: '2001-01-01T10:00:00Z',
          delay: 7,
          distance: 337,
        },
        {
          origin: 'JFK',
          destination: 'ORD',
          event_time: '2001-01-01T10:05:00Z',
          delay: 30,
          distance: 740,
        },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await push('--view', 'flights', '--file', file);
    expect(log.mock.calls[0]![0]).toMatch(/pushed 2 records to skewless-local-flights /);
    log.mockRestore();
    const it = await stack.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: sourceStreamName(stack.names, 'flights'),
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await stack.kinesis.send(
      new GetRecordsCommand({ ShardIterator: it.ShardIterator }),
    );
    // Partitioned by the stream's declared key (origin), not a view's whole entity key.
    expect(
      got.Records?.map((r) => [r.PartitionKey, JSON.parse(Buffer.from(r.Data!).toString()).delay]),
    ).toEqual([
      ['s:SFO', 7],
      ['s:JFK', 30],
    ]);
  });

  it('names an event stream in what it refuses, and says --help takes one', async () => {
    const file = path.join(dataDir, 'bad-flights.jsonl');
    await writeFile(file, JSON.stringify({ origin: 'SFO', event_time: 1, delay: 'late' }));
    const error = await push('--view', 'flights', '--file', file).catch((e: unknown) => e);
    expect((error as CliError).message).toMatch(/invalid records for event stream 'flights'/);
    const help = buildProgram()
      .commands.find((c) => c.name() === 'push')!
      .helpInformation();
    expect(help).toMatch(/or an event\s+stream by its\s+own name/);
  });

  it('names an unknown view, listing views and event streams', async () => {
    const error = await push('--view', 'nope', '--file', 'x.csv').catch((e: unknown) => e);
    expect((error as CliError).message).toMatch(
      /Unknown view or event stream 'nope'. Known: .*airport_departures.*, flights/,
    );
  });
});
