import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findMalformedLines, malformedReason } from '../../lib/skew/malformed-lines.ts';

const good = {
  request_id: 'r-1',
  row: 0,
  served_at: '2001-03-02T10:00:00.000Z',
  service: 's',
  registry_hash: 'h',
  entity_key: 's:ATL',
  keys: { origin: 'ATL' },
  request: {},
  values: { a: 1 },
  statuses: { a: 'present' },
  ages_ms: { a: 5 },
};
const line = (doc: unknown) => Buffer.from(JSON.stringify(doc));

describe('a log line that is not a served vector', () => {
  it('is told apart from a served vector, with the reason', () => {
    expect(malformedReason(line(good))).toBeNull();
    expect(malformedReason(line({ ...good, values: { a: 'x\udc00y' } }))).toBe(
      'lone surrogate in values.a',
    );
    expect(malformedReason(line({ ...good, values: { a: '\ud83d\ude00' } }))).toBeNull();
    expect(malformedReason(line([good]))).toBe('not a JSON object');
    expect(malformedReason(line({ ...good, served_at: 'yesterday' }))).toMatch(/served_at/);
    expect(malformedReason(line({ ...good, row: 1.5 }))).toMatch(/'row'/);
    expect(malformedReason(line({ ...good, ages_ms: { a: 'old' } }))).toMatch(/ages_ms\.a/);
    const { statuses: _statuses, ...noStatuses } = good;
    expect(malformedReason(line(noStatuses))).toMatch(/'statuses' missing/);
    expect(malformedReason(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('not UTF-8');
    expect(malformedReason(Buffer.from('{"request_id":'))).toMatch(/^not valid JSON/);
  });

  it('is named by file and line across GZIP members, up to the limit', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-malformed-'));
    const file = path.join(dir, 'part-0.jsonl.gz');
    const text = [JSON.stringify(good), '{"trunc', JSON.stringify(good), '', '[1]', 'x'].join('\n');
    await writeFile(file, Buffer.concat([gzipSync(text.slice(0, 30)), gzipSync(text.slice(30))]));
    const found = await findMalformedLines([file], 2);
    expect(found.map((m) => [m.file, m.line, m.reason.split(' (')[0]])).toEqual([
      ['part-0.jsonl.gz', 2, 'not valid JSON'],
      ['part-0.jsonl.gz', 5, 'not a JSON object'],
    ]);
    await rm(dir, { recursive: true, force: true });
  });
});
