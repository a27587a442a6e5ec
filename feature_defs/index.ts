// The entry the deployed Lambdas import: re-export every definition file of this folder.
// (`skewless plan` and the CDK app check that nothing is left out.)
export * from './flights.ts';
