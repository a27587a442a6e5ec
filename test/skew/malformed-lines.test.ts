import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findRejectedRecords, malformedReason } from '../../lib/skew/malformed-lines.ts';

/** A log row as the lookup sends it (`encodeLogRow`). */
const good = {
  request_id: 'r-1',
  row: 0,
  served_at: 983527200000000,
  service: 's',
  registry_hash: 'h',
  entity_key: 's:ATL',
  keys: { origin: 'ATL' },
  request: {},
  values: { a: '1' },
  statuses: { a: 'present' },
  ages_ms: { a: 5 },
};
const line = (doc: unknown) => Buffer.from(JSON.stringify(doc));

describe('a log record that is not a served vector', () => {
  it('is told apart from a served vector, with the reason', () => {
    expect(malformedReason(line(good))).toBeNull();
    expect(malformedReason(line({ ...good, values: { a: 'x\udc00y' } }))).toBe(
      'lone surrogate in values.a',
    );
    expect(malformedReason(line({ ...good, values: { a: '\ud83d\ude00' } }))).toBeNull();
    expect(malformedReason(line([good]))).toBe('not a JSON object');
    expect(malformedReason(line({ ...good, served_at: '2001-03-02T10:00:00Z' }))).toMatch(
      /served_at.*microseconds/,
    );
    expect(malformedReason(line({ ...good, row: 1.5 }))).toMatch(/'row'/);
    expect(malformedReason(line({ ...good, ages_ms: { a: 'old' } }))).toMatch(/ages_ms\.a/);
    expect(malformedReason(line({ ...good, values: { a: 1 } }))).toBe('values.a is not text');
    const { statuses: _statuses, ...noStatuses } = good;
    expect(malformedReason(line(noStatuses))).toMatch(/'statuses' missing/);
    expect(malformedReason(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('not UTF-8');
    expect(malformedReason(Buffer.from('{"request_id":'))).toMatch(/^not valid JSON/);
  });

  it("counts every record of Firehose's error output and names the first few by file and line", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skewless-malformed-'));
    const failed = (raw: Buffer, errorMessage: string) =>
      JSON.stringify({
        errorCode: 'Iceberg.InvalidRecord',
        errorMessage,
        rawData: raw.toString('base64'),
      });
    const text = [
      failed(Buffer.from('{"trunc'), 'bad json'),
      '',
      failed(line({ ...good, values: { a: 'ok' } }), 'the table refused it'),
      failed(Buffer.from('[1]'), 'not an object'),
    ].join('\n');
    const file = path.join(dir, 'part-0.jsonl.gz');
    await writeFile(file, Buffer.concat([gzipSync(text.slice(0, 30)), gzipSync(text.slice(30))]));
    const found = await findRejectedRecords([file], 2);
    expect(found.count).toBe(3);
    expect(found.examples.map((m) => [m.file, m.line, m.reason.split(' (')[0]])).toEqual([
      ['part-0.jsonl.gz', 1, 'not valid JSON'],
      // A well-formed record the writer still refused is named by the writer's reason.
      ['part-0.jsonl.gz', 3, 'the table refused it'],
    ]);
    expect(found.examples[0]!.excerpt).toBe('{"trunc');
    await rm(dir, { recursive: true, force: true });
  });
});
