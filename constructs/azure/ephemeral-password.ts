import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ephemeralBlock } from '../shared/ephemeral';

/** The hashicorp/random release with the ephemeral `random_password` (>= 3.7.1). */
export const RANDOM_PROVIDER_VERSION = '3.7.2';

/**
 * An ephemeral `random_password`: a value that exists only during a Terraform run and is meant for
 * write-only arguments (`*_wo`), so it is never stored in the plan or the state. Returns the
 * expression of the value. The block is named after `scope`'s construct path and `id`
 * (constructs/shared/ephemeral.ts), so a construct used twice gets two values.
 */
export function ephemeralPassword(scope: Construct, id: string, length = 40): string {
  if (!Number.isInteger(length) || length < 16) throw new Error(`ephemeral password ${id}: length must be a whole number of at least 16, got ${length}`);
  TerraformStack.of(scope).addOverride('terraform.required_providers.random', { source: 'hashicorp/random', version: RANDOM_PROVIDER_VERSION });
  // No punctuation: the values end up in connection settings and INI files.
  return ephemeralBlock(scope, { type: 'random_password', id, args: { length, special: false }, attribute: 'result' });
}
