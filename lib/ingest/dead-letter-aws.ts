/**
 * SQS adapter of the dead-letter sink: SendMessageBatch in groups of ≤ 10 messages and
 * ≤ 256 KiB, resending only the entries SQS reports as failed.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SkewlessError } from '../core/errors.ts';
import type { DeadLetter, DeadLetterSink } from './dead-letter.ts';
import { DEFAULT_RETRY, backoffDelay, realSleep, type RetryPolicy } from './retry.ts';

const SQS_MAX_ENTRIES = 10;
const SQS_MAX_BATCH_BYTES = 256 * 1024;

export class DeadLetterDeliveryError extends SkewlessError {
  constructor(
    readonly failed: readonly { readonly code: string; readonly message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `${failed.length} dead letter(s) could not be stored: ${failed[0]?.code ?? ''} ${failed[0]?.message ?? ''}`,
      options,
    );
  }
}

export function sqsDeadLetterSink(
  client: Pick<SQSClient, 'send'>,
  queueUrl: string,
  options: { readonly retry?: RetryPolicy; readonly sleep?: (ms: number) => Promise<void> } = {},
): DeadLetterSink {
  const policy = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  return {
    async send(letters: readonly DeadLetter[]) {
      const bodies = letters.map((l) => JSON.stringify(l));
      for (const group of groupBodies(bodies)) {
        let pending = group.map((body, i) => ({ Id: String(i), MessageBody: body }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          const out = await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
          );
          const failed = out.Failed ?? [];
          if (failed.length === 0) break;
          const permanent = failed.filter((f) => f.SenderFault);
          if (permanent.length > 0 || attempt + 1 >= policy.maxAttempts) {
            throw new DeadLetterDeliveryError(
              failed.map((f) => ({ code: f.Code ?? 'unknown', message: f.Message ?? '' })),
            );
          }
          const ids = new Set(failed.map((f) => f.Id));
          pending = pending.filter((e) => ids.has(e.Id));
          await sleep(backoffDelay(policy, attempt, Math.random));
        }
      }
    },
  };
}

function groupBodies(bodies: readonly string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body);
    if (
      current.length >= SQS_MAX_ENTRIES ||
      (current.length > 0 && bytes + size > SQS_MAX_BATCH_BYTES)
    ) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
