/**
 * SigV4 signing of one HTTP request (`@smithy/signature-v4` + a pure-JS SHA-256, so it bundles
 * small and runs anywhere). Used by the typed client (service `execute-api`) and by the lean
 * DynamoDB / Firehose callers of the lookup Lambda.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type CredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface RequestSigner {
  /** Returns the headers to send: the given ones plus the SigV4 ones. */
  sign(request: SignableRequest): Promise<Record<string, string>>;
}

export function createSigV4Signer(options: {
  readonly service: string;
  readonly region: string;
  readonly credentials: CredentialSource;
}): RequestSigner {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  return {
    async sign({ method, url, headers, body }) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        body,
      });
      return signed.headers;
    },
  };
}
