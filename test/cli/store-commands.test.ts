/** `init`, `dev`, `backfill`, `materialize`: help, exit codes and errors that say what to do. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError, EXIT } from '../../lib/cli/context.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { writeLocalEndpoints } from '../../lib/local/endpoints.ts';

const cli = (...args: string[]) => buildProgram().parseAsync(['node', 'skewless', ...args]);

async function failure(pending: Promise<unknown>): Promise<CliError> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('the store commands of the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-cli-'));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('documents its exit codes in the help of backfill, materialize, dev and init', () => {
    const program = buildProgram();
    for (const name of ['backfill', 'materialize', 'dev', 'init']) {
      const command = program.commands.find((c) => c.name() === name)!;
      let help = '';
      command.configureOutput({ writeOut: (s) => (help += s) });
      command.outputHelp();
      expect(help, name).toMatch(/Exit codes: 0/);
    }
  });

  it('init writes a project that depends on this version of skewless, and refuses a non-empty folder', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const project = path.join(dir, 'team-features');
    await cli('init', project);
    expect((await readdir(project)).sort()).toEqual([
      '.gitignore',
      'README.md',
      'bin',
      'cdk.json',
      'feature_defs',
      'package.json',
      'test',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const own = JSON.parse(await readFile('package.json', 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies).toEqual({
      skewless: `^${own.version}`,
      'aws-cdk-lib': own.dependencies['aws-cdk-lib'],
      constructs: own.dependencies.constructs,
    });
    const readme = await readFile(path.join(project, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');

    const again = await failure(cli('init', project));
    expect(again.exitCode).toBe(EXIT.usage);
    expect(again.message).toMatch(/is not empty/);
  });

  it('backfill and materialize say how to start a store when none runs', async () => {
    const data = path.join(dir, 'no-store');
    const file = path.join(dir, 'h.jsonl');
    await writeFile(file, '{"origin":"SFO","event_time":"2001-01-01T00:00:00Z"}\n');
    for (const args of [
      ['backfill', '--view', 'airport_departures', '--file', file],
      ['materialize', '--view', 'airport_departures'],
      ['materialize', '--view', 'airport_delays'],
      ['backfill', '--view', 'airport_delays', '--file', file],
    ]) {
      const error = await failure(cli(...args, '--data', data));
      expect(error.exitCode).toBe(EXIT.failure);
      expect(error.message).toMatch(/No local feature store is running.*skewless dev/);
    }
  });

  it('backfills the offline store alone (--no-materialize) with no store running', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const data = path.join(dir, 'offline-only');
    const file = path.join(dir, 'h2.jsonl');
    await writeFile(file, '{"origin":"SFO","event_time":"2001-01-01T00:00:00Z","last_delay":3}\n');
    await cli(
      'backfill',
      '--view',
      'airport_departures',
      '--file',
      file,
      '--data',
      data,
      '--no-materialize',
      '--json',
    );
    const printed = JSON.parse(String(vi.mocked(console.log).mock.calls.at(-1)![0])) as object;
    expect(printed).toMatchObject({ read: 1, valid: 1, added: 1, bad: [] });
    expect(await readdir(path.join(data, 'offline', 'airport_departures_v1'))).toEqual([
      'event_date=2001-01-01',
    ]);
  });

  it('names an unknown view with the known ones, and a missing file, as bad input', async () => {
    const view = await failure(cli('materialize', '--view', 'nope', '--data', dir));
    expect(view.exitCode).toBe(EXIT.usage);
    expect(view.message).toMatch(/unknown feature view 'nope' \(known: .*airport_departures/);
    const file = await failure(
      cli('backfill', '--view', 'airport_departures', '--file', path.join(dir, 'absent.csv')),
    );
    expect(file.exitCode).toBe(EXIT.usage);
    expect(file.message).toMatch(/absent\.csv: file not found/);
  });

  it('dev refuses a second store on the same data folder and a bad port', async () => {
    const busy = path.join(dir, 'busy-data');
    await mkdir(busy, { recursive: true });
    await writeLocalEndpoints(busy, { dynamodb: 'x', kinesis: 'y', prefix: 'p', pid: process.pid });
    const second = await failure(cli('dev', '--data', busy));
    expect(second.exitCode).toBe(EXIT.usage);
    expect(second.message).toMatch(/already runs on .*stop it first or pass another --data/);
    const port = await failure(cli('dev', '--data', busy, '--port', 'http'));
    expect(port.message).toMatch(/--port must be a positive integer/);
  });

  it('materialize --aws runs in the named workgroup and database, and needs them', async () => {
    const athena = mockClient(AthenaClient);
    const s3 = mockClient(S3Client);
    try {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      athena
        .on(GetQueryExecutionCommand)
        .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
      s3.on(ListObjectsV2Command).resolves({ Contents: [] });
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
      await cli(
        'materialize',
        '--view',
        'airport_departures',
        '--aws',
        '--region',
        'us-east-1',
        '--bucket',
        'b',
        '--workgroup',
        'w',
        '--database',
        'd',
        '--json',
      );
      const printed = JSON.parse(String(vi.mocked(console.log).mock.calls.at(-1)![0])) as object;
      expect(printed).toEqual({
        view: 'airport_departures',
        entities: 0,
        written: 0,
        kept: 0,
        failed: 0,
      });
      const started = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
      expect(started).toMatchObject({ WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } });
      expect(started.QueryString).toContain("TO 's3://b/exports/materialize_");

      vi.stubEnv('SKEWLESS_BUCKET', '');
      const missing = await failure(
        cli('materialize', '--view', 'airport_departures', '--aws', '--workgroup', 'w'),
      );
      expect(missing.exitCode).toBe(EXIT.usage);
      expect(missing.message).toMatch(/--aws needs --bucket, --workgroup and --database/);
    } finally {
      vi.unstubAllEnvs();
      athena.restore();
      s3.restore();
    }
  });

  it('backfill --aws reads every file under an s3:// prefix and names a bad row by its object', async () => {
    const athena = mockClient(AthenaClient);
    const s3 = mockClient(S3Client);
    const T = '2001-01-01T10:00:00Z';
    const objects: Record<string, string> = {
      'history/2001/a.jsonl': `{"origin":"SFO","event_time":"${T}","last_delay":4}\n`,
      'history/2001/b.csv': `origin,event_time,last_delay\nLAX,${T},2\nJFK,${T},late\n`,
    };
    try {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
      athena
        .on(GetQueryExecutionCommand)
        .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
      s3.on(ListObjectsV2Command).resolves({
        Contents: Object.keys(objects).map((Key) => ({ Key })),
      });
      for (const [Key, text] of Object.entries(objects))
        s3.on(GetObjectCommand, { Key }).resolves({
          Body: { transformToByteArray: async () => Buffer.from(text) } as never,
        });
      s3.on(PutObjectCommand).resolves({});
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const aws = ['--aws', '--region', 'us-east-1', '--bucket', 'b', '--workgroup', 'w'];
      const refused = await failure(
        cli(
          'backfill',
          '--view',
          'airport_departures',
          '--file',
          's3://hist/history/2001/',
          ...aws,
          '--database',
          'd',
          '--no-materialize',
          '--json',
        ),
      );
      expect(refused.exitCode).toBe(EXIT.refused);
      const printed = JSON.parse(String(vi.mocked(console.log).mock.calls.at(-1)![0])) as object;
      expect(printed).toMatchObject({
        read: 3,
        valid: 2,
        bad: [{ file: 's3://hist/history/2001/b.csv', line: 3 }],
      });
      expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({
        Bucket: 'hist',
        Prefix: 'history/2001/',
      });
      const queries = athena
        .commandCalls(StartQueryExecutionCommand)
        .map((c) => c.args[0].input.QueryString ?? '');
      expect(queries.map((q) => q.split(' ')[0])).toEqual(['CREATE', 'MERGE', 'DROP']);

      const local = await failure(
        cli('backfill', '--view', 'airport_departures', '--file', 's3://hist/x/'),
      );
      expect(local.message).toBe('an s3:// --file needs --aws');
    } finally {
      athena.restore();
      s3.restore();
    }
  });
});
