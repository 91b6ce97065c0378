import type { TerraformStack } from 'cdktf';
import type { StackJson } from '../policy/types';

/**
 * A stack's Terraform JSON in memory, exactly what `app.synth()` writes (the deployment stack
 * computes it once). Nothing is written.
 */
export function stackJson(stack: TerraformStack): StackJson {
  return stack.toTerraform() as StackJson;
}

/** The JSON without cdktf's `//` metadata blocks: what reviewers read in snapshots. */
export function withoutMetadata<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutMetadata) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, withoutMetadata(v)])) as T;
  }
  return value;
}
