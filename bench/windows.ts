/**
 * `npm run bench -- windows [spineRows] [ingestRecords]`: windowed aggregations on the flights
 * data (the `airport_delays` and `route_delays` views over the raw `flights` stream).
 *
 * Export: the raw departures (flights-3m.parquet, ingestion lags of seconds to minutes, 1% late
 * by weeks, past the as-of) as each view's offline Parquet; a spine of ≥ 1M (route, t) rows.
 * - `ours_ms`: `exportPointInTimeLocal` end to end (the generated window SQL, the shape Athena
 *   runs, rendered for DuckDB);
 * - `range_join_ms`: the same values by a range join `e.t in (s, t]` per spine row over the raw
 *   events, the same tile rule (a sample of the spine, extrapolated, when the whole would pass
 *   5 minutes); `mismatches_vs_range_join` on the rows both computed.
 * Ingest: the same flights through the real ingest core on dynalite, in batches of 1,000, into
 * the two aggregation views, then (same run) into two plain views keyed the same way.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as flights from '../feature_defs/flights.ts';
import { defineFeatureService, defineFeatureView, field } from '../lib/define/index.ts';
import { sourceStreamName } from '../lib/core/naming.ts';
import { compileRegistry } from '../lib/registry/compile.ts';
import { collectDefinitions } from '../lib/registry/load.ts';
import { getViewOfKind } from '../lib/registry/query.ts';
import { exportPointInTimeLocal } from '../lib/export/point-in-time.ts';
import { processKinesisBatch } from '../lib/ingest/batch.ts';
import { dynamoOnlineWriter } from '../lib/ingest/online-aws.ts';
import { flightsParquetPath } from '../examples/flights/data.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { count, timed } from './pit.ts';
import { quoteIdentifier as q, stringLiteral, timestampLiteral } from '../lib/sql/literals.ts';

const AS_OF = Date.parse('2001-06-20T00:00:00.000Z');
const FIVE_MIN = 300_000;

const service = defineFeatureService({
  name: 'windows_bench',
  description: 'The aggregation views alone.',
  features: [flights.airportDelays, flights.routeDelays],
});
const airportPlain = defineFeatureView({
  name: 'airport_plain',
  entities: [flights.airport],
  ttl: '1d',
  owner: 'bench',
  features: { delay: field.int64(), distance: field.int64() },
});
const routePlain = defineFeatureView({
  name: 'route_plain',
  entities: [flights.route],
  ttl: '1d',
  owner: 'bench',
  features: { delay: field.int64(), distance: field.int64() },
});
const runtime = compileRegistry([
  ...collectDefinitions(flights),
  service,
  airportPlain,
  routePlain,
]);

/** The tile rule as a range join: per spine row, every event of its keys in `(s, t]`. */
function rangeJoinSql(rows: number, hist: (view: string) => string): string {
  const parts = ['airport_delays', 'route_delays'].map((name, i) => {
    const view = getViewOfKind(runtime.registry, name, 'aggregation');
    const keys = view.joinKeys.map((k) => k.name);
    const t = 'epoch_ms(s.event_time)';
    const start = (w: number, g: number) => `((${t} - ${w} + ${g} - 1) // ${g}) * ${g}`;
    const cols = view.features.map((f) => {
      const a = f.aggregate;
      const inside = `epoch_ms(e.event_time) > ${start(a.windowMs, a.tileMs)}${a.where ? ` AND e.${q(a.where.column)} ${a.where.op} ${Number(a.where.value)}` : ''}`;
      const col = a.column === null ? '1' : `e.${q(a.column)}`;
      const expr = {
        count: `count(CASE WHEN ${inside} THEN 1 END)`,
        sum: `coalesce(sum(CASE WHEN ${inside} THEN ${col} END), 0)`,
        mean: `avg(CASE WHEN ${inside} THEN ${col} END)`,
        min: `min(CASE WHEN ${inside} THEN ${col} END)`,
        max: `max(CASE WHEN ${inside} THEN ${col} END)`,
        last: `arg_max(CASE WHEN ${inside} THEN ${col} END, CASE WHEN ${inside} THEN e.event_time END)`,
      }[a.fn];
      return `${expr} AS ${q(`${name}__${f.name}`)}`;
    });
    const longest = Math.max(
      ...view.features.map((f) => f.aggregate.windowMs + f.aggregate.tileMs),
    );
    return `v${i} AS (
      SELECT s._sk_row, ${cols.join(', ')}
      FROM (SELECT * FROM spine_n WHERE _sk_row < ${rows}) s
      LEFT JOIN (
        SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY ingested_at) AS c FROM ${hist(name)}
                       WHERE ingested_at <= ${timestampLiteral(AS_OF)}) WHERE c = 1
      ) e ON ${keys.map((k) => `e.${k} = s.${k}`).join(' AND ')}
        AND e.event_time <= s.event_time AND e.event_time > s.event_time - INTERVAL ${longest / 1000} SECOND
      GROUP BY s._sk_row, s.event_time)`;
  });
  return `CREATE OR REPLACE TABLE range_ref AS WITH ${parts.join(', ')}
    SELECT * FROM v0 JOIN v1 USING (_sk_row)`;
}

async function exportPart(duckdb: DuckDBConnection, dataDir: string, spineRows: number) {
  await duckdb.run(
    `CREATE TABLE flights AS SELECT * FROM read_parquet(${stringLiteral(flightsParquetPath())})`,
  );
  await duckdb.run(`
    CREATE TABLE history AS
    SELECT origin, destination, CAST(delay AS BIGINT) AS delay, CAST(distance AS BIGINT) AS distance,
           date AS event_time,
           date + to_seconds(CAST(hash(origin, date, delay) % 600 AS BIGINT))
             + CASE WHEN hash(date, origin) % 100 = 0 THEN INTERVAL 30 DAY ELSE INTERVAL 0 DAY END AS ingested_at,
           'shardId-000000000000:' || lpad(CAST(row_number() OVER (ORDER BY date, origin, destination) AS VARCHAR), 40, '0') AS record_id
    FROM flights`);
  const historyRows = await count(duckdb, 'SELECT count(*) FROM history');
  const hist = (view: string) =>
    `read_parquet(${stringLiteral(path.join(dataDir, 'offline', `${view}_v1`, '**', '*.parquet'))}, hive_partitioning = true)`;
  for (const [view, cols] of [
    ['airport_delays', 'origin, delay, distance'],
    ['route_delays', 'origin, destination, delay, distance'],
  ] as const) {
    const dir = path.join(dataDir, 'offline', `${view}_v1`);
    await mkdir(path.dirname(dir), { recursive: true });
    await duckdb.run(
      `COPY (SELECT ${cols}, event_time, ingested_at, record_id, strftime(event_time, '%Y-%m') AS event_date FROM history) TO ${stringLiteral(dir)} (FORMAT PARQUET, PARTITION_BY (event_date), FILENAME_PATTERN 'part-{uuid}')`,
    );
  }
  // Spine: routes at a time after a departure, a fifth of them on a 5 min tile edge.
  await duckdb.run(`
    CREATE TABLE spine AS
    SELECT origin, destination,
           CASE WHEN hash(date, origin) % 5 = 0
                THEN make_timestamp(((epoch_ms(date) // ${FIVE_MIN}) * ${FIVE_MIN}) * 1000)
                ELSE date + to_minutes(CAST(hash(date, origin, destination, delay, 7) % 180 AS BIGINT)) END AS event_time
    FROM flights USING SAMPLE ${spineRows} ROWS (reservoir, 42)`);
  const rows = await count(duckdb, 'SELECT count(*) FROM spine');
  await duckdb.run(`CREATE TABLE spine_n AS SELECT *, rowid AS _sk_row FROM spine`);

  const ours_ms = await timed('ours (window SQL, end to end)', () =>
    exportPointInTimeLocal(
      { duckdb, dataDir, runtime },
      {
        service: service.name,
        spineTable: 'spine',
        timeColumn: 'event_time',
        asOf: { kind: 'instant', at: AS_OF },
        into: 'ours',
        dialect: 'duckdb',
      },
    ),
  );
  const probeRows = Math.min(2_000, Math.ceil(rows * 0.01));
  const probe_ms = await timed(`range join on ${probeRows} rows`, () =>
    duckdb.run(rangeJoinSql(probeRows, hist)),
  );
  let measuredRows = probeRows;
  let measured = probe_ms;
  if ((probe_ms * rows) / probeRows <= 300_000) {
    measuredRows = rows;
    measured = await timed('range join on every row', () => duckdb.run(rangeJoinSql(rows, hist)));
  }
  const outputs = service.features.flatMap((f) =>
    f.kind === 'feature_view' ? Object.keys(f.features).map((n) => `${f.name}__${n}`) : [],
  );
  const mismatches = await count(
    duckdb,
    `SELECT count(*) FROM range_ref r JOIN ours o USING (_sk_row) WHERE ${outputs
      .map((o) => {
        const a = `o.${q(o)}`;
        const b = `coalesce(r.${q(o)}, ${/mean_1h|mean_24h/.test(o) ? 0 : 'NULL'})`;
        return `(${a} IS DISTINCT FROM ${b} AND NOT coalesce(abs(${a} - ${b}) <= 1e-9 * greatest(1, abs(${b})), FALSE))`;
      })
      .join(' OR ')}`,
  );
  const range_join_ms = Math.round((measured * rows) / measuredRows);
  return {
    history_rows: historyRows,
    spine_rows: rows,
    as_of: new Date(AS_OF).toISOString(),
    ours_ms,
    range_join_ms,
    range_join_rows: measuredRows,
    range_join_extrapolated: measuredRows < rows,
    mismatches_vs_range_join: mismatches,
    range_join_vs_ours: Number((range_join_ms / ours_ms).toFixed(1)),
  };
}

async function ingestPart(duckdb: DuckDBConnection, dataDir: string, records: number) {
  const reader = await duckdb.runAndReadAll(
    `SELECT origin, destination, epoch_ms(date)::DOUBLE AS t, delay::INTEGER AS delay, distance::INTEGER AS distance
     FROM flights ORDER BY date, origin, destination LIMIT ${records}`,
  );
  const flightsRows = reader.getRowObjectsJS() as {
    origin: string;
    destination: string;
    t: number;
    delay: number;
    distance: number;
  }[];
  const stack = await startLocalStack({
    registry: runtime.registry,
    dataDir: path.join(dataDir, 'stack'),
    prefix: 'bench',
  });
  const names = stack.names;
  const online = dynamoOnlineWriter(stack.dynamodb, stack.onlineTable);
  const offline = {
    putRecordBatch: async (input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map(() => ({ RecordId: 'x' })),
    }),
  };
  const deadLetter = { send: async () => {} };
  let seq = 0;
  const record = (stream: string, payload: object): KinesisStreamRecord => {
    const sequenceNumber = String(++seq);
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'k',
        sequenceNumber,
        data: Buffer.from(JSON.stringify(payload)).toString('base64'),
        approximateArrivalTimestamp: 0,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${sourceStreamName(names, stream)}`,
    };
  };
  const runOne = async (toRecords: (f: (typeof flightsRows)[number]) => KinesisStreamRecord[]) => {
    const t0 = performance.now();
    for (let i = 0; i < flightsRows.length; i += 1000) {
      const batch = flightsRows.slice(i, i + 1000);
      const clock = batch[batch.length - 1]!.t + 60_000;
      const result = await processKinesisBatch(
        { Records: batch.flatMap(toRecords) },
        { registry: runtime.registry, names, online, offline, deadLetter, clock: () => clock },
      );
      if (result.response.batchItemFailures.length > 0 || result.deadLetters.length > 0)
        throw new Error(
          `ingest failed: ${JSON.stringify(result.deadLetters[0] ?? result.response)}`,
        );
    }
    return flightsRows.length / ((performance.now() - t0) / 1000);
  };
  try {
    const iso = (t: number) => new Date(t).toISOString();
    const aggregated = await runOne((f) => [
      record('flights', {
        origin: f.origin,
        destination: f.destination,
        event_time: iso(f.t),
        delay: f.delay,
        distance: f.distance,
      }),
    ]);
    const plain = await runOne((f) => [
      record('airport_plain', {
        origin: f.origin,
        event_time: iso(f.t),
        delay: f.delay,
        distance: f.distance,
      }),
      record('route_plain', {
        origin: f.origin,
        destination: f.destination,
        event_time: iso(f.t),
        delay: f.delay,
        distance: f.distance,
      }),
    ]);
    return {
      ingest_records: flightsRows.length,
      ingest_batch_records: 1000,
      ingest_records_per_s: Math.round(aggregated),
      ingest_records_per_s_plain: Math.round(plain),
      ingest_aggregated_vs_plain: Number((aggregated / plain).toFixed(2)),
    };
  } finally {
    await stack.stop();
  }
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const spineRows = Number(args[0] ?? 1_000_000);
  const ingestRecords = Number(args[1] ?? 30_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-bench-windows-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const duckdb = await instance.connect();
  await duckdb.run(`SET TimeZone = 'UTC'`);
  try {
    const load_average_1m_at_start = Number(os.loadavg()[0]?.toFixed(2));
    const exported = await exportPart(duckdb, dataDir, spineRows);
    const ingested = await ingestPart(duckdb, dataDir, ingestRecords);
    return {
      ...exported,
      ...ingested,
      threads: 2,
      load_average_1m_at_start,
      load_average_1m_at_end: Number(os.loadavg()[0]?.toFixed(2)),
    };
  } finally {
    duckdb.closeSync();
    instance.closeSync();
    await rm(dataDir, { recursive: true, force: true });
  }
}
