/** What a feature service declares about its nightly skew check: thresholds and sample. */

/** Skew-check thresholds; any left out take the defaults in `DEFAULT_SKEW_THRESHOLDS`. */
export interface SkewThresholds {
  /** Minimum share of served values equal to the rebuilt ones. */
  readonly exactMatchMin?: number;
  /** Maximum share of rows where exactly one of served / rebuilt is null. */
  readonly nullMismatchMax?: number;
  /** Maximum share of values served expired/missing while a fresher value existed (`stale`). */
  readonly staleMax?: number;
  /** Maximum population stability index of served values vs the training baseline. */
  readonly psiMax?: number;
  /** Maximum Kolmogorov–Smirnov statistic of served values vs the training baseline. */
  readonly ksMax?: number;
  /** Relative tolerance under which two floats count as equal. */
  readonly floatTolerance?: number;
}

export const DEFAULT_SKEW_THRESHOLDS: Required<SkewThresholds> = Object.freeze({
  exactMatchMin: 0.99,
  nullMismatchMax: 0.01,
  staleMax: 0.01,
  psiMax: 0.2,
  ksMax: 0.1,
  floatTolerance: 1e-9,
});

/**
 * Which of a day's served vectors the nightly check compares: every vector of the entities a hash
 * of (service, entity key) picks, so each sampled entity is checked on all its lookups and a rerun
 * picks the same ones. Rules: `lib/skew/sample.ts`.
 */
export interface SkewSample {
  /** Share of entities kept, in (0, 1]. */
  readonly rate?: number;
  /** Most vectors checked in one day: entities are taken in hash order until the next would pass it. */
  readonly maxVectorsPerDay?: number;
}

/** Whole days up to 200k vectors a service; above that, the 200k vectors of the lowest hashes. */
export const DEFAULT_SKEW_SAMPLE: Required<SkewSample> = Object.freeze({
  rate: 1,
  maxVectorsPerDay: 200_000,
});
