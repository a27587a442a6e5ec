/**
 * `skewless get --service S --entity origin=SFO --entity destination=LAX [--request k=v]`:
 * looks up one entity row and prints its vector (value, status, age). Locally it calls the
 * lookup server of the running `npm start`; `--endpoint` reaches a deployed API (SigV4-signed
 * with the default AWS credential chain).
 */
import type { Command } from 'commander';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createClient, LookupRequestError, regionOfHost } from '../../client/index.ts';
import type { Dtype, FeatureValue } from '../../define/dtypes.ts';
import { valueFromText } from '../../core/values.ts';
import type { KeyValue } from '../../core/entity-key.ts';
import { readLocalEndpoints } from '../../local/endpoints.ts';
import { getService } from '../../registry/query.ts';
import type { RegistryService } from '../../registry/types.ts';
import type { LookupResponse } from '../../serve/types.ts';
import { CliError, collect, EXIT, loadCliRegistry, withCommonOptions } from '../context.ts';

interface GetOptions {
  readonly defs: string;
  readonly data: string;
  readonly service: string;
  readonly entity: string[];
  readonly request: string[];
  readonly endpoint?: string;
  readonly region?: string;
  readonly json?: boolean;
}

export function registerGet(program: Command): void {
  withCommonOptions(
    program
      .command('get')
      .description('Look up one entity row of a feature service and print its vector')
      .requiredOption('--service <name>', 'feature service to look up')
      .option('--entity <key=value>', 'a join key value (repeat for each key)', collect, [])
      .option('--request <field=value>', 'a request field (repeat for each field)', collect, [])
      .option('--endpoint <url>', 'a deployed lookup API (requests are SigV4-signed)')
      .option('--region <region>', 'signing region (default: from the endpoint host)')
      .option('--json', 'print the response as JSON'),
  ).action(async (options: GetOptions) => {
    const { registry } = await loadCliRegistry(options);
    const service = getService(registry, options.service);
    const keys = parseKeys(service, options.entity);
    const request = parseRequest(service, options.request);
    const client = await clientFor(options);
    let response: LookupResponse;
    try {
      response = await client.get(service.name, [keys], request);
    } catch (error) {
      if (error instanceof LookupRequestError && error.status < 500) {
        throw new CliError(error.message, EXIT.usage, { cause: error });
      }
      if (error instanceof LookupRequestError) throw new CliError(error.message, EXIT.failure);
      throw new CliError(`lookup failed: ${(error as Error).message}`, EXIT.failure, {
        cause: error,
      });
    }
    console.log(options.json ? JSON.stringify(response, null, 2) : renderVector(response));
  });
}

async function clientFor(options: GetOptions) {
  if (options.endpoint) {
    const region =
      options.region ?? process.env.AWS_REGION ?? regionOfHost(new URL(options.endpoint).hostname);
    return createClient({
      endpoint: options.endpoint,
      region,
      credentials: defaultProvider(),
    });
  }
  const endpoints = await readLocalEndpoints(options.data);
  if (!endpoints.lookup) {
    throw new CliError(
      'the running local feature store serves no lookup API (no `lookup` in its endpoints.json)',
      EXIT.failure,
    );
  }
  return createClient({ endpoint: endpoints.lookup });
}

function parseKeys(service: RegistryService, pairs: readonly string[]): Record<string, KeyValue> {
  const out = parsePairs('--entity', 'join key', service, service.joinKeys, pairs);
  const missing = service.joinKeys.filter((k) => !(k.name in out)).map((k) => k.name);
  if (missing.length > 0) {
    throw new CliError(`missing --entity for join key(s): ${missing.join(', ')}`);
  }
  return out as Record<string, KeyValue>;
}

function parseRequest(
  service: RegistryService,
  pairs: readonly string[],
): Record<string, FeatureValue> | undefined {
  if (pairs.length === 0) return undefined;
  return parsePairs('--request', 'request field', service, service.request, pairs) as Record<
    string,
    FeatureValue
  >;
}

/**
 * `name=value` pairs of one flag → JSON values by each column's dtype (the text rules every
 * reader shares); the server validates them.
 */
function parsePairs(
  flag: string,
  what: string,
  service: RegistryService,
  columns: readonly { readonly name: string; readonly dtype: Dtype }[],
  pairs: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [name, text] = splitPair(pair, flag);
    const column = columns.find((c) => c.name === name);
    if (!column) {
      throw new CliError(
        `${flag} ${name}: not a ${what} of '${service.name}' (it takes: ${columns.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
    try {
      out[name] = valueFromText(column.dtype, text);
    } catch (error) {
      throw new CliError(`${flag} ${name}: ${(error as Error).message}`);
    }
  }
  return out;
}

function splitPair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError(`${flag} takes name=value, got '${pair}'`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** A plain table: output, value, status, age. */
export function renderVector(response: LookupResponse): string {
  const row = response.rows[0];
  if (!row) return '(no rows)';
  const lines = [
    `${response.service} at ${response.served_at} (registry ${response.registry_hash.slice(0, 12)}, request ${response.request_id})`,
    `keys: ${Object.entries(row.keys)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  ];
  const table = [
    ['output', 'value', 'status', 'age'],
    ...Object.entries(row.values).map(([name, value]) => [
      name,
      JSON.stringify(value),
      row.statuses[name] ?? '(transform)',
      formatAge(row.ages_ms[name]),
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table)
    lines.push(
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
  return lines.join('\n');
}

function formatAge(ms: number | null | undefined): string {
  if (ms === undefined) return '';
  if (ms === null) return '-';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${ms} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (abs < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}
