/**
 * Runs a service's request transforms over one row: the lookup calls this per entity row, the
 * export per exported row, so both produce the same outputs from the same inputs.
 */
import type { FeatureValue } from '../define/dtypes.ts';
import { coerceValue } from './values.ts';
import type { RuntimeRegistry } from '../registry/compile.ts';
import type { RegistryService } from '../registry/types.ts';
import { SkewlessError, ValidationError } from './errors.ts';

export class TransformError extends SkewlessError {
  constructor(
    readonly transform: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`request transform '${transform}': ${message}`, options);
  }
}

/** Checks and coerces the request fields a service needs; absent fields are null. */
export function parseRequestFields(
  service: RegistryService,
  request: Readonly<Record<string, unknown>> | undefined,
): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  const known = new Set(service.request.map((r) => r.name));
  for (const name of Object.keys(request ?? {})) {
    if (!known.has(name)) {
      throw new ValidationError(
        `request field '${name}' is not used by service '${service.name}' (it takes: ${[...known].join(', ') || 'none'})`,
        `request.${name}`,
      );
    }
  }
  for (const field of service.request) {
    const coerced = coerceValue(field.dtype, request?.[field.name] ?? null);
    if (!coerced.ok)
      throw new ValidationError(
        `request field '${field.name}': ${coerced.error}`,
        `request.${field.name}`,
      );
    out[field.name] = coerced.value;
  }
  return out;
}

/**
 * Returns the transform outputs for one row, given the row's resolved feature values (by output
 * name) and its request fields. Outputs are checked against their declared types.
 */
export function applyTransforms(
  runtime: RuntimeRegistry,
  service: RegistryService,
  features: Readonly<Record<string, FeatureValue>>,
  request: Readonly<Record<string, FeatureValue>>,
): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  for (const name of service.transforms) {
    const spec = runtime.registry.requestTransforms.find((t) => t.name === name);
    const fn = runtime.transforms.get(name);
    if (!spec || !fn) throw new TransformError(name, 'is not in the registry');
    const inputs = Object.fromEntries(spec.inputs.map((i) => [i, features[i] ?? null]));
    const requestArgs = Object.fromEntries(
      spec.request.map((r) => [r.name, request[r.name] ?? null]),
    );
    let result: Record<string, unknown>;
    try {
      result = fn({ request: requestArgs, features: inputs } as never) as Record<string, unknown>;
    } catch (error) {
      throw new TransformError(name, `threw: ${(error as Error).message}`, { cause: error });
    }
    for (const o of spec.outputs) {
      const coerced = coerceValue(o.dtype, result?.[o.name] ?? null);
      if (!coerced.ok) throw new TransformError(name, `output '${o.name}': ${coerced.error}`);
      out[o.name] = coerced.value;
    }
  }
  return out;
}
