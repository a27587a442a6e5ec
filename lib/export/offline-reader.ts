/**
 * The offline store as the export reads it (`OfflineReader`; the CDK construct that deploys the
 * store is `OfflineStore`, `lib/cdk/offline-store.ts`): something that runs the point-in-time join of a
 * spine (a DuckDB relation that carries `_sk_row`) in its own SQL dialect and hands the rows
 * back as a DuckDB relation, and that keeps an export's artifacts. Two implementations: the local
 * Parquet folder queried by DuckDB (`offline-local.ts`) and Athena over the Iceberg tables
 * (`offline-athena-aws.ts`). Everything around the join (spine validation and numbering,
 * request transforms, spine order, manifest, baseline) is one code path (`point-in-time.ts`,
 * `run.ts`) whichever store answers, so the CLI, the export Lambda and the skew check's rebuild
 * return the same rows for the same data.
 */
import { offlineTableName } from '../core/columns.ts';
import type { Registry } from '../registry/types.ts';
import type { DialectName } from '../sql/dialect.ts';
import type { AsOf, PlannedView, ViewSubset } from '../sql/plan.ts';
import type { SpineColumn } from './spine.ts';

export interface StoreQuery {
  readonly service: string;
  /** A DuckDB relation (table, view or subquery) of the spine, with a unique `_sk_row`. */
  readonly spine: string;
  /** Its columns, `_sk_row` included (what a store that ships the spine elsewhere uploads). */
  readonly spineColumns: readonly SpineColumn[];
  readonly timeColumn: string;
  readonly asOf: AsOf;
  /** Only these views' features (`ViewSubset`). */
  readonly views?: ViewSubset;
  /** Names the store's scratch objects for this query (`[a-z0-9_]`); a store picks one if absent. */
  readonly id?: string;
  /**
   * The registry the service is read from, when not the store's own: a replay's candidate, a
   * shadow's (whose views may be candidate versions).
   */
  readonly registry?: Registry;
  /**
   * Views whose rows are read from another version's table, by view name: a candidate's history
   * (`candidateHistory`), a new aggregation version before it is ingested.
   */
  readonly eventsFrom?: EventsFrom;
}

export interface StoreRows {
  /**
   * A DuckDB relation of the joined rows, in no particular order: every spine column, `_sk_row`,
   * each stored feature output and its `<output>__status`. Valid until `release`.
   */
  readonly relation: string;
  /** Athena's query id of the join; null in DuckDB. */
  readonly queryId: string | null;
  readonly bytesScanned: number;
  /** Where the store left the rows (Athena's UNLOAD files, `s3://`); empty in DuckDB. */
  readonly files: readonly string[];
  /** Frees what `relation` reads (downloaded files). */
  release(): Promise<void>;
}

/** Where a store keeps its own record of an export, besides the files the caller asked for. */
export interface StoreArtifacts {
  readonly manifest: readonly string[];
  readonly baseline: readonly string[];
}

export interface OfflineReader {
  readonly engine: 'duckdb' | 'athena';
  /** The SQL shape the join runs in. */
  readonly dialect: DialectName;
  /** Runs the point-in-time join in the store and hands the rows back to DuckDB. */
  pointInTime(query: StoreQuery): Promise<StoreRows>;
  /** The store's own copies of an export's manifest and baseline (`promote`: the skew check's). */
  artifacts(exportId: string, service: string, promote: boolean): StoreArtifacts;
  /** Writes one artifact (a local path, or `s3://` where the store reaches S3). */
  write(target: string, body: Uint8Array | string, contentType: string): Promise<void>;
}

/**
 * Views whose offline rows are read from an earlier version's table, by view name: a new version
 * before it is ingested, fed by the same stream (`recordsFromApplied`, `lib/skew/versions.ts`;
 * `plan --replay` uses it). Both stores read it through `storedTable`.
 */
export type EventsFrom = ReadonlyMap<string, number>;

/** A store's `eventsFrom` with a query's: both apply, the query's entry winning for a view. */
export function withQueryEventsFrom(
  store: EventsFrom | undefined,
  query: EventsFrom | undefined,
): EventsFrom | undefined {
  if (!store || store.size === 0) return query;
  return query ? new Map([...store, ...query]) : store;
}

/** The table a planned view's rows are read from: its own, or the version `eventsFrom` names. */
export function storedTable(
  view: Pick<PlannedView, 'name' | 'table'>,
  eventsFrom: EventsFrom | undefined,
): string {
  const version = eventsFrom?.get(view.name);
  return version === undefined ? view.table : offlineTableName({ name: view.name, version });
}
