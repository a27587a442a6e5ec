/**
 * Every row the local store holds, as text, place by place: each Parquet file's rows (offline
 * tables, the inference log, exports) as JSON, each JSON-lines and JSON document line (dead
 * letters, audit trail, manifests, baselines, endpoints), and each online item as canonical JSON.
 * The forget tests search these texts for the forgotten keys and compare the others' checksums.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DuckDBConnection } from '@duckdb/node-api';
import { canonicalJson } from '../../lib/core/canonical-json.ts';
import { filesUnder } from '../../lib/forget/local.ts';
import { stringLiteral } from '../../lib/sql/literals.ts';

export type StoreRows = Map<string, string[]>;

/** The place a data-folder file belongs to: its first folder (`offline/<table>` for tables). */
function placeOf(dataDir: string, file: string): string {
  const parts = path.relative(dataDir, file).split(path.sep);
  return parts[0] === 'offline' ? `offline/${parts[1]}` : parts[0]!;
}

export async function storeRows(
  dataDir: string,
  duckdb: DuckDBConnection,
  dynamodb: Pick<DynamoDBClient, 'send'>,
  table: string,
): Promise<StoreRows> {
  const rows: StoreRows = new Map();
  const add = (place: string, text: string) => rows.set(place, [...(rows.get(place) ?? []), text]);
  for (const file of await filesUnder(dataDir, '.parquet')) {
    const reader = await duckdb.runAndReadAll(
      `SELECT to_json(t)::VARCHAR FROM read_parquet(${stringLiteral(file)}, hive_partitioning = false) t`,
    );
    for (const [text] of reader.getRows()) add(placeOf(dataDir, file), String(text));
  }
  for (const suffix of ['.jsonl', '.json'])
    for (const file of await filesUnder(dataDir, suffix))
      for (const line of (await readFile(file, 'utf8')).split('\n'))
        if (line.length > 0)
          add(`${placeOf(dataDir, file)}${suffix === '.json' ? ':docs' : ''}`, withPayload(line));
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamodb.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }),
    );
    for (const item of out.Items ?? []) add('online', canonicalJson(item));
    start = out.LastEvaluatedKey;
  } while (start);
  for (const list of rows.values()) list.sort();
  return rows;
}

/** A dead letter's line with its base64 payload decoded beside it, so a search sees inside. */
function withPayload(line: string): string {
  const payload = /"data_base64":"([A-Za-z0-9+/=]*)"/.exec(line)?.[1];
  return payload ? `${line}\n${Buffer.from(payload, 'base64').toString('utf8')}` : line;
}

/** The forms a string key takes in stored text: itself, JSON-escaped, and entity-key-escaped. */
export function textForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const encoded = value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  return [...new Set([value, json, encoded, JSON.stringify(encoded).slice(1, -1)])];
}

/** True when the text holds any form of any of the values. */
export function mentions(text: string, values: readonly string[]): boolean {
  return values.some((v) => textForms(v).some((form) => text.includes(form)));
}
