// The candidate's definitions, as `--defs` loads them.
export * from './flights.ts';
