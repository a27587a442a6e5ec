/**
 * Names the log lines the check could not read. DuckDB reads the day in bulk and only counts a
 * line it cannot read (`loadDayLog`); when there are any, this reads the files again line by line
 * (GZIP or plain), and says for the first few which line of which file and why: not UTF-8, not
 * JSON (truncated), a lone surrogate (`\ud800`: no store can hold it), or a field missing or of
 * the wrong type. It stops as soon as it has named as many as it needs.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { MalformedLine } from './types.ts';

/** A UTF-16 surrogate without its pair (what `JSON.parse('"\\ud800"')` gives). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Lines named per report (the count covers all). */
export const MALFORMED_EXAMPLES = 5;
const EXCERPT_CHARS = 80;

/** Why one line is not a served vector, or null when it is one. */
export function malformedReason(bytes: Buffer): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not UTF-8';
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const surrogate = loneSurrogatePath(doc, '');
  if (surrogate !== null) return `lone surrogate in ${surrogate || 'the record'}`;
  const r = doc as Record<string, unknown>;
  for (const field of ['request_id', 'service', 'entity_key', 'registry_hash'])
    if (typeof r[field] !== 'string') return `field '${field}' missing or not a string`;
  if (typeof r.served_at !== 'string' || Number.isNaN(Date.parse(r.served_at)))
    return `field 'served_at' missing or not an ISO-8601 instant`;
  if (!Number.isSafeInteger(r.row)) return `field 'row' missing or not an integer`;
  for (const field of ['values', 'statuses', 'ages_ms', 'keys'])
    if (typeof r[field] !== 'object' || r[field] === null || Array.isArray(r[field]))
      return `field '${field}' missing or not an object`;
  for (const [k, v] of Object.entries(r.ages_ms as object))
    if (v !== null && !Number.isSafeInteger(v)) return `ages_ms.${k} is not an integer`;
  return null;
}

/** The path (`values.x`) of the first string with a lone surrogate, or null. */
function loneSurrogatePath(value: unknown, at: string): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? at : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [k, v] of Object.entries(value)) {
    if (LONE_SURROGATE.test(k)) return at ? `${at} (a key)` : 'a key';
    const found = loneSurrogatePath(v, at ? `${at}.${k}` : k);
    if (found !== null) return found;
  }
  return null;
}

/** The first `limit` malformed lines of `files` (in file order), read line by line. */
export async function findMalformedLines(
  files: readonly string[],
  limit = MALFORMED_EXAMPLES,
): Promise<MalformedLine[]> {
  const found: MalformedLine[] = [];
  for (const file of files) {
    if (found.length >= limit) break;
    let line = 0;
    for await (const bytes of readLines(file)) {
      line++;
      if (bytes.length === 0) continue;
      const reason = malformedReason(bytes);
      if (reason === null) continue;
      found.push({ file: path.basename(file), line, reason, excerpt: excerpt(bytes) });
      if (found.length >= limit) break;
    }
  }
  return found;
}

/** The first characters of a line, invalid bytes and control characters escaped. */
function excerpt(bytes: Buffer): string {
  const text = bytes.subarray(0, EXCERPT_CHARS * 4).toString('utf8');
  const cut = [...text].slice(0, EXCERPT_CHARS).join('');
  let shown = '';
  for (const c of cut) {
    const code = c.charCodeAt(0);
    const unprintable = code < 0x20 || code === 0x7f || code === 0xfffd;
    shown += unprintable ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return text.length > cut.length ? `${shown}…` : shown;
}

/** The lines of a file as bytes (no newline), decompressing GZIP (by content, not name). */
async function* readLines(file: string): AsyncGenerator<Buffer> {
  const head = await firstBytes(file, 2);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const stream = gzip ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      yield data.subarray(start, nl);
      start = nl + 1;
    }
    data = data.subarray(start);
    rest = Buffer.from(data);
  }
  if (rest.length > 0) yield rest;
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: 0, end: n - 1 }))
    chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
