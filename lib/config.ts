/**
 * Handler configuration, read from the environment once at a handler's module scope. The CDK
 * constructs set exactly these variables (`HANDLER_ENV`), so the names live here only.
 */
// zod/mini keeps handler bundles small (the classic namespace is ~440 KB minified).
import * as z from 'zod/mini';
import type { AwsCredentials } from './client/sign.ts';

export const HANDLER_ENV = {
  prefix: 'SKEWLESS_PREFIX',
  onlineTable: 'SKEWLESS_ONLINE_TABLE',
  deadLetterQueueUrl: 'SKEWLESS_DLQ_URL',
  bucket: 'SKEWLESS_BUCKET',
  athenaWorkgroup: 'SKEWLESS_ATHENA_WORKGROUP',
  glueDatabase: 'SKEWLESS_GLUE_DATABASE',
  alertTopicArn: 'SKEWLESS_ALERT_TOPIC_ARN',
  registryHash: 'SKEWLESS_REGISTRY_HASH',
} as const;

export type HandlerConfig = { -readonly [K in keyof typeof HANDLER_ENV]?: string };

/** Reads whichever variables are set; a handler then asks for the ones it needs with `required`. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): HandlerConfig {
  const out: HandlerConfig = {};
  for (const [key, name] of Object.entries(HANDLER_ENV) as [keyof typeof HANDLER_ENV, string][]) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Returns the named settings, or throws naming every missing environment variable. */
export function required<K extends keyof typeof HANDLER_ENV>(
  config: HandlerConfig,
  ...keys: K[]
): { [P in K]: string } {
  const schema = z.object(
    Object.fromEntries(keys.map((k) => [k, z.string().check(z.minLength(1))])),
  );
  const parsed = schema.safeParse(config);
  if (!parsed.success) {
    const missing = keys.filter((k) => !config[k]).map((k) => HANDLER_ENV[k]);
    throw new Error(`Missing environment variable(s): ${missing.join(', ')}`);
  }
  return parsed.data as { [P in K]: string };
}

/**
 * What the Lambda runtime sets for a handler that signs its own calls (the lookup's lean client):
 * the region, the role's credentials, and the SDK's standard endpoint overrides
 * (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`; tests point them at local servers).
 */
export function readAwsRuntime(env: Readonly<Record<string, string | undefined>>): {
  readonly region: string;
  readonly credentials: AwsCredentials;
  readonly endpointOf: (service: 'DYNAMODB' | 'FIREHOSE') => string | undefined;
} {
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    endpointOf: (service) => env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL,
  };
}
