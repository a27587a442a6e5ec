/**
 * The wire shapes of `POST /features`. The typed client, the CLI and the handler all use these,
 * so the JSON a model receives is described once.
 *
 * Request:
 * ```json
 * { "service": "departure_delay_model",
 *   "entities": [{ "origin": "SFO", "destination": "LAX" }],
 *   "request": { "scheduled_hour": 19 } }
 * ```
 * Response (one row per entity, in request order; outputs in the service's declared order):
 * ```json
 * { "request_id": "…", "service": "departure_delay_model", "registry_hash": "…",
 *   "served_at": "2001-03-01T12:00:00.000Z",
 *   "rows": [{ "keys": { "origin": "SFO", "destination": "LAX" },
 *              "values": { "airport_departures__last_delay": 12, "departure_context__…": … },
 *              "statuses": { "airport_departures__last_delay": "present" },
 *              "ages_ms": { "airport_departures__last_delay": 60000 } }] }
 * ```
 * `statuses` and `ages_ms` cover the stored features only; transform outputs have neither.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import type { KeyValue } from '../core/entity-key.ts';

export interface LookupRequestBody {
  readonly service: string;
  /** One object of join-key values per entity row: every join key of the service, no others. */
  readonly entities: readonly Readonly<Record<string, KeyValue>>[];
  /** Request fields the service's transforms take (shared by every row). */
  readonly request?: Readonly<Record<string, FeatureValue>>;
}

export interface LookupRow {
  readonly keys: Readonly<Record<string, KeyValue>>;
  readonly values: Readonly<Record<string, FeatureValue>>;
  readonly statuses: Readonly<Record<string, FeatureStatus>>;
  /** ms since the value's event_time at `served_at`; null when missing. */
  readonly ages_ms: Readonly<Record<string, number | null>>;
}

export interface LookupResponse {
  readonly request_id: string;
  readonly service: string;
  readonly registry_hash: string;
  /** ISO-8601 UTC with milliseconds: the read time `t` every status and age is relative to. */
  readonly served_at: string;
  readonly rows: readonly LookupRow[];
}

/** The body of every 4xx/5xx answer. `field` names what was wrong, when known. */
export interface LookupErrorBody {
  readonly error: { readonly message: string; readonly field?: string };
}
