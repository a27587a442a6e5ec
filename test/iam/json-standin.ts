/**
 * Firehose and SQS served over HTTP in their AWS JSON protocols, so the real SDK clients of a
 * Lambda module reach them (through `AWS_ENDPOINT_URL_<SERVICE>`) and the recorder sees each
 * call at their middleware. Firehose's PutRecordBatch goes to the local Firehose stand-in
 * (`lib/local/firehose.ts`: it validates and writes the offline rows); SQS keeps the messages.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OfflineDelivery } from '../../lib/ingest/offline-writer.ts';

export interface JsonStandIn {
  readonly url: string;
  /** Message bodies SQS took, by queue URL. */
  readonly messages: Map<string, string[]>;
  close(): Promise<void>;
}

type Operation = (input: Record<string, unknown>) => Promise<unknown>;

export async function serveFirehoseAndSqs(firehose: OfflineDelivery): Promise<JsonStandIn> {
  const messages = new Map<string, string[]>();
  const operations: Record<string, Operation> = {
    'Firehose_20150804.PutRecordBatch': async (input) =>
      firehose.putRecordBatch({
        DeliveryStreamName: String(input.DeliveryStreamName),
        Records: (input.Records as { Data: string }[]).map((r) => ({
          Data: Buffer.from(r.Data, 'base64'),
        })),
      }),
    'AmazonSQS.SendMessageBatch': async (input) => {
      const entries = input.Entries as { Id: string; MessageBody: string }[];
      const queue = String(input.QueueUrl);
      messages.set(queue, [...(messages.get(queue) ?? []), ...entries.map((e) => e.MessageBody)]);
      return {
        Successful: entries.map((e) => ({
          Id: e.Id,
          MessageId: `m-${e.Id}`,
          // The SDK checks each body's MD5 against SQS's answer.
          MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
        })),
        Failed: [],
      };
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = operations[target];
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      if (!operation) return reply(400, { __type: 'UnknownOperationException', message: target });
      operation(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        .then((out) => reply(200, out))
        .catch((e: unknown) => reply(500, { __type: 'InternalFailure', message: String(e) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
