/**
 * The wire format of a source stream and its validation. A record is a flat JSON object with the
 * stream's join keys, `event_time` (ISO-8601 UTC ending in `Z`, or epoch ms) and feature values
 * by name; an absent feature is null. Everything else is poison, with a precise reason: the
 * producer helper and the ingest Lambda run this same check, so a record the helper accepts is
 * one the Lambda accepts.
 */
import type { Dtype, FeatureValue } from '../define/dtypes.ts';
import { coerceValue, depthProblem, instantProblem, parseInstant } from '../core/values.ts';
import {
  checkKeyValue,
  encodeEntityKey,
  type EntityKey,
  type KeyValue,
} from '../core/entity-key.ts';
import { ValidationError } from '../core/errors.ts';
import { isAggregationView, isPlainView, viewsOfStream } from '../registry/query.ts';
import type {
  AggregationRegistryView,
  PlainRegistryView,
  Registry,
  RegistryEventStream,
  RegistryKey,
} from '../registry/types.ts';

/**
 * Largest accepted record (bytes of the JSON payload). Well under DynamoDB's 400 KB item limit
 * and Firehose's 1,000 KiB record limit, so an accepted record always fits both stores.
 */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Fields the ingest Lambda sets itself; a producer may not send them. */
export const INGEST_STAMPED_FIELDS = ['ingested_at', 'record_id'] as const;

export const POISON_REASONS = [
  'bad-json',
  'not-an-object',
  'oversized',
  'unknown-field',
  'reserved-field',
  'missing-key',
  'bad-key',
  'missing-event-time',
  'bad-event-time',
  'future-event-time',
  'wrong-type',
  'unknown-stream',
  'store-rejected',
  /** The record's entity was forgotten after its event_time (`lib/ingest/forgotten.ts`). */
  'forgotten',
] as const;
/** Why a record can never be ingested (retrying it would not help). */
export type PoisonReason = (typeof POISON_REASONS)[number];

export interface RecordProblem {
  readonly reason: PoisonReason;
  /** The offending field, when there is one. */
  readonly field?: string;
  readonly message: string;
}

/** A record that can never be accepted: carries every problem found, the first one is the reason. */
export class PoisonRecordError extends ValidationError {
  readonly reason: PoisonReason;
  constructor(readonly problems: readonly RecordProblem[]) {
    super(problems.map((p) => p.message).join('; '), problems[0]?.field);
    this.reason = problems[0]?.reason ?? 'wrong-type';
  }
}

interface StreamSchemaFields {
  readonly stream: string;
  readonly joinKeys: readonly RegistryKey[];
  /** Every feature of every view of the stream, by name, with the dtypes it must satisfy. */
  readonly features: ReadonlyMap<string, readonly Dtype[]>;
}

/**
 * Everything validation needs about one source stream, computed once per registry: a stream of
 * plain views' records, or a raw event stream whose views aggregate, keyed by subsets of its keys.
 */
export type StreamSchema =
  | (StreamSchemaFields & { readonly kind: 'plain'; readonly views: readonly PlainRegistryView[] })
  | (StreamSchemaFields & {
      readonly kind: 'events';
      readonly views: readonly AggregationRegistryView[];
      readonly eventStream: RegistryEventStream;
    });

export function streamSchema(registry: Registry, stream: string): StreamSchema {
  const views = viewsOfStream(registry, stream);
  const raw = registry.eventStreams?.find((s) => s.name === stream);
  if (raw) {
    // A raw event carries every key of the stream's entities and the stream's columns; only
    // aggregation views read an event stream (the registry validates it).
    const columns = new Map(raw.columns.map((c) => [c.name, [c.dtype]] as const));
    const aggregating = views.filter(isAggregationView);
    return {
      kind: 'events',
      stream,
      views: aggregating,
      joinKeys: raw.keys,
      features: columns,
      eventStream: raw,
    };
  }
  const plain = views.filter(isPlainView);
  const features = new Map<string, Dtype[]>();
  for (const view of plain) {
    for (const f of view.features) {
      const dtypes = features.get(f.name) ?? [];
      if (!dtypes.includes(f.dtype)) dtypes.push(f.dtype);
      features.set(f.name, dtypes);
    }
  }
  // Views of one stream share join keys (the registry validates it).
  return { kind: 'plain', stream, views: plain, joinKeys: plain[0]?.joinKeys ?? [], features };
}

/** A record that passed validation: canonical values, not yet stamped by the ingest Lambda. */
export interface ValidRecord {
  readonly entityKey: EntityKey;
  readonly keys: Readonly<Record<string, KeyValue>>;
  /** Epoch ms, UTC. */
  readonly eventTime: number;
  /** Every feature of the stream's views; absent ones are null. Timestamps are ISO-8601 UTC. */
  readonly values: Readonly<Record<string, FeatureValue>>;
}

export type Validation =
  | { readonly ok: true; readonly record: ValidRecord }
  | { readonly ok: false; readonly problems: readonly RecordProblem[] };

/** What validation needs besides the record. */
export interface ValidateOptions {
  /**
   * Epoch ms the record is stored at (`ingested_at`). A record whose `event_time` is later is
   * refused (`future-event-time`): the online store holds one value per entity, so storing it
   * would hide the previous value until `event_time` while the export at the same `t` still
   * picks that previous value (online ≠ offline). Unset: no clock check (a file being read).
   * An event stream needs no such check: its tile item holds such events apart until they are
   * true (docs/semantics.md, "Windows and tiles"), so they are accepted there.
   */
  readonly now?: number;
}

/** Parses and validates raw payload bytes (what Kinesis carries). */
export function parseRecord(
  schema: StreamSchema,
  data: Uint8Array,
  options: ValidateOptions = {},
): Validation {
  if (data.byteLength > MAX_RECORD_BYTES) {
    return fail({
      reason: 'oversized',
      message: `record is ${data.byteLength} bytes; the limit is ${MAX_RECORD_BYTES}`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString());
  } catch (error) {
    return fail({ reason: 'bad-json', message: `not JSON: ${(error as Error).message}` });
  }
  const tooDeep = depthProblem(parsed, 'the record');
  if (tooDeep) return fail({ reason: 'bad-json', message: tooDeep });
  return validateRecord(schema, parsed, options);
}

/** Validates one decoded record against the views of its stream, collecting every problem. */
export function validateRecord(
  schema: StreamSchema,
  input: unknown,
  options: ValidateOptions = {},
): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail({
      reason: 'not-an-object',
      message: `a record must be a JSON object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`,
    });
  }
  const record = input as Record<string, unknown>;
  const problems: RecordProblem[] = [];
  problems.push(...fieldProblems(schema, record));
  const keys = keysOf(schema, record, problems);

  const eventTime = parseInstant(record.event_time);
  const now = schema.kind === 'events' ? undefined : options.now;
  const timeProblem = eventTimeProblem(record.event_time, eventTime, now);
  if (timeProblem) problems.push(timeProblem);

  const values = valuesOf(schema, record, problems);

  let entityKey: EntityKey | undefined;
  if (problems.length === 0) {
    try {
      entityKey = encodeEntityKey(schema.joinKeys, keys);
    } catch (error) {
      problems.push({ reason: 'bad-key', message: (error as Error).message });
    }
  }
  if (problems.length > 0 || entityKey === undefined || eventTime === undefined)
    return { ok: false, problems };
  return { ok: true, record: { entityKey, keys, eventTime, values } };
}

/** Fields no producer may send: ones ingestion stamps, and ones the stream does not carry. */
function fieldProblems(schema: StreamSchema, record: Record<string, unknown>): RecordProblem[] {
  const keyNames = new Set(schema.joinKeys.map((k) => k.name));
  const problems: RecordProblem[] = [];
  for (const name of Object.keys(record)) {
    if ((INGEST_STAMPED_FIELDS as readonly string[]).includes(name)) {
      problems.push({
        reason: 'reserved-field',
        field: name,
        message: `field '${name}' is set by skewless at ingestion; producers may not send it`,
      });
    } else if (name !== 'event_time' && !keyNames.has(name) && !schema.features.has(name)) {
      problems.push({
        reason: 'unknown-field',
        field: name,
        message: `field '${name}' is not a join key or feature of stream '${schema.stream}' (known: ${[...keyNames, 'event_time', ...schema.features.keys()].join(', ')})`,
      });
    }
  }
  return problems;
}

/** The record's join keys, checked; each missing or bad one is a problem. */
function keysOf(
  schema: StreamSchema,
  record: Record<string, unknown>,
  problems: RecordProblem[],
): Record<string, KeyValue> {
  const keys: Record<string, KeyValue> = {};
  for (const key of schema.joinKeys) {
    const value = record[key.name];
    if (value === undefined || value === null) {
      problems.push({
        reason: 'missing-key',
        field: key.name,
        message: `join key '${key.name}' is missing`,
      });
      continue;
    }
    try {
      keys[key.name] = checkKeyValue(key, value);
    } catch (error) {
      problems.push({ reason: 'bad-key', field: key.name, message: (error as Error).message });
    }
  }
  return keys;
}

/** Every feature of the stream in its canonical form (absent ones null); a wrong type is a problem. */
function valuesOf(
  schema: StreamSchema,
  record: Record<string, unknown>,
  problems: RecordProblem[],
): Record<string, FeatureValue> {
  const values: Record<string, FeatureValue> = {};
  for (const [name, dtypes] of schema.features) {
    let canonical: FeatureValue = null;
    for (const dtype of dtypes) {
      const coerced = coerceValue(dtype, record[name] ?? null);
      if (!coerced.ok) {
        problems.push({ reason: 'wrong-type', field: name, message: `${name}: ${coerced.error}` });
        break;
      }
      canonical = coerced.value;
    }
    values[name] = canonical;
  }
  return values;
}

/** The canonical wire JSON of a valid record (what the producer helper sends). */
export function encodeWireRecord(record: ValidRecord): string {
  return JSON.stringify({
    ...record.keys,
    event_time: new Date(record.eventTime).toISOString(),
    ...record.values,
  });
}

function eventTimeProblem(
  raw: unknown,
  eventTime: number | undefined,
  now: number | undefined,
): RecordProblem | undefined {
  const field = 'event_time';
  if (raw === undefined || raw === null)
    return { reason: 'missing-event-time', field, message: 'event_time is missing' };
  if (eventTime === undefined)
    return { reason: 'bad-event-time', field, message: `event_time: ${instantProblem(raw)}` };
  if (now !== undefined && eventTime > now)
    return {
      reason: 'future-event-time',
      field,
      message: `event_time ${new Date(eventTime).toISOString()} is after the time it was ingested (${new Date(now).toISOString()}): a producer clock runs ahead; skewless stores no value before it is true`,
    };
  return undefined;
}

function fail(problem: RecordProblem): Validation {
  return { ok: false, problems: [problem] };
}
