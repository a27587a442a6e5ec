export * from './definitions.ts';
export * from './dtypes.ts';
export * from './duration.ts';
export * from './aggregations.ts';
