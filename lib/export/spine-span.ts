/**
 * The span of a spine in DuckDB, before its query is rendered: the bounds the point-in-time SQL
 * scans the offline tables by (`lib/sql/span.ts`). The export runner has the spine in DuckDB
 * anyway (it uploads it), so Athena gets literal bounds it can prune partitions with.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q } from '../sql/literals.ts';
import type { SpineSpan } from '../sql/span.ts';

/** Earliest `t` floored and latest `t` ceiled to the ms; undefined for a spine with no `t`. */
export async function spineSpan(
  duckdb: DuckDBConnection,
  spine: string,
  timeColumn: string,
): Promise<SpineSpan | undefined> {
  // The renderer's own reading of `t` (CAST to TIMESTAMP), so the bounds bracket every row's.
  const t = `CAST(s.${q(timeColumn)} AS TIMESTAMP)`;
  const reader = await duckdb.runAndReadAll(
    `SELECT epoch_ms(min(${t})) AS earliest, CAST(ceil(epoch_us(max(${t})) / 1000) AS BIGINT) AS latest FROM ${spine} AS s`,
  );
  const row = reader.getRowObjectsJS()[0];
  const earliest = row?.['earliest'];
  const latest = row?.['latest'];
  if (earliest === null || earliest === undefined || latest === null || latest === undefined)
    return undefined;
  return { earliest: Number(earliest), latest: Number(latest) };
}
