/**
 * Hostile and careless lookups on the local API ("Bad input" in docs/semantics.md): each gets a 4xx
 * naming the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalLookup, type LocalLookup } from '../../lib/local/lookup.ts';
import type { LocalStack } from '../../lib/local/stack.ts';
import { postJson, runtime, T0, withStack } from './fixtures.ts';

const SERVICE = 'departure_delay_model';

let stack: LocalStack;
let cleanup: () => Promise<void>;
let lookup: LocalLookup;

beforeAll(async () => {
  ({ stack, cleanup } = await withStack());
  lookup = await startLocalLookup({ stack, runtime, clock: () => T0, logFlushIntervalMs: 10 });
});

afterAll(async () => {
  await lookup?.close();
  await cleanup?.();
});

function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

describe('bad lookups on the local API', () => {
  it.each([
    [
      'a key holding a lone surrogate',
      JSON.stringify({
        service: SERVICE,
        entities: [{ origin: '\ud800', destination: 'LAX' }],
      }),
      /entities\[0\]: join key 'origin' .*lone surrogate \(U\+D800 at index 0\)/,
    ],
    [
      'a lone surrogate written as a JSON escape',
      `{"service":"${SERVICE}","entities":[{"origin":"SFO","destination":"L\\udc00X"}]}`,
      /join key 'destination' .*lone surrogate \(U\+DC00 at index 1\)/,
    ],
    [
      'a request value nested 5,000 arrays deep',
      `{"service":"${SERVICE}","entities":[{"origin":"SFO","destination":"LAX"}],"request":{"scheduled_hour":${nested(5000)}}}`,
      /the request body nests more than 16 levels deep/,
    ],
    [
      'a key nested 5,000 arrays deep',
      `{"service":"${SERVICE}","entities":[{"origin":${nested(5000)},"destination":"LAX"}]}`,
      /the request body nests more than 16 levels deep/,
    ],
    [
      'scheduled_hour 1e400',
      `{"service":"${SERVICE}","entities":[{"origin":"SFO","destination":"LAX"}],"request":{"scheduled_hour":1e400}}`,
      /request field 'scheduled_hour': .*Infinity is not a finite number \(.*1e400/,
    ],
    [
      'scheduled_hour 0.5',
      `{"service":"${SERVICE}","entities":[{"origin":"SFO","destination":"LAX"}],"request":{"scheduled_hour":0.5}}`,
      /request field 'scheduled_hour': expected int64 .*0\.5 is not an integer/,
    ],
  ])('answers 400 naming the problem for %s', async (_, body, message) => {
    const { status, json } = await postJson(lookup.url, body);
    expect(status).toBe(400);
    expect(json.error.message).toMatch(message);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    [undefined, 'none'],
  ])('answers 415 to a lookup sent as %s', async (type, shown) => {
    const body = JSON.stringify({
      service: SERVICE,
      entities: [{ origin: 'SFO', destination: 'LAX' }],
    });
    const res = await fetch(`${lookup.url}/features`, {
      method: 'POST',
      // fetch labels a string body text/plain unless told otherwise; a Blob without a type
      // sends no content-type at all.
      ...(type ? { headers: { 'content-type': type } } : {}),
      body: type ? body : new Blob([body]),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `/features takes content-type application/json, got ${shown}`,
    );
  });

  it('accepts application/json with a charset', async () => {
    const res = await fetch(`${lookup.url}/features`, {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body: JSON.stringify({ service: SERVICE, entities: [{ origin: 'SFO', destination: 'LAX' }] }),
    });
    expect(res.status).toBe(200);
  });

  it('names the path of POST //features and lists the routes', async () => {
    const res = await fetch(`${lookup.url}//features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "no route '//features' (routes: POST /features, GET /health)",
    );
  });
});
