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
      `No local feature store is running for ${dataDir} (no ${file}). Start one with \`npm start\`.`,
    );
  }
  const endpoints = JSON.parse(text) as LocalEndpoints;
  try {
    process.kill(endpoints.pid, 0);
  } catch {
    throw new SkewlessError(
      `The local feature store recorded in ${file} (pid ${endpoints.pid}) is not running. Start one with \`npm start\`.`,
    );
  }
  return endpoints;
}
