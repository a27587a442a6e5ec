/** Amazon SQS: the batch send limits of the dead-letter queues. */
import { awsRule, KiB } from './rule.ts';

export const SQS = {
  /** SendMessageBatch: 10 messages and 256 KiB per call (the classic message size). */
  sendMessageBatch: awsRule(
    { maxEntries: 10, maxBytes: 256 * KiB, maxEntryBytes: 256 * KiB },
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html',
  ),
} as const;
