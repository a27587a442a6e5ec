/**
 * Rewrites the benchmark table in README.md from `bench/results/*.json`, between the
 * `<!-- bench:start -->` and `<!-- bench:end -->` markers: `npx tsx bench/readme-table.ts`.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = path.join(here, '..', 'README.md');

/** The figures shown per bench, with the goal each is held to. */
const ROWS: Record<string, [field: string, label: string, goal: string][]> = {
  backfill: [
    ['records', 'history rows backfilled (flights JSON lines, local)', ''],
    ['backfill_rows_per_s', 'rows per second: read, validated, stored as Parquet', ''],
    ['materialize_ms', 'materialize: newest of 100k rows per airport into dynalite, ms', ''],
    ['rerun_rows_added', 'rows a rerun adds', '0'],
    ['rerun_items_written', 'online items a rerun writes', '0'],
  ],
  catalog: [
    ['views', 'generated catalog: views', ''],
    ['features', 'generated catalog: features', ''],
    ['index_kb', 'search page with its embedded index, KB', ''],
    ['load_ms', 'search page load in Chromium (median of 3), ms', '< 1,000'],
    ['search_ms', 'slowest search, input to results laid out, ms', '< 1,000'],
  ],
  forget: [
    ['offline_rows', 'offline rows in the store (one view, 100k airports)', '1M'],
    ['logged_vectors', 'logged vectors in the day', '1M'],
    ['one_ms', 'forget 1 airport everywhere (local store), ms', ''],
    ['thousand_ms', 'forget 1,000 airports in one request, ms', ''],
    ['rows_rewritten', 'rows in the files the 1,000-airport forget rewrote', ''],
  ],
  ingest: [
    ['records', 'records ingested (flights, real handler, dynalite + local Firehose)', ''],
    ['records_per_s', 'records per second, end to end (kinesalite reads included)', '≥ 10× naive'],
    ['handler_records_per_s', 'records per second inside the ingest handler', '≥ 10× naive'],
    ['naive_records_per_s', 'naive per-record PutItem loop, records per second', ''],
    ['dynamodb_writes_per_record', 'DynamoDB writes per record', '≤ 1'],
    ['firehose_records_per_call', 'records per Firehose call', '≥ 100'],
  ],
  materialize: [
    ['events', 'raw departures in the offline store (flights)', ''],
    ['entities', 'entities rebuilt (airport_delays + route_delays, keys split in 3)', '≥ 10k'],
    ['seconds', 'seconds: read (DuckDB), fold, compare and write (dynalite)', ''],
    ['items_written', 'tile items written', ''],
    ['rerun_items_written', 'tile items a rerun writes', '0'],
  ],
  pit: [
    ['history_rows', 'feature history rows (flights, 5% nulls, 2% duplicates)', ''],
    ['rows', 'spine rows', '≥ 1M'],
    ['ours_ms', 'point-in-time export, ms', '≤ DuckDB ASOF'],
    ['duckdb_asof_ms', 'hand-written DuckDB ASOF JOIN, same output as ours, ms', ''],
    ['duckdb_asof_lean_ms', 'the same ASOF writing values only (no statuses, no order), ms', ''],
    ['cpu_ours_vs_asof_lean', 'our CPU time / the lean ASOF CPU time (best of 3)', ''],
    ['range_join_ms', 'range-join plan (1 h ttl), ms', '≥ 100× ours'],
    ['mismatches_vs_asof', 'rows differing from ASOF', '0'],
  ],
  lookup: [
    ['store_calls_per_request', 'store calls per lookup', '1'],
    ['handler_p99_ms', 'handler p99 (3 views × 20 features), ms', '≤ 0.3'],
    ['e2e_p99_ms', 'end to end p99 through the local HTTP API, ms', '≤ 2× bare'],
    ['bare_batchget_p99_ms', 'bare BatchGetItem p99, ms', ''],
    [
      'inprocess_p99_ms',
      'in-process lookup (skewless/lookup) p99, same dynalite, ms',
      '≤ 1.2× bare',
    ],
    [
      'flights_inprocess_p99_ms',
      'flights service in process p99 (4 views, 2 aggregations), ms',
      '≤ 1.2× bare',
    ],
    ['flights_bare_batchget_p99_ms', 'flights service bare BatchGetItem p99, ms', ''],
    ['flights_e2e_p99_ms', 'flights service through the local HTTP API p99, ms', ''],
    [
      'cold_import_plus_first_ms',
      'Lambda bundle cold: module init + first request, ms (median)',
      '',
    ],
    ['bundle_kb', 'lookup Lambda bundle, KB', '≤ 400'],
  ],
  windows: [
    ['history_rows', 'raw departures folded (flights)', ''],
    ['spine_rows', 'spine rows', '≥ 1M'],
    ['ours_ms', 'window export (both views, 8 aggregates), ms', ''],
    ['range_join_ms', 'range join of the same rule, ms (extrapolated)', '≥ 10× ours'],
    ['range_join_vs_ours', 'range join / ours', '≥ 10'],
    ['mismatches_vs_range_join', 'rows differing from the range join', '0'],
    ['ingest_aggregated_vs_plain', 'ingest with aggregations / plain views', '≥ 0.5'],
  ],
  replay: [
    ['vectors', 'logged vectors replayed under a changed window (late_7d 7d → 14d)', '≥ 1M'],
    ['seconds', 'seconds, day replayed whole (plan --replay)', '≤ nightly check'],
    ['nightly_seconds', 'the nightly check of the same day, same run, seconds', ''],
    ['peak_rss_mb', 'peak memory of the replay, MB', ''],
    [
      'transform_check_seconds',
      'seconds, unchanged candidate (transforms on the served inputs)',
      '',
    ],
  ],
  skew: [
    ['vectors', 'logged vectors checked', '≥ 1M'],
    ['seconds', 'seconds, day checked whole (causes, late and served-record rebuilds)', '≤ 15'],
    ['vectors_per_s', 'vectors per second', ''],
    ['log_bytes_per_vector', 'log bytes per vector (Parquet, ZSTD)', '≤ 120'],
    ['logged_20m', 'a day of 20× the traffic: logged vectors', ''],
    ['vectors_checked_20m', 'vectors checked there (default sample)', ''],
    ['seconds_20m', 'seconds for that day, DuckDB set as the Lambda sets it', '≤ 2× whole day'],
    ['peak_rss_mb_20m', 'peak memory of that check, MB', '≤ 1,536'],
  ],
};

const files = (await readdir(path.join(here, 'results'))).filter((f) => f.endsWith('.json')).sort();
const lines = ['| bench | figure | value | goal |', '| --- | --- | --- | --- |'];
for (const file of files) {
  const name = file.slice(0, -5);
  const result = JSON.parse(await readFile(path.join(here, 'results', file), 'utf8')) as Record<
    string,
    unknown
  >;
  for (const [field, label, goal] of ROWS[name] ?? []) {
    const value = result[field];
    if (value === undefined) continue;
    lines.push(
      `| ${name} | ${label} | ${typeof value === 'number' ? value.toLocaleString('en-US') : String(value)} | ${goal} |`,
    );
  }
}
const text = await readFile(readme, 'utf8');
const table = `<!-- bench:start -->\n${lines.join('\n')}\n<!-- bench:end -->`;
const updated = text.replace(/<!-- bench:start -->[\s\S]*?<!-- bench:end -->|BENCH_TABLE/, table);
await writeFile(readme, updated);
console.log(table);
