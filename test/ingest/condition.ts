/**
 * DynamoDB condition expressions, evaluated the way DynamoDB does, for the in-memory online
 * store: the fake runs the very `ConditionExpression` the writers send, not a re-statement of
 * the rule. It knows the grammar the writers use (`attribute_exists`, `attribute_not_exists`,
 * `=`, `<>`, `<`, `<=`, `>`, `>=`, `AND`, `OR`, `NOT`, parentheses) and refuses anything else by
 * name, so a writer using more fails here loudly rather than passing unchecked.
 *
 * Comparisons follow DynamoDB: numbers by value, strings by their UTF-8 bytes, a comparison with
 * a missing attribute or between different types is false. (dynalite compares strings by UTF-16
 * code units, which differs only past U+FFFF; record ids are ASCII, so the stores agree.)
 */
import type { AttributeValue, Item } from '../../lib/core/online-item.ts';

export interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
}

export class ConditionSyntaxError extends Error {
  constructor(expression: string, detail: string) {
    super(`unsupported condition expression '${expression}': ${detail}`);
    this.name = 'ValidationException';
  }
}

type Token = { kind: 'name' | 'value' | 'word' | 'op' | '(' | ')' | ','; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(<>|<=|>=|=|<|>)|([(),]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (!m) throw new ConditionSyntaxError(expression, `cannot read '${expression.slice(at)}'`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'word', text: m[3].toUpperCase() });
    else if (m[4]) tokens.push({ kind: 'op', text: m[4] });
    else tokens.push({ kind: m[5] as '(' | ')' | ',', text: m[5]! });
  }
  return tokens;
}

/** True when `condition` holds for `stored` (undefined: no item under that key). */
export function evaluateCondition(condition: Condition, stored: Item | undefined): boolean {
  const expression = condition.ConditionExpression;
  const tokens = tokenize(expression);
  let i = 0;
  const fail = (detail: string): never => {
    throw new ConditionSyntaxError(expression, detail);
  };
  const peek = () => tokens[i];
  const take = (kind: Token['kind'], text?: string): Token => {
    const t = tokens[i];
    if (!t || t.kind !== kind || (text !== undefined && t.text !== text))
      fail(`expected ${text ?? kind} at token ${i + 1}`);
    i++;
    return t!;
  };
  const attribute = (t: Token): AttributeValue | undefined => {
    const name = condition.ExpressionAttributeNames?.[t.text] ?? fail(`unknown name ${t.text}`);
    return stored?.[name];
  };
  const operand = (): AttributeValue | undefined => {
    const t = peek();
    if (t?.kind === 'name') return attribute(take('name'));
    if (t?.kind === 'value') {
      const v = take('value');
      return condition.ExpressionAttributeValues?.[v.text] ?? fail(`unknown value ${v.text}`);
    }
    return fail(`expected an operand at token ${i + 1}`);
  };

  const orExpr = (): boolean => {
    let result = andExpr();
    while (peek()?.kind === 'word' && peek()!.text === 'OR') {
      take('word', 'OR');
      result = andExpr() || result;
    }
    return result;
  };
  const andExpr = (): boolean => {
    let result = notExpr();
    while (peek()?.kind === 'word' && peek()!.text === 'AND') {
      take('word', 'AND');
      result = notExpr() && result;
    }
    return result;
  };
  const notExpr = (): boolean => {
    if (peek()?.kind === 'word' && peek()!.text === 'NOT') {
      take('word', 'NOT');
      return !notExpr();
    }
    return primary();
  };
  const primary = (): boolean => {
    const t = peek();
    if (t?.kind === '(') {
      take('(');
      const result = orExpr();
      take(')');
      return result;
    }
    if (t?.kind === 'word') {
      const fn = take('word').text;
      if (fn !== 'ATTRIBUTE_EXISTS' && fn !== 'ATTRIBUTE_NOT_EXISTS')
        fail(`function ${fn} is not supported`);
      take('(');
      const exists = attribute(take('name')) !== undefined;
      take(')');
      return fn === 'ATTRIBUTE_EXISTS' ? exists : !exists;
    }
    const left = operand();
    const op = take('op').text;
    return compare(left, op, operand());
  };

  const result = orExpr();
  if (i !== tokens.length) fail(`unexpected '${tokens[i]!.text}' at token ${i + 1}`);
  return result;
}

function compare(
  left: AttributeValue | undefined,
  op: string,
  right: AttributeValue | undefined,
): boolean {
  const order = ordering(left, right);
  if (order === undefined) return op === '<>' && left !== undefined && right !== undefined;
  switch (op) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/** -1/0/1 for two scalars of one type (N by value, S by UTF-8 bytes); undefined otherwise. */
function ordering(
  a: AttributeValue | undefined,
  b: AttributeValue | undefined,
): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if ('N' in a && 'N' in b) {
    const [x, y] = [Number(a.N), Number(b.N)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ('S' in a && 'S' in b) return Math.sign(Buffer.compare(Buffer.from(a.S), Buffer.from(b.S)));
  return undefined;
}
