// The metric contract lives beside the core that emits it; the constructs read it from here too.
export * from '../core/metrics.ts';
