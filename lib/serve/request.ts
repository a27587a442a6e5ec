/**
 * Validation of a `POST /features` body: size, JSON, shape (zod), then each entity row against
 * the service's join keys. Every failure is a `ValidationError` whose message and `field` name
 * the problem (`entities[3].origin`), so the caller gets a 400 it can act on.
 */
// zod/mini: the classic `z` namespace bundles ~440 KB minified, the mini API ~20 KB.
import * as z from 'zod/mini';
import { ValidationError } from '../core/errors.ts';
import { checkKeyValue, type KeyValue } from '../core/entity-key.ts';
import { depthProblem } from '../core/values.ts';
import type { LookupLimits } from './limits.ts';
import type { ServicePlan } from './plan.ts';

export interface ParsedBody {
  readonly service: string;
  readonly entities: readonly Readonly<Record<string, unknown>>[];
  readonly request?: Readonly<Record<string, unknown>>;
}

/**
 * A JSON object, passed through as parsed: `z.record` would rebuild it and silently drop an own
 * `__proto__` key, which must instead be reported as an unknown key.
 */
const plainObject = z.custom<Readonly<Record<string, unknown>>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be a JSON object',
);

export function lookupBodySchema(limits: LookupLimits) {
  return z.strictObject(
    {
      service: z
        .string('must be the name of a feature service')
        .check(
          z.minLength(1, 'must name a feature service'),
          z.maxLength(256, 'is longer than any service name'),
        ),
      entities: z
        .array(plainObject, 'must be an array of entity rows (objects of join-key values)')
        .check(
          z.minLength(1, 'must hold at least one entity row'),
          z.maxLength(
            limits.maxEntities,
            `holds more than ${limits.maxEntities} entity rows (the limit)`,
          ),
        ),
      request: z.optional(plainObject),
    },
    'must be a JSON object with service, entities and optionally request',
  );
}

/** Parses the raw body text. */
export function parseLookupBody(
  text: string | undefined,
  schema: ReturnType<typeof lookupBodySchema>,
  limits: LookupLimits,
): ParsedBody {
  if (text === undefined || text.length === 0) {
    throw new ValidationError('the request body is empty; send a JSON object', 'body');
  }
  // Cheap upper bound first: a UTF-8 byte is at least one UTF-16 unit, at most three per unit.
  if (text.length > limits.maxBodyBytes || Buffer.byteLength(text) > limits.maxBodyBytes) {
    throw new ValidationError(
      `the request body is larger than ${limits.maxBodyBytes} bytes (the limit)`,
      'body',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('the request body is not valid JSON', 'body');
  }
  return checkLookupBody(json, schema);
}

/**
 * Checks a body already in memory: the handler's parsed JSON, or the in-process lookup's
 * arguments (`./in-process.ts`), so both refuse the same requests with the same messages.
 */
export function checkLookupBody(
  json: unknown,
  schema: ReturnType<typeof lookupBodySchema>,
): ParsedBody {
  // Before anything recursive (zod, JSON.stringify) walks it.
  const tooDeep = depthProblem(json, 'the request body');
  if (tooDeep) throw new ValidationError(tooDeep, 'body');
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? pathText(issue.path) : 'body';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; expected service, entities, request`
        : issue.message;
    throw new ValidationError(`${field}: ${message}`, field);
  }
  return parsed.data;
}

/** Checks one entity row: every join key present and well typed, nothing else. */
export function checkEntityRow(
  plan: ServicePlan,
  row: Readonly<Record<string, unknown>>,
  index: number,
): Record<string, KeyValue> {
  for (const name of Object.keys(row)) {
    if (!plan.joinKeyNames.has(name)) {
      throw new ValidationError(
        `entities[${index}]: '${name}' is not a join key of service '${plan.service.name}' (it takes: ${[...plan.joinKeyNames].join(', ')})`,
        `entities[${index}].${name}`,
      );
    }
  }
  const keys: Record<string, KeyValue> = {};
  for (const key of plan.joinKeys) {
    if (!Object.hasOwn(row, key.name)) {
      throw new ValidationError(
        `entities[${index}]: missing join key '${key.name}' (service '${plan.service.name}' takes: ${[...plan.joinKeyNames].join(', ')})`,
        `entities[${index}].${key.name}`,
      );
    }
    try {
      keys[key.name] = checkKeyValue(key, row[key.name]);
    } catch (error) {
      throw new ValidationError(
        `entities[${index}]: ${(error as Error).message}`,
        `entities[${index}].${key.name}`,
        { cause: error },
      );
    }
  }
  return keys;
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}
