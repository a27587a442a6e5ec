/**
 * Records the AWS JSON-protocol calls a handler sends over the wire (the lookup Lambda's lean
 * client signs and posts them itself, with no SDK client to mock): a local HTTP proxy in front
 * of the stand-in (dynalite, a local Firehose sink) keeps each call's operation
 * (`X-Amz-Target`) and body, and forwards it unchanged, as the recorder's `AwsCall`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCall } from './recorder.ts';

export interface RecordingProxy {
  readonly url: string;
  readonly calls: AwsCall[];
  close(): Promise<void>;
}

export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const calls: AwsCall[] = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // `X-Amz-Target` is `<service>_<api version>.<operation>`, e.g. `DynamoDB_20120810.BatchGetItem`.
      const [target = '', operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
      calls.push({
        service: target.split('_')[0]!,
        operation,
        input: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>,
        caller: 'wire',
      });
      const forward = http.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => res.destroy(e));
      forward.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
