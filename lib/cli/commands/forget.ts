/**
 * `skewless forget --entity KEY=VALUE … [--keys FILE] [--exports] [--aws]`: erases entities from
 * every store, log and export, refuses their records at or before now for good (tombstones), and
 * writes an audit record (`lib/forget/`, docs/semantics.md "Forgetting an entity"). Locally it
 * works on the running `skewless dev` and its data folder; with `--aws` on the deployment's
 * table, Iceberg tables (Athena) and bucket. Rerun it after a failure: it resumes the request.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../core/errors.ts';
import { onlineTableName } from '../../core/naming.ts';
import { SDK_SINGLE_ATTEMPT } from '../../core/retry.ts';
import {
  athenaLogPlace,
  athenaOfflinePlace,
  s3AuditBlobs,
  s3ExportFiles,
} from '../../forget/aws.ts';
import type { AuditRecord } from '../../forget/audit.ts';
import { exportPlace } from '../../forget/exports.ts';
import { forgetKeyOfPairs, readForgetKeys } from '../../forget/key-file.ts';
import type { ForgetKey } from '../../forget/keys.ts';
import { localForgetDeps } from '../../forget/local-deps.ts';
import { dynamoForgetStore } from '../../forget/online-aws.ts';
import { runForget, type ForgetDeps } from '../../forget/run.ts';
import { readLocalEndpoints, syncLocalStore } from '../../local/endpoints.ts';
import { LOCAL_AWS } from '../../local/stack.ts';
import type { Registry } from '../../registry/types.ts';
import { CliError, collect, EXIT, loadCliRegistry } from '../context.ts';
import { withDuckDb } from './materialize.ts';
import {
  openTarget,
  storeCommand,
  withAthenaWorld,
  type AwsTarget,
  type TargetOptions,
} from '../store-target.ts';

interface ForgetOptions extends TargetOptions {
  readonly defs: string;
  readonly entity: string[];
  readonly keys?: string;
  readonly exports?: boolean;
  readonly requestedBy?: string;
  readonly settleSeconds?: string;
}

export function registerForget(program: Command): void {
  storeCommand(
    program,
    'forget',
    'Erase entities from every store, log and (--exports) export, refuse their past records for good, and audit it',
  )
    .option('--entity <key=value>', "one entity's full key (repeat for each key)", collect, [])
    .option('--keys <file>', 'a file of keys for bulk requests: JSON lines, or CSV with a header')
    .option('--exports', 'rewrite the exports holding the keys (else they are listed)')
    .option('--requested-by <who>', 'who asked, for the audit trail (default: the OS user)')
    .option(
      '--settle-seconds <n>',
      "with --aws: wait this long after the tombstones for in-flight records and vectors to land (default: the construct's longest Firehose buffer plus Lambda timeout, 360)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 a store failed (rerun: it resumes the request), 2 bad keys or arguments.',
    )
    .action(async (options: ForgetOptions) => {
      const { registry } = await loadCliRegistry(options);
      const keys = await requestKeys(registry, options);
      const outcome = await withDuckDb(async (duckdb) => {
        if (options.aws) return forgetInAws(registry, options, keys, duckdb);
        const endpoints = await readLocalEndpoints(options.data).catch((error: unknown) => {
          throw new CliError((error as Error).message, EXIT.failure, { cause: error });
        });
        const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: endpoints.dynamodb });
        try {
          const deps = localForgetDeps({
            registry,
            dataDir: options.data,
            duckdb,
            dynamodb,
            onlineTable: onlineTableName({ prefix: endpoints.prefix }),
            settle: () => syncLocalStore(options.data),
          });
          return await run(deps, keys, options);
        } finally {
          dynamodb.destroy();
        }
      });
      console.log(options.json ? JSON.stringify(outcome.record) : formatForget(outcome.record));
    });
}

async function run(deps: ForgetDeps, keys: readonly ForgetKey[], options: ForgetOptions) {
  return runForget(deps, {
    keys,
    requestedBy: options.requestedBy ?? os.userInfo().username,
    rewriteExports: options.exports === true,
  });
}

async function requestKeys(registry: Registry, options: ForgetOptions): Promise<ForgetKey[]> {
  try {
    const keys: ForgetKey[] = [];
    if (options.entity.length > 0) keys.push(forgetKeyOfPairs(registry, options.entity));
    if (options.keys) keys.push(...(await readForgetKeys(registry, options.keys)));
    if (keys.length === 0) throw new ValidationError('give --entity KEY=VALUE or --keys FILE');
    return keys;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message, EXIT.usage, { cause: error });
  }
}

async function forgetInAws(
  registry: Registry,
  options: ForgetOptions,
  keys: readonly ForgetKey[],
  duckdb: Parameters<typeof exportPlace>[0],
) {
  const deadline = await import('../../forget/deadline.ts');
  const settle =
    options.settleSeconds === undefined
      ? deadline.settleMs()
      : Number(options.settleSeconds) * 1000;
  if (!Number.isFinite(settle) || settle < 0)
    throw new CliError(
      `--settle-seconds must be a number of seconds, got '${options.settleSeconds}'`,
    );
  const target = (await openTarget(options)) as AwsTarget;
  const region = options.region ? { region: options.region } : {};
  const dynamodb = new DynamoDBClient({ ...region, ...SDK_SINGLE_ATTEMPT });
  try {
    return await withAthenaWorld(target, duckdb, async (world) => {
      const athena = { ...world, glueDatabase: target.database };
      const s3 = { s3: target.s3, bucket: target.bucket };
      const deps: ForgetDeps = {
        registry,
        online: dynamoForgetStore(dynamodb, options.table ?? onlineTableName(options)),
        places: [athenaOfflinePlace(athena, registry), athenaLogPlace(athena)],
        exports: exportPlace(duckdb, s3ExportFiles(s3), registry),
        audit: s3AuditBlobs(s3),
        settle: () => world.sleep(settle),
        clock: Date.now,
        physicalRemoval: deadline.physicalRemoval(),
      };
      return run(deps, keys, options);
    });
  } finally {
    dynamodb.destroy();
    target.close();
  }
}

export function formatForget(record: AuditRecord): string {
  const lines = [
    `forgot ${record.keys.length} key(s): request ${record.requestId} at ${record.forgottenAt}, by ${record.requestedBy}`,
  ];
  for (const [place, counts] of Object.entries(record.removed)) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const parts = Object.entries(counts).map(([part, n]) => `${part} ${n}`);
    lines.push(`  ${place}: ${total} removed${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`);
  }
  const held = Object.entries(record.exports.held);
  if (held.length > 0 && !record.exports.rewritten)
    lines.push(
      `  exports holding the keys (rerun with --exports to rewrite them): ${held.map(([id, n]) => `${id} (${n} rows)`).join(', ')}`,
    );
  lines.push(`  physically removed by ${record.physicallyRemovedBy}: ${record.physicalRemoval}`);
  return lines.join('\n');
}
