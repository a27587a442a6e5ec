/**
 * The keys of a forget request: `--entity name=value` pairs (one entity) and a file of keys for
 * bulk requests, JSON lines (one object of an entity's keys per line) or CSV with a header (each
 * cell typed by its key's dtype, the text rule every reader shares). A bad line is named with its
 * line number; nothing is forgotten until every key is valid.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ValidationError } from '../core/errors.ts';
import { valueFromText } from '../core/values.ts';
import type { Registry } from '../registry/types.ts';
import { forgetKeyOf, type ForgetKey } from './keys.ts';

/** `name=value` pairs → one key; values typed by the entity that has exactly those keys. */
export function forgetKeyOfPairs(registry: Registry, pairs: readonly string[]): ForgetKey {
  const texts: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ValidationError(`--entity takes name=value, got '${pair}'`);
    texts[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return forgetKeyOf(registry, typedByEntity(registry, texts));
}

function typedByEntity(
  registry: Registry,
  texts: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const names = Object.keys(texts);
  const entity = registry.entities.find(
    (e) => e.keys.length === names.length && e.keys.every((k) => names.includes(k.name)),
  );
  if (!entity) return texts; // forgetKeyOf names the entities
  return Object.fromEntries(
    entity.keys.map((k) => [k.name, valueFromText(k.dtype, texts[k.name]!)]),
  );
}

/** Every key of a JSON-lines or CSV file. */
export async function readForgetKeys(registry: Registry, file: string): Promise<ForgetKey[]> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const csv = file.toLowerCase().endsWith('.csv');
  const keys: ForgetKey[] = [];
  let header: string[] | undefined;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      // Plain CSV only: a quoted cell could hide a comma; JSON lines carry any value.
      if (csv && line.includes('"'))
        throw new ValidationError(
          'quoted CSV cells are not read here; give such keys as JSON lines',
        );
      if (csv && !header) {
        header = line.split(',').map((h) => h.trim());
        continue;
      }
      if (csv) {
        const cells = line.split(',');
        keys.push(
          forgetKeyOf(
            registry,
            typedByEntity(registry, Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? '']))),
          ),
        );
      } else keys.push(forgetKeyOf(registry, JSON.parse(line) as Record<string, unknown>));
    } catch (error) {
      throw new ValidationError(`${file} line ${n}: ${(error as Error).message}`);
    }
  }
  return keys;
}
