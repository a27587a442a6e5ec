/**
 * Reads a training baseline artifact (written by the export next to each training set, see
 * `lib/export/baseline.ts`) with clear errors, into what the skew check needs.
 */
// zod/mini: the skew-check Lambda bundles this (the classic namespace is ~440 KB).
import * as z from 'zod/mini';
import { ValidationError } from '../core/errors.ts';
import { BASELINE_FORMAT_VERSION, type BaselineOutput } from '../export/baseline.ts';
import { DTYPES } from '../define/dtypes.ts';
import type { SkewBaseline } from './distribution.ts';

const count = z.int().check(z.nonnegative());
const outputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('numeric'),
    dtype: z.enum(DTYPES),
    count,
    nullCount: count,
    edges: z.array(z.number()),
    counts: z.array(count),
  }),
  z.object({
    kind: z.literal('categorical'),
    dtype: z.enum(DTYPES),
    count,
    nullCount: count,
    values: z.array(z.object({ value: z.string(), count })),
    otherCount: count,
  }),
]);
const baselineSchema = z.object({
  formatVersion: z.literal(BASELINE_FORMAT_VERSION),
  service: z.string(),
  registryHash: z.string(),
  rows: count,
  outputs: z.record(z.string(), outputSchema),
});

/** Parses a baseline document; `source` (its path or URI) is kept for the report. */
export function parseBaseline(
  doc: unknown,
  source: string,
): { service: string; registryHash: string; baseline: SkewBaseline } {
  const parsed = baselineSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `${source} is not a training baseline: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message} (${issue.code})` : 'invalid'}`,
      'baseline',
    );
  }
  for (const [name, o] of Object.entries(parsed.data.outputs)) {
    if (o.kind === 'numeric' && o.counts.length !== Math.max(o.edges.length - 1, 0))
      throw new ValidationError(
        `${source}: output '${name}' has ${o.edges.length} edges but ${o.counts.length} bin counts`,
        `outputs.${name}`,
      );
  }
  return {
    service: parsed.data.service,
    registryHash: parsed.data.registryHash,
    baseline: { source, outputs: parsed.data.outputs as Record<string, BaselineOutput> },
  };
}
