export * from './client.ts';
export * from './sign.ts';
export type {
  LookupErrorBody,
  LookupRequestBody,
  LookupResponse,
  LookupRow,
} from '../serve/types.ts';
