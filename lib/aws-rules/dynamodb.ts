/** DynamoDB: item size, capacity units, batch limits, the number range, table names. */
import { awsRule, KiB } from './rule.ts';

const SIZES =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html';
const UNITS =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html';

export const DYNAMODB = {
  /** An item, attribute names and values together, is at most 400 KB. */
  itemMaxBytes: awsRule(
    400 * KiB,
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items',
  ),
  /** One read unit: a strongly consistent read of up to 4 KB; eventually consistent costs half. */
  readUnitBytes: awsRule(4 * KiB, UNITS),
  /** One write unit: a write of up to 1 KB; a PutItem over an item bills the larger of the two. */
  writeUnitBytes: awsRule(1 * KiB, UNITS),
  /** BatchGetItem: at most 100 keys and 16 MB per call; each item is rounded up to 4 KB. */
  batchGetMaxKeys: awsRule(
    100,
    'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html',
  ),
  /** Numbers: magnitudes from 1e-130 to 9.99…e125, up to 38 significant digits. */
  numberRange: awsRule(
    { maxMagnitude: 9.99e125, minMagnitude: 1e-130, maxDigits: 38 },
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html',
  ),
  /** A List or Map costs 3 bytes plus 1 byte per element; null and Boolean 1 byte. */
  itemSizeFormula: awsRule({ containerBytes: 3, elementBytes: 1, scalarBytes: 1 }, SIZES),
} as const;

/** The attribute value shapes whose size DynamoDB defines (structurally the SDK's). */
export type SizedAttribute =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: SizedAttribute[] }
  | { M: Record<string, SizedAttribute> };

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A number's size: 1 byte per two significant digits, plus 1 (leading and trailing zeros trimmed). */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: SizedAttribute): number {
  const f = DYNAMODB.itemSizeFormula.value;
  if ('S' in value) return utf8(value.S);
  if ('N' in value) return numberBytes(value.N);
  if ('BOOL' in value || 'NULL' in value) return f.scalarBytes;
  if ('L' in value)
    return f.containerBytes + value.L.reduce((n, v) => n + f.elementBytes + valueBytes(v), 0);
  return (
    f.containerBytes +
    Object.entries(value.M).reduce((n, [k, v]) => n + f.elementBytes + utf8(k) + valueBytes(v), 0)
  );
}

/** The size DynamoDB bills and limits: the sum of attribute names and values. */
export function dynamoItemBytes(item: Readonly<Record<string, SizedAttribute>>): number {
  return Object.entries(item).reduce((n, [name, v]) => n + utf8(name) + valueBytes(v), 0);
}

/** Read units of one item read (BatchGetItem rounds each item up to 4 KB on its own). */
export function readUnits(itemBytes: number, consistency: 'strong' | 'eventual'): number {
  const units = Math.max(1, Math.ceil(itemBytes / DYNAMODB.readUnitBytes.value));
  return consistency === 'strong' ? units : units / 2;
}

/** Write units of one PutItem: the larger of the old and the new item, per started 1 KB. */
export function writeUnits(newItemBytes: number, oldItemBytes = 0): number {
  return Math.max(
    1,
    Math.ceil(Math.max(newItemBytes, oldItemBytes) / DYNAMODB.writeUnitBytes.value),
  );
}
