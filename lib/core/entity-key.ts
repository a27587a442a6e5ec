/**
 * The canonical entity key: one string per set of join-key values, used everywhere (DynamoDB
 * keys, Kinesis partition keys, the inference log). Keys appear in declared order, each tagged
 * with its type (`s:` string, `i:` int64) and escaped (`\` → `\\`, `|` → `\|`), joined by `|`.
 * The encoding is injective: two different key tuples never share a string.
 */
import { KINESIS } from '../aws-rules/kinesis.ts';
import { assertNever, type KeyDtype } from '../define/dtypes.ts';
import type { RegistryKey } from '../registry/types.ts';
import { ValidationError } from './errors.ts';
import { describe, int64Problem, stringProblem } from './values.ts';

declare const entityKeyBrand: unique symbol;
export type EntityKey = string & { readonly [entityKeyBrand]: true };

export type KeyValue = string | number;

/** An encoded key is a Kinesis partition key, so it has that key's maximum length. */
export const MAX_ENTITY_KEY_LENGTH = KINESIS.partitionKeyMaxLength.value;

export function encodeEntityKey(
  joinKeys: readonly RegistryKey[],
  values: Readonly<Record<string, unknown>>,
): EntityKey {
  const parts = joinKeys.map((k) => `${tagOf(k.dtype)}${escapePart(keyText(k, values[k.name]))}`);
  const encoded = parts.join('|');
  if (encoded.length > MAX_ENTITY_KEY_LENGTH) {
    throw new ValidationError(
      `entity key is ${encoded.length} characters once encoded; the limit is ${MAX_ENTITY_KEY_LENGTH}`,
      joinKeys.map((k) => k.name).join(','),
    );
  }
  return encoded as EntityKey;
}

export function decodeEntityKey(
  joinKeys: readonly RegistryKey[],
  key: EntityKey,
): Record<string, KeyValue> {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    if (ch === '\\') current += key[++i] ?? '';
    else if (ch === '|') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  if (parts.length !== joinKeys.length)
    throw new ValidationError(
      `entity key '${key}' has ${parts.length} parts, expected ${joinKeys.length}`,
    );
  return Object.fromEntries(
    joinKeys.map((k, i) => {
      const part = parts[i]!;
      const body = part.slice(2);
      return [k.name, k.dtype === 'int64' ? Number(body) : body];
    }),
  );
}

/** Validates one join-key value; throws a ValidationError naming the key. */
export function checkKeyValue(key: RegistryKey, value: unknown): KeyValue {
  return keyValueOrThrow(key, value);
}

function keyText(key: RegistryKey, value: unknown): string {
  return String(keyValueOrThrow(key, value));
}

function keyValueOrThrow(key: RegistryKey, value: unknown): KeyValue {
  switch (key.dtype) {
    case 'string': {
      const problem = typeof value === 'string' ? stringProblem(value) : undefined;
      if (typeof value !== 'string' || value.length === 0 || problem) {
        throw new ValidationError(
          `join key '${key.name}' must be a non-empty string, got ${value === undefined ? 'nothing' : describe(value, problem)}`,
          key.name,
        );
      }
      return value;
    }
    case 'int64': {
      const problem = typeof value === 'number' ? int64Problem(value) : undefined;
      if (typeof value !== 'number' || problem) {
        throw new ValidationError(
          `join key '${key.name}' must be an int64 (a safe integer), got ${value === undefined ? 'nothing' : describe(value, problem)}`,
          key.name,
        );
      }
      return value + 0;
    }
    default:
      return assertNever(key.dtype, 'key dtype');
  }
}

function tagOf(dtype: KeyDtype): string {
  switch (dtype) {
    case 'string':
      return 's:';
    case 'int64':
      return 'i:';
    default:
      return assertNever(dtype, 'key dtype');
  }
}

function escapePart(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}
