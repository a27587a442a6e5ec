/** A runtime whose `service` checks the given sample (a bench checks its 1M day whole). */
import type { RuntimeRegistry } from '../../lib/registry/compile.ts';

export function withSample(
  runtime: RuntimeRegistry,
  service: string,
  sample: { readonly rate: number; readonly maxVectorsPerDay: number } | undefined,
): RuntimeRegistry {
  if (!sample) return runtime;
  return {
    ...runtime,
    registry: {
      ...runtime.registry,
      featureServices: runtime.registry.featureServices.map((s) =>
        s.name === service ? { ...s, skew: { ...s.skew, sample } } : s,
      ),
    },
  };
}
