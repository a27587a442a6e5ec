/**
 * The typed lookup client. Its result type comes from the service's definition, so a model's
 * code reads `row.values.airport_delays__dep_delay_mean_1h` as a `number` with no codegen.
 * Requests to a deployed API are SigV4-signed (`execute-api`) when credentials are given.
 */
import type {
  FeatureService,
  InferEntityKeys,
  InferFeatures,
  InferRequest,
  ValuesOf,
} from '../define/definitions.ts';
import type { FeatureStatus } from '../core/defaults.ts';
import type { KeyValue } from '../core/entity-key.ts';
import { SkewlessError } from '../core/errors.ts';
import type { FeatureValue } from '../define/dtypes.ts';
import type { LookupErrorBody, LookupRequestBody, LookupResponse } from '../serve/types.ts';
import { createSigV4Signer, type CredentialSource, type RequestSigner } from './sign.ts';

/** Outputs of a service that come from stored features (they carry a status and an age). */
type StoredOutput<S extends FeatureService> = keyof ValuesOf<S['features']> & string;

export interface TypedLookupRow<S extends FeatureService> {
  readonly keys: InferEntityKeys<S>;
  readonly values: InferFeatures<S>;
  readonly statuses: { readonly [K in StoredOutput<S>]: FeatureStatus };
  readonly ages_ms: { readonly [K in StoredOutput<S>]: number | null };
}

export interface TypedLookupResponse<S extends FeatureService> extends Omit<
  LookupResponse,
  'rows'
> {
  readonly rows: readonly TypedLookupRow<S>[];
}

export interface ClientOptions {
  /** Base URL of the lookup API (the client posts to `${endpoint}/features`). */
  readonly endpoint: string;
  /** Signing region; by default read from an `execute-api` host name. */
  readonly region?: string;
  /** Signs requests with SigV4 (`execute-api`); omit for the local server. */
  readonly credentials?: CredentialSource;
  /** A custom signer (takes precedence over `credentials`). */
  readonly signer?: RequestSigner;
  readonly fetch?: typeof fetch;
  readonly headers?: Readonly<Record<string, string>>;
}

export class LookupRequestError extends SkewlessError {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`lookup failed (${status}): ${message}`);
  }
}

export interface LookupClient {
  /** Looks up a service by its definition: rows and result are typed from it. */
  get<S extends FeatureService>(
    service: S,
    rows: readonly InferEntityKeys<S>[],
    request?: Partial<InferRequest<S>>,
  ): Promise<TypedLookupResponse<S>>;
  /** Looks up a service by name (untyped). */
  get(
    service: string,
    rows: readonly Readonly<Record<string, KeyValue>>[],
    request?: Readonly<Record<string, FeatureValue>>,
  ): Promise<LookupResponse>;
}

/**
 * Creates a lookup client.
 * @example
 * const client = createClient({ endpoint: 'http://127.0.0.1:3000' });
 * const { rows } = await client.get(departureDelayModel, [{ origin: 'SFO', destination: 'LAX' }],
 *   { scheduled_hour: 19 });
 * rows[0].values.airport_delays__dep_delay_mean_1h; // number
 */
export function createClient(options: ClientOptions): LookupClient {
  const url = new URL(`${options.endpoint.replace(/\/+$/, '')}/features`);
  const doFetch = options.fetch ?? fetch;
  const signer =
    options.signer ??
    (options.credentials
      ? createSigV4Signer({
          service: 'execute-api',
          region: options.region ?? regionOfHost(url.hostname),
          credentials: options.credentials,
        })
      : undefined);

  async function get(
    service: FeatureService | string,
    rows: readonly Readonly<Record<string, unknown>>[],
    request?: Readonly<Record<string, unknown>>,
  ): Promise<LookupResponse> {
    const body: LookupRequestBody = {
      service: typeof service === 'string' ? service : service.name,
      entities: rows as LookupRequestBody['entities'],
      ...(request ? { request: request as LookupRequestBody['request'] } : {}),
    };
    const text = JSON.stringify(body);
    let headers: Record<string, string> = {
      'content-type': 'application/json',
      ...options.headers,
    };
    if (signer) headers = await signer.sign({ method: 'POST', url, headers, body: text });
    const res = await doFetch(url, { method: 'POST', headers, body: text });
    const payload = await res.text();
    if (!res.ok) {
      let error: Partial<LookupErrorBody['error']> = {};
      try {
        error = (JSON.parse(payload) as Partial<LookupErrorBody>).error ?? {};
      } catch {
        // Not our JSON (a gateway error page): keep the text.
      }
      throw new LookupRequestError(
        res.status,
        error.message ?? (payload.slice(0, 200) || res.statusText),
        error.field,
        res.headers.get('x-request-id') ?? undefined,
      );
    }
    return JSON.parse(payload) as LookupResponse;
  }

  return { get } as LookupClient;
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`. */
export function regionOfHost(hostname: string): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(hostname);
  if (!match) {
    throw new SkewlessError(
      `cannot tell the AWS region of '${hostname}'; pass \`region\` to sign requests`,
    );
  }
  return match[1]!;
}
