/**
 * A spine as the Athena runner describes it, for rendering a service's UNLOAD in tests: the
 * service's join keys, the time (and per-row as-of) column and `_sk_row`, with a span.
 */
import { duckdbType } from '../../lib/core/columns.ts';
import type { SpineColumn } from '../../lib/export/spine.ts';
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';
import { getService } from '../../lib/registry/query.ts';
import { SPINE_ROW_COLUMN, type AsOf } from '../../lib/sql/plan.ts';
import type { SpineSpan } from '../../lib/sql/span.ts';

export function spineColumnsOf(
  runtime: RuntimeRegistry,
  service: string,
  timeColumn: string,
  asOf: AsOf,
): SpineColumn[] {
  const keys = getService(runtime.registry, service).joinKeys;
  return [
    ...keys.map((k) => ({ name: k.name, type: duckdbType(k.dtype) })),
    { name: timeColumn, type: 'TIMESTAMP' },
    ...(asOf.kind === 'column' && asOf.column !== timeColumn
      ? [{ name: asOf.column, type: 'TIMESTAMP' }]
      : []),
    { name: SPINE_ROW_COLUMN, type: 'BIGINT' },
  ];
}

/** The day before `at`: a nightly skew check's spine, or a day of training rows. */
export function dayBefore(at: number): SpineSpan {
  return { earliest: at - 86_400_000, latest: at };
}
