/**
 * The nightly check's sample, one rule rendered for Athena and DuckDB alike: a day's vectors of
 * a service are grouped by entity; each entity gets a bucket, the first 8 hex digits of
 * md5(`<service>/<entity_key>`); the entities whose bucket is below the rate's threshold are
 * taken in (bucket, entity key) order while their running count of vectors stays within the
 * day's cap. So a sampled entity is checked on every lookup it had that day (a skew that hits
 * few entities stays visible), a rerun picks the same vectors, and what the check reads is never
 * more than the cap, whatever the traffic. A small day (under the cap, rate 1) is checked whole.
 */
import { DEFAULT_SKEW_SAMPLE, type SkewSample } from '../define/definitions.ts';
import { INFERENCE_LOG_COLUMNS, INFERENCE_LOG_TIME_COLUMN } from '../core/inference-log.ts';
import type { UnloadColumn } from '../export/athena-sql.ts';
import type { RegistryService } from '../registry/types.ts';
import type { SqlDialect } from '../sql/dialect.ts';
import { quoteIdentifier as q, stringLiteral, timestampLiteral } from '../sql/literals.ts';

const DAY_MS = 86_400_000;
/** Buckets are 8 hex digits: 2^32 of them. */
const BUCKETS = 2 ** 32;

/** The service's sample: what it declares, filled with the defaults. */
export function sampleOf(service: Pick<RegistryService, 'skew'>): Required<SkewSample> {
  return { ...DEFAULT_SKEW_SAMPLE, ...service.skew.sample };
}

/** The bucket below which an entity is in, as 8 lowercase hex digits; null when all are (rate 1). */
export function bucketThreshold(rate: number): string | null {
  const n = Math.floor(rate * BUCKETS);
  return n >= BUCKETS ? null : n.toString(16).padStart(8, '0');
}

/** The text an entity's bucket hashes: the service's name, a slash, the canonical entity key. */
export function bucketInput(service: string, entityKey: string): string {
  return `${service}/${entityKey}`;
}

/** `served_at` within the UTC day `date` (a predicate both engines prune partitions on). */
export function dayPredicate(date: string): string {
  const start = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(start))
    throw new RangeError(`bad day '${date}' (YYYY-MM-DD)`);
  const t = q(INFERENCE_LOG_TIME_COLUMN);
  return `${t} >= ${timestampLiteral(start)} AND ${t} < ${timestampLiteral(start + DAY_MS)}`;
}

/** Rows without these are not served vectors: counted as unreadable, never checked. */
const REQUIRED = ['request_id', 'service', 'entity_key'].map(q);

/** The columns an UNLOAD of the day's sample writes (`unloadSql` casts the timestamp). */
export const SAMPLE_COLUMNS: readonly UnloadColumn[] = INFERENCE_LOG_COLUMNS.map((c) => ({
  name: c.name,
  timestamp: c.kind === 'timestamp',
}));

/** The columns of `renderDayCounts`. */
export const DAY_COUNT_COLUMNS: readonly UnloadColumn[] = ['service', 'vectors', 'unreadable'].map(
  (name) => ({ name, timestamp: false }),
);

/** Per service, the day's logged vectors and the rows that are not served vectors. */
export function renderDayCounts(source: string, date: string): string {
  return `SELECT ${q('service')}, count(*) AS vectors,
       count_if(${REQUIRED.map((c) => `${c} IS NULL`).join(' OR ')}) AS unreadable
FROM ${source}
WHERE ${dayPredicate(date)}
GROUP BY ${q('service')}`;
}

/** The day's sampled vectors of one service, every log column. */
export function renderDaySample(
  dialect: SqlDialect,
  request: {
    readonly source: string;
    readonly date: string;
    readonly service: RegistryService;
    /** The service's vectors that day (`renderDayCounts`), when counted. */
    readonly logged?: number;
  },
): string {
  const { service } = request;
  const sample = sampleOf(service);
  const threshold = bucketThreshold(sample.rate);
  const key = q('entity_key');
  const bucket = `substr(${dialect.md5Hex(`${stringLiteral(`${service.name}/`)} || ${key}`)}, 1, 8)`;
  const ofDay = `${dayPredicate(request.date)} AND ${q('service')} = ${stringLiteral(service.name)}
    AND ${REQUIRED.map((c) => `${c} IS NOT NULL`).join(' AND ')}`;
  const columns = INFERENCE_LOG_COLUMNS.map((c) => q(c.name)).join(', ');
  // Every entity under the rate and the whole day within the cap: the sample is the day, and one
  // read picks the same rows as the entity walk below would.
  if (
    threshold === null &&
    request.logged !== undefined &&
    request.logged <= sample.maxVectorsPerDay
  )
    return `SELECT ${columns}\nFROM ${request.source}\nWHERE ${ofDay}`;
  // Two reads of the day: the entities from one narrow column, then the kept entities' rows.
  // Selecting whole rows once and grouping them would hold the day's wide rows (its JSON text)
  // while the entities are counted: at 20M vectors that spilled for minutes.
  return `WITH entities AS (
  SELECT ${key}, ${bucket} AS bucket, count(*) AS n
  FROM ${request.source}
  WHERE ${ofDay}
  GROUP BY ${key}
),
kept AS (
  SELECT ${key}, sum(n) OVER (ORDER BY bucket, ${key} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
  FROM entities${threshold === null ? '' : `\n  WHERE bucket < ${stringLiteral(threshold)}`}
)
SELECT ${columns}
FROM ${request.source}
WHERE ${ofDay}
  AND ${key} IN (SELECT ${key} FROM kept WHERE running <= ${sample.maxVectorsPerDay})`;
}
