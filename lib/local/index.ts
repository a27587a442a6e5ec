/**
 * The local feature store for a team's own tests and tools (`skewless/local`): the same handlers
 * as in AWS on dynalite, kinesalite and DuckDB, for the definitions of a folder.
 */
export {
  startLocalFeatureStore,
  type LocalFeatureStore,
  type LocalFeatureStoreOptions,
} from './store.ts';
export { startLocalStack, LOCAL_AWS, type LocalStack, type LocalStackOptions } from './stack.ts';
export { loadRegistryFromDir, registryFromModule } from '../registry/load.ts';
export type { RuntimeRegistry } from '../registry/compile.ts';
