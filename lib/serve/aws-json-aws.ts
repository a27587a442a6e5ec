/**
 * A lean caller of AWS JSON-protocol APIs (DynamoDB, Firehose): SigV4 over node:https with
 * keep-alive. The lookup Lambda uses it instead of the SDK v3 clients because the SDK's shared
 * serde core alone bundles past 500 KB minified, and a small bundle is a faster cold start;
 * the wire calls are the same `BatchGetItem` / `PutRecordBatch` the SDK sends. It makes one
 * attempt per call: its callers hold the one retry layer (`./batch-get.ts`, the inference-log
 * sink), so attempts never multiply (docs/serving.md, "Retries").
 */
import http from 'node:http';
import https from 'node:https';
import { SkewlessError } from '../core/errors.ts';
import { createSigV4Signer, type CredentialSource } from '../client/sign.ts';

export interface AwsJsonClientOptions {
  /** Signing name and endpoint prefix: `dynamodb`, `firehose`. */
  readonly service: string;
  /** `X-Amz-Target` prefix, e.g. `DynamoDB_20120810`. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  readonly region: string;
  readonly credentials: CredentialSource;
  /** @default `https://<service>.<region>.amazonaws.com` */
  readonly endpoint?: string;
  /** Socket timeout per attempt. @default 3000 */
  readonly timeoutMs?: number;
}

/** Where and as whom a lean client calls: the part its caller chooses. */
export type AwsJsonEndpoint = Pick<AwsJsonClientOptions, 'region' | 'credentials' | 'endpoint'>;

/**
 * An AWS error answer. Its HTTP status sits under `$metadata`, as on the SDK's errors (so the
 * retry rule reads it), never as `statusCode`: the HTTP error handler would send that status,
 * and the AWS message, to the lookup's caller (a throttled read is the service's fault, a 500).
 */
export class AwsServiceError extends SkewlessError {
  readonly $metadata: { readonly httpStatusCode: number };
  constructor(
    readonly service: string,
    readonly code: string,
    httpStatusCode: number,
    message: string,
  ) {
    super(`${service} ${code} (${httpStatusCode}): ${message}`);
    this.$metadata = { httpStatusCode };
  }
}

export interface AwsJsonClient {
  call<O>(operation: string, input: unknown): Promise<O>;
  destroy(): void;
}

export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const url = new URL(
    options.endpoint ?? `https://${options.service}.${options.region}.amazonaws.com`,
  );
  const transport = url.protocol === 'http:' ? http : https;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 50 });
  const signer = createSigV4Signer(options);
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const timeoutMs = options.timeoutMs ?? 3000;

  async function once<O>(operation: string, body: string): Promise<O> {
    const headers = await signer.sign({
      method: 'POST',
      url,
      headers: {
        'content-type': contentType,
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body,
    });
    return new Promise<O>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(decodeResponse<O>(options.service, res.statusCode ?? 0, chunks));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(timeoutError(options.service, operation, timeoutMs)));
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    call<O>(operation: string, input: unknown): Promise<O> {
      return once<O>(operation, JSON.stringify(input));
    },
    destroy() {
      agent.destroy();
    },
  };
}

/** The body of a 2xx answer as JSON; any other answer as the AWS error its JSON names. */
function decodeResponse<O>(service: string, status: number, chunks: readonly Buffer[]): O {
  const text = Buffer.concat(chunks).toString('utf8');
  if (status >= 200 && status < 300) {
    try {
      return (text ? JSON.parse(text) : {}) as O;
    } catch (error) {
      throw new AwsServiceError(service, 'BadResponse', status, String(error));
    }
  }
  let code = 'UnknownError';
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    code = parsed.__type?.split('#').pop() ?? code;
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // Not JSON: keep the raw text.
  }
  throw new AwsServiceError(service, code, status, message);
}

function timeoutError(service: string, operation: string, timeoutMs: number): Error {
  const error = new Error(`${service} ${operation} timed out after ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}
