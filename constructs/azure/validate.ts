import type { IConstruct } from 'constructs';

/**
 * Fails with the construct's path when a prop is not a whole number in [min, max] (no upper bound by default) (undefined passes:
 * the construct's default applies). The config loader reports the same limits per field; this catches
 * construct-level callers, which the loader never sees.
 */
export function checkWholeNumber(scope: IConstruct, prop: string, value: number | undefined, min: number, max = Infinity): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${scope.node.path}: ${prop} must be a whole number ${range}, got ${value}`);
  }
}

/** Fails with the construct's path when a prop is not one of `allowed` (undefined passes). */
export function checkOneOf<T>(scope: IConstruct, prop: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || allowed.includes(value)) return;
  throw new Error(`${scope.node.path}: ${prop} must be one of ${allowed.join(', ')}, got ${String(value)}`);
}
