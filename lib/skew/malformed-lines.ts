/**
 * Counts and names the log records the table refused: Firehose's error output (locally, the same
 * lines under `inference_log_errors/`), one JSON line per record with the record's bytes in
 * `rawData` (base64). For the first few it says which line of which file and why: not UTF-8, not
 * JSON (truncated), a lone surrogate (`\ud800`: no store can hold it), or a field missing or of
 * the wrong type; else the reason the writer gave.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { MalformedLine, MalformedLines } from './types.ts';

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
  if (!Number.isSafeInteger(r.served_at))
    return `field 'served_at' missing or not an integer of epoch microseconds`;
  if (!Number.isSafeInteger(r.row)) return `field 'row' missing or not an integer`;
  for (const field of ['values', 'statuses', 'ages_ms', 'keys'])
    if (typeof r[field] !== 'object' || r[field] === null || Array.isArray(r[field]))
      return `field '${field}' missing or not an object`;
  for (const [k, v] of Object.entries(r.ages_ms as object))
    if (!Number.isSafeInteger(v)) return `ages_ms.${k} is not an integer`;
  for (const field of ['values', 'statuses', 'keys', 'request'])
    for (const [k, v] of Object.entries((r[field] ?? {}) as object))
      if (typeof v !== 'string') return `${field}.${k} is not text`;
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

/**
 * Every record of Firehose's error output in `files` (JSON lines, GZIP or plain) counted, and the
 * first `limit` named (in file order).
 */
export async function findRejectedRecords(
  files: readonly string[],
  limit = MALFORMED_EXAMPLES,
): Promise<MalformedLines> {
  const examples: MalformedLine[] = [];
  let count = 0;
  for (const file of files) {
    let line = 0;
    for await (const bytes of readLines(file)) {
      line++;
      if (bytes.length === 0) continue;
      count++;
      if (examples.length >= limit) continue;
      const { raw, message } = rejectedRecord(bytes);
      const reason = malformedReason(raw) ?? message;
      examples.push({ file: path.basename(file), line, reason, excerpt: excerpt(raw) });
    }
  }
  return { count, examples };
}

/** The record's own bytes and the writer's reason, from one error-output line. */
function rejectedRecord(bytes: Buffer): { raw: Buffer; message: string } {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { rawData?: unknown; errorMessage?: unknown };
    if (typeof doc.rawData === 'string')
      return {
        raw: Buffer.from(doc.rawData, 'base64'),
        message: typeof doc.errorMessage === 'string' ? doc.errorMessage : 'refused by the table',
      };
  } catch {
    // Not an error-output line: name the line itself.
  }
  return { raw: bytes, message: 'not an error-output record' };
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
