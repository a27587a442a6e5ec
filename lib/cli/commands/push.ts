/**
 * `skewless push --view V --file F`: validates every record of a CSV / JSON lines / Parquet file
 * against the registry, then puts them on the view's Kinesis stream (the running local stack by
 * default, AWS with `--aws`). `V` may also name an event stream: its raw events are what its
 * aggregation views fold. Nothing is sent when any record is invalid.
 */
import type { Command } from 'commander';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SingleBar, Presets } from 'cli-progress';
import { isAggregationView } from '../../registry/query.ts';
import type { Registry, RegistryView } from '../../registry/types.ts';
import { sourceStreamName } from '../../core/naming.ts';
import { SkewlessError, UnknownDefinitionError, ValidationError } from '../../core/errors.ts';
import { LOCAL_AWS } from '../../local/stack.ts';
import { SDK_SINGLE_ATTEMPT } from '../../core/retry.ts';
import { readLocalEndpoints } from '../../local/endpoints.ts';
import { kinesisPutter } from '../../producer/kinesis-aws.ts';
import {
  InvalidRecordError,
  prepareRecord,
  putRecords,
  PutRecordsError,
} from '../../producer/put-records.ts';
import {
  FILE_FORMATS,
  RecordFileError,
  readRecords,
  type FileFormat,
} from '../../producer/read-file.ts';
import { CliError, EXIT, loadCliRegistry, withCommonOptions } from '../context.ts';
import { storedViews } from '../../registry/candidates.ts';

interface PushOptions {
  readonly defs: string;
  readonly data: string;
  readonly view: string;
  readonly file: string;
  readonly format?: FileFormat;
  readonly aws?: boolean;
  readonly prefix?: string;
  readonly region?: string;
  readonly progress: boolean;
}

/** Invalid records listed before giving up. */
const MAX_LISTED = 10;

export function registerPush(program: Command): void {
  withCommonOptions(
    program
      .command('push')
      .description(
        "Validate a file's records and put them on a feature view's (or an event stream's) Kinesis stream",
      )
      .requiredOption(
        '--view <name>',
        'feature view whose stream receives the records, or an event stream by its own name (a candidate version with a stream of its own: that stream)',
      )
      .requiredOption('--file <path>', 'CSV, JSON lines or Parquet file of records')
      .option('--format <format>', `file format (${FILE_FORMATS.join('|')}); default: by extension`)
      .option('--aws', 'push to AWS (default credential chain) instead of the local stack')
      .option('--prefix <prefix>', 'deployment prefix in AWS', 'skewless')
      .option('--region <region>', 'AWS region (default: from the environment)')
      .option('--no-progress', 'no progress bar'),
  ).action(pushFile);
}

async function pushFile(options: PushOptions): Promise<void> {
  if (options.format && !FILE_FORMATS.includes(options.format))
    throw new CliError(`--format must be one of ${FILE_FORMATS.join(', ')}`);
  const { registry } = await loadCliRegistry(options);
  const { view, label } = wrapUsage(() => pushTarget(registry, options.view));
  const read = () => readRecords(options.file, { registry, view, format: options.format });
  const total = await validateAll(read, (record, index) =>
    prepareRecord(view, registry, record, index),
  ).catch((error: unknown) => {
    if (error instanceof InvalidRecordsError)
      throw new CliError(
        `${options.file}: invalid records for ${label}; nothing was sent:\n${error.listed.join('\n')}`,
        EXIT.usage,
      );
    throw error;
  });
  await send(options, registry, view, read, total);
}

/** Some records of a file cannot be sent: the first `MAX_LISTED` of them, named. */
class InvalidRecordsError extends Error {
  constructor(readonly listed: readonly string[]) {
    super(`${listed.length} invalid record(s)`);
  }
}

/** Pass 1: every record validated, so a bad file sends nothing. Returns how many were read. */
async function validateAll(
  read: () => AsyncIterable<unknown>,
  check: (record: unknown, index: number) => unknown,
): Promise<number> {
  const problems: string[] = [];
  let total = 0;
  try {
    for await (const record of read()) {
      try {
        check(record, total);
      } catch (error) {
        if (!(error instanceof InvalidRecordError)) throw error;
        if (problems.length < MAX_LISTED) problems.push(`  ${error.message}`);
        else if (problems.length === MAX_LISTED) problems.push('  …');
      }
      total++;
    }
  } catch (error) {
    if (error instanceof RecordFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  if (problems.length > 0) throw new InvalidRecordsError(problems);
  return total;
}

/** Pass 2: the records onto the stream, with a progress bar on a terminal. */
async function send(
  options: PushOptions,
  registry: Registry,
  view: RegistryView,
  read: () => AsyncIterable<unknown>,
  total: number,
): Promise<void> {
  const { client, prefix, where } = await kinesisFor(options);
  const stream = sourceStreamName({ prefix }, view.source.stream);
  const bar =
    options.progress && process.stderr.isTTY
      ? new SingleBar({ format: 'push [{bar}] {value}/{total} records' }, Presets.shades_classic)
      : undefined;
  bar?.start(total, 0);
  const started = Date.now();
  try {
    const result = await putRecords(kinesisPutter(client), read(), {
      registry,
      names: { prefix },
      view,
      onProgress: (p) => bar?.update(p.sent),
    });
    bar?.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `pushed ${result.sent} records to ${stream} (${where}) in ${seconds.toFixed(1)} s ` +
        `(${Math.round(result.sent / Math.max(seconds, 0.001))}/s, ${result.calls} PutRecords calls, ${result.retried} entries resent)`,
    );
  } catch (error) {
    bar?.stop();
    if (error instanceof PutRecordsError)
      throw new CliError(`Kinesis stream ${stream}: ${error.message}`, EXIT.failure, {
        cause: error,
      });
    if (error instanceof SkewlessError && !(error instanceof CliError))
      throw new CliError(error.message, EXIT.failure, { cause: error });
    throw error;
  } finally {
    client.destroy();
  }
}

async function kinesisFor(
  options: PushOptions,
): Promise<{ client: KinesisClient; prefix: string; where: string }> {
  if (options.aws) {
    return {
      // putRecords retries (PRODUCER_RETRY): the SDK makes one attempt per call.
      client: new KinesisClient({
        ...SDK_SINGLE_ATTEMPT,
        ...(options.region ? { region: options.region } : {}),
      }),
      prefix: options.prefix ?? 'skewless',
      where: 'AWS',
    };
  }
  let endpoints;
  try {
    endpoints = await readLocalEndpoints(options.data);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.failure, { cause: error });
  }
  return {
    client: new KinesisClient({
      ...LOCAL_AWS,
      ...SDK_SINGLE_ATTEMPT,
      endpoint: endpoints.kinesis,
      requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }),
    }),
    prefix: endpoints.prefix,
    where: `local, ${endpoints.kinesis}`,
  };
}

/**
 * The view or event stream `name` names (or a candidate version's own source stream). An event
 * stream is pushed to through any of its views: they read its one stream and validate its
 * records by its schema (`streamSchema`).
 */
export function pushTarget(
  registry: Registry,
  name: string,
): { view: RegistryView; label: string } {
  const view = registry.featureViews.find((v) => v.name === name);
  if (view) return { view, label: `view '${name}'` };
  const ofStream = registry.featureViews.find(
    (v) => isAggregationView(v) && v.aggregation.stream === name,
  );
  if (ofStream) return { view: ofStream, label: `event stream '${name}'` };
  // A candidate version with a stream of its own is pushed to by that stream's name.
  const bySource = storedViews(registry).find((v) => v.source.stream === name);
  if (bySource) return { view: bySource, label: `stream '${name}'` };
  throw new UnknownDefinitionError('view or event stream', name, [
    ...registry.featureViews.map((v) => v.name),
    ...(registry.eventStreams ?? []).map((s) => s.name),
  ]);
}

function wrapUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
