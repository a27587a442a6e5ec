/**
 * The skew report: what the nightly check found for one service on one day. Plain JSON, so the
 * HTML report, the alert text, the CLI summary and the tests all read the same document.
 */
import type { SkewThresholds } from '../define/definitions.ts';
import type { Dtype, FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import type { Interval } from './stats.ts';

export type { Interval };

export type Thresholds = Required<SkewThresholds>;

/**
 * The three findings, never one word for all: `skew` (a served value differs from its rebuild:
 * a bug), `stale` (served expired/missing where a fresher value existed: ingestion), `drift`
 * (the served distribution moved away from the training baseline: the world changed).
 */
export const FINDING_KINDS = ['skew', 'stale', 'drift'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
/** An output's or a service's verdict: its most severe finding (in `FINDING_KINDS` order). */
export type Verdict = FindingKind | 'ok';

/**
 * Why one served value differs from what training sees (the rules: `lib/skew/causes.ts`).
 * `late data` and `ingest lag` make a value stale; the others make it skewed.
 */
export const CAUSES = [
  'late data',
  'ingest lag',
  'version',
  'default/ttl edge',
  'unexplained',
] as const;
export type Cause = (typeof CAUSES)[number];

/** A figure that can cross a threshold. */
export type SkewMetric = 'exactMatch' | 'nullMismatch' | 'stale' | 'psi' | 'ks';

/** One threshold crossed on one output. */
export interface SkewDecision {
  readonly service: string;
  readonly output: string;
  /** The finding this threshold decides. */
  readonly kind: FindingKind;
  readonly metric: SkewMetric;
  readonly value: number;
  readonly threshold: number;
  /** `min`: the value must be at least the threshold; `max`: at most. */
  readonly bound: 'min' | 'max';
  /** Rates: the value's 95% interval over the rows checked (Wilson score). */
  readonly interval?: Interval;
  /** PSI, KS: the level the statistic reaches by sampling alone, which the value rose above. */
  readonly noise?: number;
}

/** One served value that the rebuild did not reproduce. */
export interface MismatchExample {
  readonly requestId: string;
  readonly row: number;
  readonly servedAt: string;
  readonly entityKey: string;
  readonly registryHash: string;
  readonly served: FeatureValue;
  readonly rebuilt: FeatureValue;
  readonly servedStatus: FeatureStatus | null;
  readonly rebuiltStatus: FeatureStatus | null;
  /** Served text that is not a value of the output's dtype (e.g. another version's type). */
  readonly servedRaw?: string | null;
  readonly cause: Cause;
  /** `late data`: what a rebuild with the latest as_of gives (what training sees now). */
  readonly latest?: FeatureValue;
}

/** The served values of one output attributed to one cause. */
export interface CauseCount {
  readonly cause: Cause;
  readonly kind: Exclude<FindingKind, 'drift'>;
  readonly count: number;
  readonly examples: readonly MismatchExample[];
}

/** A log line the check could not read (it is counted, named, and skipped). */
export interface MalformedLine {
  readonly file: string;
  /** 1-based line number in the (decompressed) file, when known. */
  readonly line: number | null;
  readonly reason: string;
  /** The line's first characters, with anything unprintable escaped. */
  readonly excerpt: string;
}

export interface MalformedLines {
  readonly count: number;
  readonly examples: readonly MalformedLine[];
}

/** Ages of served values against the view's ttl (stored features only). */
export interface Freshness {
  readonly ttlMs: number;
  /** Quantiles of `ages_ms` over rows with an age (present or expired). */
  readonly ageP50Ms: number | null;
  readonly ageP90Ms: number | null;
  readonly ageP99Ms: number | null;
  readonly ageMaxMs: number | null;
  /** Shares of rows by served status. */
  readonly presentShare: number;
  readonly expiredShare: number;
  readonly missingShare: number;
}

/** Why served and rebuilt disagree, as counts of rows (stored features only). */
export interface StatusBreakdown {
  /** Served expired/missing while the rebuild found a fresh value: the online store lagged. */
  readonly servedStale: number;
  /** Served a fresh value while the rebuild found none: the offline store lags or lost data. */
  readonly servedFresher: number;
  /** Served expired/missing and rebuilt the same: staleness the design expects, not skew. */
  readonly expectedStale: number;
}

/** One histogram bin (numeric: `[lower, upper)`; categorical: one label). */
export interface DistributionBin {
  readonly label: string;
  readonly baseline: number;
  readonly served: number;
}

export interface Distribution {
  readonly kind: 'numeric' | 'categorical';
  readonly bins: readonly DistributionBin[];
  readonly baselineNullShare: number;
  readonly servedNullShare: number;
}

export interface OutputReport {
  readonly output: string;
  readonly dtype: Dtype;
  /** `view` for stored features, `transform` for request-transform outputs. */
  readonly source:
    | { readonly kind: 'feature'; readonly view: string; readonly version: number }
    | {
        readonly kind: 'transform';
        readonly transform: string;
        readonly inputs: readonly string[];
      };
  readonly thresholds: Thresholds;
  readonly rows: number;
  /**
   * Rows judged for skew: the rows checked but those whose value differs from its rebuild for a
   * stale cause (`ingest lag`, `late data`), which the stale rate judges alone.
   */
  readonly compared: number;
  readonly matches: number;
  /** `matches` over `compared`: the figure the exact-match threshold judges. */
  readonly exactMatchRate: number;
  /** `exactMatchRate`'s 95% interval over the rows compared (Wilson score). */
  readonly exactMatchInterval: Interval;
  /** Compared rows with a null on one side only (a skew cause's). */
  readonly nullMismatches: number;
  /** `nullMismatches` over `compared`: the figure the null-mismatch threshold judges. */
  readonly nullMismatchRate: number;
  /** `nullMismatchRate`'s 95% interval over the rows compared (Wilson score). */
  readonly nullMismatchInterval: Interval;
  /** Served values that are not of the current dtype (counted as mismatches). */
  readonly typeMismatches: number;
  /** Rows served under a registry whose definition of this output differs from the current one. */
  readonly versionMismatches: number;
  readonly versionMismatchRate: number;
  readonly status: StatusBreakdown | null;
  readonly freshness: Freshness | null;
  /** Population stability index vs the training baseline; null without a baseline. */
  readonly psi: number | null;
  /** Kolmogorov–Smirnov statistic (numeric outputs, at the baseline's bin edges); else null. */
  readonly ks: number | null;
  /**
   * The level PSI reaches by sampling alone at the sizes compared (served vs baseline values);
   * drift is decided only above both `psiMax` and this. Null when PSI is.
   */
  readonly psiNoise: number | null;
  /** The same for KS: drift only above both `ksMax` and this. Null when KS is. */
  readonly ksNoise: number | null;
  readonly distribution: Distribution | null;
  readonly examples: readonly MismatchExample[];
  /** Rows whose served value was stale (`late data`, `ingest lag`), over all rows. */
  readonly staleRate: number;
  /** `staleRate`'s 95% interval over the rows checked (Wilson score). */
  readonly staleInterval: Interval;
  /** Rows whose served value differs from its rebuild for a skew cause, over all rows. */
  readonly skewRate: number;
  /** Mismatched or stale values by cause, most frequent first (causes with no row left out). */
  readonly causes: readonly CauseCount[];
  readonly decisions: readonly SkewDecision[];
  /** Every kind whose threshold was crossed, in `FINDING_KINDS` order. */
  readonly kinds: readonly FindingKind[];
  readonly verdict: Verdict;
  /** Short human notes: likely causes, what was not evaluated and why. */
  readonly notes: readonly string[];
}

/** What the check read of the day: every vector of the entities the sample picked. */
export interface SampleSummary {
  /** Vectors the service logged that day (counted where the log lives). */
  readonly logged: number;
  /** Vectors checked: every vector of the sampled entities (equals `vectors`). */
  readonly checked: number;
  /** `checked / logged` (1 when the day was checked whole). */
  readonly rate: number;
  /** The service's declared sample, defaults filled (`lib/skew/sample.ts`). */
  readonly declared: { readonly rate: number; readonly maxVectorsPerDay: number };
  /** True when every logged vector was checked. */
  readonly whole: boolean;
}

export interface SkewReport {
  readonly formatVersion: 3;
  readonly service: string;
  /** The UTC day whose inference logs were checked (`YYYY-MM-DD`). */
  readonly date: string;
  readonly registryHash: string;
  readonly generatedAt: string;
  /** Served vectors checked. */
  readonly vectors: number;
  /** The day's sample: how many vectors were logged, how many checked. */
  readonly sample: SampleSummary;
  /** Vectors by the registry hash they were served under. */
  readonly registryHashes: readonly {
    readonly hash: string;
    readonly vectors: number;
    readonly known: boolean;
  }[];
  readonly baseline: { readonly source: string } | null;
  /** Log lines of the day that could not be read (every service's report names them). */
  readonly malformed: MalformedLines;
  readonly outputs: readonly OutputReport[];
  readonly decisions: readonly SkewDecision[];
  /** The kinds found on any output, in `FINDING_KINDS` order. */
  readonly kinds: readonly FindingKind[];
  readonly verdict: Verdict;
  /** Skew always alerts; stale and drift when their thresholds are crossed; malformed lines too. */
  readonly alert: boolean;
  /** Where the HTML report is (set by whoever writes it). */
  readonly reportLocation?: string;
  readonly timings: Readonly<Record<string, number>>;
}
