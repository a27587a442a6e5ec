/** `skewless export` locally: a spine CSV in, a Parquet training set + manifest + baseline out. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { buildProgram } from '../../lib/cli/program.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { SpineError } from '../../lib/export/errors.ts';
import type { ExportManifest } from '../../lib/export/manifest.ts';
import type { TrainingBaseline } from '../../lib/export/baseline.ts';
import { writeOfflineRecords } from './offline-fixture.ts';

const runtime = registryFromModule(flights);
const T0 = Date.parse('2001-01-01T10:00:00.000Z');
const H = 3_600_000;
const defs = path.resolve('feature_defs');

async function cli(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
  try {
    await buildProgram().parseAsync(['node', 'skewless', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

describe('skewless export (local)', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-cli-export-'));
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
    await duckdb.run(`SET TimeZone = 'UTC'`);
    const data = path.join(dir, 'data');
    await writeOfflineRecords(duckdb, data, getView(runtime.registry, 'airport_departures'), [
      {
        keys: { origin: 'SFO' },
        values: { last_delay: 30, last_destination: 'LAX', last_departed_late: true },
        eventTime: T0,
        ingestedAt: T0,
        recordId: 's:1',
      },
      // Ingested after the as-of below: invisible to the export.
      {
        keys: { origin: 'SFO' },
        values: { last_delay: 99, last_destination: 'JFK', last_departed_late: true },
        eventTime: T0 + 1000,
        ingestedAt: T0 + 10 * H,
        recordId: 's:2',
      },
    ]);
    // Two raw departures at one instant: the airport's 1 h mean delay is 12.5 after them.
    await writeOfflineRecords(
      duckdb,
      data,
      getView(runtime.registry, 'airport_delays'),
      [12, 13].map((delay, i) => ({
        keys: { origin: 'SFO' },
        values: { delay, distance: 337 },
        eventTime: T0 - H / 4,
        ingestedAt: T0 - H / 4,
        recordId: `s:${3 + i}`,
      })),
    );
    await writeFile(
      path.join(dir, 'spine.csv'),
      [
        'origin,destination,event_time,scheduled_hour,label',
        'SFO,LAX,2001-01-01T10:30:00Z,19,1',
        'JFK,BOS,2001-01-01T10:30:00Z,8,0',
        'SFO,LAX,2001-01-01T09:00:00Z,9,0',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    duckdb.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the rows in spine order with defaults and transforms, a manifest and a baseline', async () => {
    const out = path.join(dir, 'train.parquet');
    const printed = await cli(
      'export',
      '--defs',
      defs,
      '--data',
      path.join(dir, 'data'),
      '--spine',
      path.join(dir, 'spine.csv'),
      '--service',
      'departure_delay_model',
      '--out',
      out,
      '--as-of',
      '2001-01-01T12:00:00Z',
    );
    expect(printed).toMatch(/exported 3 rows × 16 features/);
    const rows = (
      await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${out}')`)
    ).getRowObjectsJS();
    expect(rows.map((r) => [r['_sk_row'], r['origin'], r['label']])).toEqual([
      [0n, 'SFO', 1n],
      [1n, 'JFK', 0n],
      [2n, 'SFO', 0n],
    ]);
    expect(rows[0]).toMatchObject({
      airport_departures__last_delay: 30n,
      airport_delays__dep_delay_mean_1h: 12.5,
      airport_delays__flights_24h: 2n,
      evening_departure: true,
      delay_above_hourly_mean: 17.5,
    });
    // JFK: nothing stored, every default; 09:00 is before any SFO record.
    expect(rows[1]).toMatchObject({
      airport_departures__last_delay: 0n,
      evening_departure: false,
      delay_above_hourly_mean: 0,
    });
    expect(rows[2]).toMatchObject({
      airport_departures__last_delay: 0n,
      airport_departures__last_destination: null,
    });
    expect(Object.keys(rows[0]!).some((k) => k.endsWith('__status'))).toBe(false);

    const manifest = JSON.parse(await readFile(`${out}.manifest.json`, 'utf8')) as ExportManifest;
    expect(manifest).toMatchObject({
      service: 'departure_delay_model',
      asOf: '2001-01-01T12:00:00.000Z',
      engine: 'duckdb',
      registryHash: runtime.registry.hash,
      rows: 3,
      queryId: null,
      spine: { rows: 3, timeColumn: 'event_time' },
    });
    expect(manifest.spine.sha256).toMatch(/^[0-9a-f]{64}$/);
    const baseline = JSON.parse(await readFile(`${out}.baseline.json`, 'utf8')) as TrainingBaseline;
    expect(baseline.outputs['airport_departures__last_delay']).toMatchObject({
      kind: 'numeric',
      count: 3,
      nullCount: 0,
    });
    expect(baseline.outputs['airport_departures__last_destination']).toMatchObject({
      kind: 'categorical',
      count: 3,
      nullCount: 2,
      values: [{ value: 'LAX', count: 1 }],
      otherCount: 0,
    });
  });

  it('gives the same bytes again for the same spine and as-of', async () => {
    const a = path.join(dir, 'a.parquet');
    const b = path.join(dir, 'b.parquet');
    for (const out of [a, b])
      await cli(
        'export',
        '--defs',
        defs,
        '--data',
        path.join(dir, 'data'),
        '--spine',
        path.join(dir, 'spine.csv'),
        '--service',
        'departure_delay_model',
        '--out',
        out,
        '--as-of',
        '2001-01-01T12:00:00Z',
        '--dialect',
        out === a ? 'duckdb' : 'duckdb-asof',
      );
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
  });

  it('refuses --aws without a bucket, workgroup and database, and an s3 --out without --aws', async () => {
    const base = [
      'export',
      '--defs',
      defs,
      '--spine',
      path.join(dir, 'spine.csv'),
      '--service',
      'departure_delay_model',
    ];
    const saved = { ...process.env };
    for (const name of ['SKEWLESS_BUCKET', 'SKEWLESS_ATHENA_WORKGROUP', 'SKEWLESS_GLUE_DATABASE'])
      delete process.env[name];
    try {
      await expect(cli(...base, '--out', path.join(dir, 'y.parquet'), '--aws')).rejects.toThrow(
        /--aws needs --bucket, --workgroup and --database/,
      );
      await expect(cli(...base, '--out', 's3://b/k.parquet')).rejects.toThrow(
        /an s3:\/\/ --out needs --aws/,
      );
      await expect(
        cli(...base, '--out', path.join(dir, 'y.parquet'), '--as-of', '2001-01-01'),
      ).rejects.toThrow(/--as-of: '2001-01-01' is not ISO-8601 UTC/);
    } finally {
      process.env = saved;
    }
  });

  it('names every problem of a spine that lacks a key and has no time column', async () => {
    await writeFile(path.join(dir, 'bad.csv'), 'origin,when,label\nSFO,2001-01-01T10:00:00Z,1\n');
    const error = await cli(
      'export',
      '--defs',
      defs,
      '--data',
      path.join(dir, 'data'),
      '--spine',
      path.join(dir, 'bad.csv'),
      '--service',
      'departure_delay_model',
      '--out',
      path.join(dir, 'x.parquet'),
      '--time-column',
      'label',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpineError);
    expect((error as SpineError).problems).toEqual([
      "missing join key column 'destination' (service 'departure_delay_model' needs origin, destination)",
      "time column 'label' must be a timestamp, the spine has BIGINT",
    ]);
  });

  describe('bad input', () => {
    const run = (spine: string, ...extra: string[]) =>
      cli(
        'export',
        '--defs',
        defs,
        '--data',
        path.join(dir, 'data'),
        '--spine',
        spine,
        '--service',
        'departure_delay_model',
        '--out',
        path.join(dir, 'bad-out.parquet'),
        ...extra,
      ).catch((e: unknown) => e);
    const problemsOf = (error: unknown) => {
      expect(error).toBeInstanceOf(SpineError);
      return (error as SpineError).problems;
    };

    it.each([
      [
        'origin,destination,event_time,AIRPORT_DEPARTURES__LAST_DELAY',
        "column 'AIRPORT_DEPARTURES__LAST_DELAY' clashes with service output 'airport_departures__last_delay' (names compare case-insensitively)",
      ],
      [
        'origin,destination,event_time,Airport_Departures__Last_Delay__Status',
        "column 'Airport_Departures__Last_Delay__Status' clashes with service output 'airport_departures__last_delay__status' (names compare case-insensitively)",
      ],
      [
        'origin,destination,event_time,_SK_ROW',
        "column '_SK_ROW' clashes with the reserved '_sk_row'",
      ],
      ['origin,destination,event_time,_Sk_x', "column '_Sk_x' uses the reserved prefix '_sk'"],
      [
        'origin,destination,event_time,ORIGIN',
        "columns 'origin' and 'ORIGIN' differ only in case (SQL engines read them as one name): rename one",
      ],
      [
        'Origin,destination,event_time',
        "column 'Origin' differs only in case from join key 'origin': name it 'origin'",
      ],
    ])('refuses the spine header %s naming the clash', async (header, problem) => {
      const file = path.join(dir, 'clash.csv');
      await writeFile(
        file,
        `${header}\nSFO,LAX,2001-01-01T10:30:00Z${header.split(',').length > 3 ? ',1' : ''}\n`,
      );
      expect(problemsOf(await run(file))).toContain(problem);
    });

    it('reads --spine as one literal path, never as a glob', async () => {
      const globDir = path.join(dir, 'glob');
      await mkdir(globDir, { recursive: true });
      await writeFile(
        path.join(globDir, 'a.csv'),
        'origin,destination,event_time\nSFO,LAX,2001-01-01T10:30:00Z\n',
      );
      expect(problemsOf(await run(path.join(globDir, '*.csv')))).toEqual([
        'no such file (the spine is one file, read literally: glob patterns are not expanded)',
      ]);
      // A file whose name holds glob characters is read as that file only.
      await writeFile(
        path.join(globDir, '[x]*.csv'),
        'origin,destination,event_time,label\nJFK,BOS,2001-01-01T10:30:00Z,7\n',
      );
      await run(path.join(globDir, '[x]*.csv'));
      const rows = (
        await duckdb.runAndReadAll(
          `SELECT origin, label FROM read_parquet('${path.join(dir, 'bad-out.parquet')}')`,
        )
      ).getRowObjectsJS();
      expect(rows).toEqual([{ origin: 'JFK', label: 7n }]);
    });

    it.each(['2001-02-30T00:00:00Z', '2001-01-01T24:00:00Z', '9000000000000000'])(
      'refuses --as-of %s, naming why',
      async (asOf) => {
        const error = await run(path.join(dir, 'spine.csv'), '--as-of', asOf);
        expect(String((error as Error).message)).toMatch(
          /--as-of: .*(has no day 30|is not a time of day|is not ISO-8601)/,
        );
      },
    );

    it('refuses spine times outside years 0001-9999', async () => {
      const file = path.join(dir, 'far.parquet');
      await duckdb.run(
        `COPY (SELECT 'SFO' AS origin, 'LAX' AS destination, TIMESTAMP '12000-01-01 00:00:00' AS event_time) TO '${file}' (FORMAT PARQUET)`,
      );
      expect(problemsOf(await run(file))).toEqual([
        "time column 'event_time' is outside years 0001-9999 in 1 row(s)",
      ]);
    });
  });
});
