/**
 * The local inference log, in the format Firehose writes in AWS: GZIP JSON lines under
 * `<dataDir>/inference_log/served_date=YYYY-MM-DD/part-<writer>.jsonl.gz` (one partition per UTC
 * day, so a night reads one day), one `InferenceLogRecord` per line, readable by DuckDB:
 * `read_json('<dataDir>/inference_log/*\/*.jsonl.gz', format='newline_delimited')`.
 * Each batch is appended as one GZIP member of whole lines (a multi-member GZIP file is one
 * stream to every reader), so a reader never sees half a record.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { utcDate } from '../core/inference-log.ts';
import type { InferenceLogWriter } from '../serve/inference-log-sink.ts';

export const INFERENCE_LOG_DIR = 'inference_log';
/** GZIP JSON lines, as Firehose writes them (`compressionFormat: 'GZIP'`). */
export const INFERENCE_LOG_EXTENSION = '.jsonl.gz';

/** The folder holding every date partition of the local inference log. */
export function localInferenceLogDir(dataDir: string): string {
  return path.join(dataDir, INFERENCE_LOG_DIR);
}

export function createLocalInferenceLogWriter(dataDir: string): InferenceLogWriter {
  const part = `part-${Date.now()}-${randomUUID().slice(0, 8)}${INFERENCE_LOG_EXTENSION}`;
  const made = new Set<string>();
  return {
    maxBatchRecords: 500,
    async write(batch) {
      const byDate = new Map<string, string[]>();
      for (const record of batch) {
        const date = utcDate(Date.parse(record.served_at));
        let lines = byDate.get(date);
        if (!lines) byDate.set(date, (lines = []));
        lines.push(JSON.stringify(record));
      }
      for (const [date, lines] of byDate) {
        const dir = path.join(localInferenceLogDir(dataDir), `served_date=${date}`);
        if (!made.has(dir)) {
          await mkdir(dir, { recursive: true });
          made.add(dir);
        }
        await appendFile(path.join(dir, part), gzipSync(`${lines.join('\n')}\n`));
      }
      return { failed: [] };
    },
  };
}
