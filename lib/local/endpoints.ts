/**
 * A running local stack (`npm start`) writes its endpoints to `<dataDir>/endpoints.json`, so
 * CLI commands in another shell (`skewless push`, `skewless get`) reach the same dynalite,
 * kinesalite and lookup server.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SkewlessError } from '../core/errors.ts';

export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly kinesis: string;
  /** Base URL of the local lookup HTTP API, when it is serving. */
  readonly lookup?: string;
  /** Base URL of the store's control endpoint (`POST /sync`), when it has one. */
  readonly control?: string;
  readonly prefix: string;
  readonly pid: number;
}

export const ENDPOINTS_FILE = 'endpoints.json';

export async function writeLocalEndpoints(
  dataDir: string,
  endpoints: LocalEndpoints,
): Promise<void> {
  await writeFile(path.join(dataDir, ENDPOINTS_FILE), `${JSON.stringify(endpoints, null, 2)}\n`);
}

export async function removeLocalEndpoints(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, ENDPOINTS_FILE), { force: true });
}

/** Reads the endpoints of the running local stack, or explains how to start one. */
export async function readLocalEndpoints(dataDir: string): Promise<LocalEndpoints> {
  const file = path.join(dataDir, ENDPOINTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new SkewlessError(
      `No local feature store is running for ${dataDir} (no ${file}). Start one with \`skewless dev\` (or \`npm start\` for the demo).`,
    );
  }
  const endpoints = JSON.parse(text) as LocalEndpoints;
  try {
    process.kill(endpoints.pid, 0);
  } catch {
    throw new SkewlessError(
      `The local feature store recorded in ${file} (pid ${endpoints.pid}) is not running. Start one with \`skewless dev\` (or \`npm start\` for the demo).`,
    );
  }
  return endpoints;
}

/**
 * Asks the running local store, if there is one for `dataDir`, to handle everything on its
 * streams and write its buffered offline rows, so a command that reads the offline store next
 * sees every record pushed before it. Resolves false when no store is running.
 */
export async function syncLocalStore(dataDir: string): Promise<boolean> {
  let endpoints: LocalEndpoints;
  try {
    endpoints = await readLocalEndpoints(dataDir);
  } catch {
    return false;
  }
  if (!endpoints.control) return false;
  const response = await fetch(`${endpoints.control}/sync`, { method: 'POST' });
  if (!response.ok)
    throw new SkewlessError(
      `the local store could not write its pending records: ${response.status} ${await response.text()}`,
    );
  return true;
}
