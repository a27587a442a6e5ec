export { createLookup, type Lookup, type LookupOptions } from './lookup-aws.ts';
export type { RegistrySource } from './registry-source.ts';
export { LookupInputError } from '../serve/in-process.ts';
export type { LookupClient, TypedLookupResponse, TypedLookupRow } from '../client/client.ts';
export type { AwsCredentials, CredentialSource } from '../client/sign.ts';
export type { LookupResponse, LookupRow } from '../serve/types.ts';
