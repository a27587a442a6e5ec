/**
 * Dead letters: records that can never be ingested (poison), kept with the reason and the
 * original payload so nothing is lost and a producer can fix and resend them.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { PoisonReason, RecordProblem } from './record.ts';

/**
 * Largest payload a letter carries inline (bytes before base64). An SQS message is at most
 * 256 KiB, and base64 grows data by a third; larger payloads are truncated, flagged, and carry
 * their full size and sha256 so they can still be found in the stream's retention window.
 */
export const MAX_LETTER_PAYLOAD_BYTES = 160 * 1024;

/** One dead letter (the SQS message body, as JSON; one JSON line in local mode). */
export interface DeadLetter {
  readonly reason: PoisonReason;
  /** Every problem found, in human words. */
  readonly message: string;
  readonly problems: readonly RecordProblem[];
  /** The logical source stream, when known. */
  readonly stream: string | null;
  readonly event_source_arn: string;
  readonly shard_id: string;
  readonly sequence_number: string;
  readonly partition_key: string;
  readonly record_id: string | null;
  /** ISO-8601 UTC: when Kinesis received the record. */
  readonly approximate_arrival: string;
  /** ISO-8601 UTC: when ingestion gave up on it. */
  readonly failed_at: string;
  /** The original payload, base64 (as Kinesis carried it); truncated past the limit above. */
  readonly data_base64: string;
  readonly data_bytes: number;
  readonly data_truncated: boolean;
  readonly data_sha256: string;
}

/**
 * Where dead letters go (SQS in AWS, JSON lines locally). `send` resolves when every letter is
 * stored, and rejects otherwise (the records then count as unfinished and Kinesis retries them).
 * A sink retries its own calls; the ingest core does not retry around it.
 */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/** The letter of one Kinesis record that can never be ingested. */
export function deadLetterOf(
  r: KinesisStreamRecord,
  data: Buffer,
  stream: string | null,
  recordId: string | null,
  problems: readonly RecordProblem[],
  failedAt: number,
): DeadLetter {
  const truncated = data.byteLength > MAX_LETTER_PAYLOAD_BYTES;
  return {
    reason: problems[0]!.reason,
    message: problems.map((p) => p.message).join('; '),
    problems,
    stream,
    event_source_arn: r.eventSourceARN,
    shard_id: r.eventID.split(':')[0] ?? '',
    sequence_number: r.kinesis.sequenceNumber,
    partition_key: r.kinesis.partitionKey,
    record_id: recordId,
    approximate_arrival: new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    failed_at: new Date(failedAt).toISOString(),
    data_base64: truncated
      ? data.subarray(0, MAX_LETTER_PAYLOAD_BYTES).toString('base64')
      : r.kinesis.data,
    data_bytes: data.byteLength,
    data_truncated: truncated,
    data_sha256: createHash('sha256').update(data).digest('hex'),
  };
}
