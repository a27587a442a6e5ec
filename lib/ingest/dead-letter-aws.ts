/**
 * SQS adapter of the dead-letter sink: SendMessageBatch through the chunked writer (SQS's
 * limits, only failed entries resent; an entry SQS blames on the sender is not resent).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BATCH_LIMITS, sendInChunks, type EntryError } from '../core/chunked-send.ts';
import { SkewlessError } from '../core/errors.ts';
import { retryWorld, type RetryPolicy } from '../core/retry.ts';
import type { DeadLetter, DeadLetterSink } from './dead-letter.ts';

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

interface SqsEntryError extends EntryError {
  readonly senderFault: boolean;
}

export function sqsDeadLetterSink(
  client: Pick<SQSClient, 'send'>,
  queueUrl: string,
  options: { readonly retry?: RetryPolicy; readonly sleep?: (ms: number) => Promise<void> } = {},
): DeadLetterSink {
  const retry = retryWorld(options.retry, { sleep: options.sleep });
  return {
    async send(letters: readonly DeadLetter[]) {
      // The Id of an entry is its position in `letters`: unique within any call.
      const entries = letters.map((l, i) => ({ Id: String(i), MessageBody: JSON.stringify(l) }));
      const report = await sendInChunks(entries, {
        limits: BATCH_LIMITS.sqs,
        sizeOf: (e) => Buffer.byteLength(e.MessageBody),
        retry,
        send: async (chunk) => {
          const out = await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [...chunk] }),
          );
          const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
          return chunk.map((e): SqsEntryError | undefined => {
            const f = failed.get(e.Id);
            return (
              f && {
                code: f.Code ?? 'unknown',
                message: f.Message ?? '',
                senderFault: !!f.SenderFault,
              }
            );
          });
        },
        // SQS marks what resending cannot fix (a malformed message) as the sender's fault.
        isTransient: (e) => !(e as SqsEntryError).senderFault,
      });
      if (report.unsent.length > 0) {
        throw new DeadLetterDeliveryError(
          report.unsent.map((u) => ({ code: u.error.code, message: u.error.message })),
          { cause: report.unsent[0]!.error.cause },
        );
      }
    },
  };
}
