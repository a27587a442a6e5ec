export * from './definitions.ts';
export * from './dtypes.ts';
export * from './duration.ts';
