/**
 * What the CLI's AWS paths need, as grants on an operator's role: `skewless export --aws` runs
 * the export Lambda's queries with the caller's credentials; `skewless backfill --aws` uploads
 * rows under `spines/`, creates a scratch table over them and merges it into a view's Iceberg
 * table through Athena, and `skewless materialize --aws` unloads the newest rows under
 * `exports/` and writes them with ingestion's conditional put; `skewless plan --replay --aws`
 * reads a day of the inference log and rebuilds its sample as the nightly check does.
 * `test/iam/operator.test.ts` records those paths and holds these grants to what they call.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { offlineTableName } from '../core/columns.ts';
import { BUCKET_PREFIXES } from '../core/naming.ts';
import type { Registry } from '../registry/types.ts';
import type { LakeFormationGrants } from './lake-formation.ts';
import type { OfflineStore, QueryAccess } from './offline-store.ts';
import type { OnlineStore } from './online-store.ts';
import { storedViews } from '../registry/candidates.ts';

/**
 * An export reads the caller's spine under `spines/` and the files its UNLOAD wrote under
 * `exports/`; it writes the numbered spine, the training set with its manifest and baseline
 * (`exports/<id>/`) and, when asked to promote it, the skew check's baseline (`baselines/`).
 */
export const EXPORT_QUERY_ACCESS: QueryAccess = {
  read: [BUCKET_PREFIXES.spines],
  write: [BUCKET_PREFIXES.exports, BUCKET_PREFIXES.spines, BUCKET_PREFIXES.baselines],
};

/** Backfill uploads under `spines/`; materialize unloads under `exports/` and reads it back. */
export const BACKFILL_QUERY_ACCESS: QueryAccess = {
  read: [],
  write: [BUCKET_PREFIXES.spines, BUCKET_PREFIXES.exports],
};

/**
 * Forget reads the exports it rewrites and the inference log it deletes from, writes exports
 * (rewritten files, manifests, baselines) and its audit trail under `forget/`.
 */
export const FORGET_QUERY_ACCESS: QueryAccess = {
  read: [BUCKET_PREFIXES.inferenceLog],
  write: [BUCKET_PREFIXES.exports],
  scratchTables: false,
};

/**
 * The replay (`skewless plan --replay --aws`) reads the day's inference log through Athena,
 * UNLOADs its counts and sample under `skew-samples/`, rebuilds the sample as an export does
 * (`spines/`, `exports/`: over the deployed view tables, a new version's records from the
 * applied version's) and writes its reports under `skew-reports/`.
 */
export const REPLAY_QUERY_ACCESS: QueryAccess = {
  read: [BUCKET_PREFIXES.inferenceLog],
  write: [
    BUCKET_PREFIXES.skewSamples,
    BUCKET_PREFIXES.spines,
    BUCKET_PREFIXES.exports,
    BUCKET_PREFIXES.skewReports,
  ],
};

export interface OperatorGrantTargets {
  readonly offline: OfflineStore;
  readonly online: OnlineStore;
  readonly registry: Registry;
  readonly lakeFormation?: LakeFormationGrants;
}

/** `skewless export --aws`. */
export function grantExportQuery(t: OperatorGrantTargets, grantee: iam.IGrantable): void {
  t.offline.grantQuery(grantee, EXPORT_QUERY_ACCESS);
  t.lakeFormation?.grantRole(grantee, 'query');
}

/** `skewless plan --replay --aws`. */
export function grantReplay(t: OperatorGrantTargets, grantee: iam.IGrantable): void {
  t.offline.grantQuery(grantee, REPLAY_QUERY_ACCESS);
  t.lakeFormation?.grantRole(grantee, 'query');
}

/** `skewless backfill --aws` and `skewless materialize --aws`. */
export function grantBackfill(t: OperatorGrantTargets, grantee: iam.IGrantable): void {
  t.offline.grantQuery(grantee, BACKFILL_QUERY_ACCESS);
  grantIcebergWrite(t.offline, grantee, storedViews(t.registry).map(offlineTableName));
  t.online.grantPut(grantee);
  // An aggregation view's tiles are read, judged against their rebuild, and put conditionally.
  if (storedViews(t.registry).some((v) => v.kind === 'aggregation'))
    t.online.grantTileRead(grantee);
  t.lakeFormation?.grantRole(grantee, 'backfill');
}

/**
 * `skewless forget --aws`: Athena's count, DELETE and OPTIMIZE on every view table and the
 * inference log (their results read back: `athena:GetQueryResults`), the online table's
 * tombstones and deletes, the exports' rewrite and the audit trail (which removes its own
 * pending marker).
 */
export function grantForget(t: OperatorGrantTargets, grantee: iam.IGrantable): void {
  t.offline.grantQuery(grantee, FORGET_QUERY_ACCESS);
  t.offline.grantQueryResults(grantee);
  grantIcebergWrite(t.offline, grantee, [...t.offline.tables.keys()]);
  t.offline.grantObjects(grantee, [BUCKET_PREFIXES.forget], 'readWrite');
  t.online.grantForget(grantee);
  t.lakeFormation?.grantRole(grantee, 'forget');
}

/**
 * Athena's MERGE into these tables, as the caller: it commits new data and metadata files under
 * each table's location and the new metadata location in Glue; it deletes nothing.
 */
function grantIcebergWrite(
  offline: OfflineStore,
  grantee: iam.IGrantable,
  tables: readonly string[],
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['glue:UpdateTable'],
    resourceArns: [
      offline.glueArn('catalog'),
      offline.glueArn('database'),
      ...tables.map((t) => offline.glueArn('table', t)),
    ],
  });
  offline.grantObjects(
    grantee,
    tables.map((t) => offline.tablePrefix(t)),
    'write',
  );
}
