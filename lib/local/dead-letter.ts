/**
 * The local dead-letter sink: one JSON line per letter (the body SQS would hold) appended to
 * `<dataDir>/dead-letter/ingest-<YYYY-MM-DD>.jsonl`, dated by when ingestion gave up. Offline
 * rows the Parquet writer refused go to `<dataDir>/dead-letter/offline/<table>.jsonl` (where
 * Firehose would write its error output).
 */
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../ingest/dead-letter.ts';
import { offlineTableName } from '../core/columns.ts';
import type { RegistryView } from '../registry/types.ts';
import { LocalServiceError } from './firehose.ts';

export function localDeadLetterDir(dataDir: string): string {
  return path.join(dataDir, 'dead-letter');
}

export interface LocalDeadLetterOptions {
  /** Fault injection: reject this send (as a throttled SQS call would be). */
  readonly failSend?: () => boolean;
}

export function localDeadLetterSink(
  dataDir: string,
  options: LocalDeadLetterOptions = {},
): DeadLetterSink {
  const dir = localDeadLetterDir(dataDir);
  let chain: Promise<void> = Promise.resolve();
  return {
    send(letters: readonly DeadLetter[]) {
      if (options.failSend?.())
        return Promise.reject(
          new LocalServiceError('AWS.SimpleQueueService.RequestThrottled', 'injected', 'server'),
        );
      const byFile = new Map<string, string[]>();
      for (const letter of letters) {
        const file = path.join(dir, `ingest-${letter.failed_at.slice(0, 10)}.jsonl`);
        byFile.set(file, [...(byFile.get(file) ?? []), JSON.stringify(letter)]);
      }
      // Appends are serialized so concurrent sends never interleave lines.
      const run = chain.then(async () => {
        await mkdir(dir, { recursive: true });
        for (const [file, lines] of byFile) await appendFile(file, `${lines.join('\n')}\n`);
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}

/** Every letter stored under `dataDir`, oldest file first. */
export async function readLocalDeadLetters(dataDir: string): Promise<DeadLetter[]> {
  const dir = localDeadLetterDir(dataDir);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  } catch {
    return [];
  }
  const letters: DeadLetter[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    for (const line of text.split('\n')) if (line) letters.push(JSON.parse(line) as DeadLetter);
  }
  return letters;
}

/** Sets aside offline rows the Parquet writer refused, each with its reason and time. */
export async function appendRefusedOfflineRows(
  dataDir: string,
  view: Pick<RegistryView, 'name' | 'version'>,
  rows: readonly { readonly row: string; readonly error: string }[],
  at: number,
): Promise<void> {
  const dir = path.join(localDeadLetterDir(dataDir), 'offline');
  await mkdir(dir, { recursive: true });
  const failedAt = new Date(at).toISOString();
  const lines = rows.map((r) =>
    JSON.stringify({ failed_at: failedAt, error: r.error, row: r.row }),
  );
  await appendFile(path.join(dir, `${offlineTableName(view)}.jsonl`), `${lines.join('\n')}\n`);
}
