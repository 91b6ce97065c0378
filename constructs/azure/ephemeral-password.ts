import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/** The hashicorp/random release with the ephemeral `random_password` (>= 3.7.1). */
export const RANDOM_PROVIDER_VERSION = '3.7.2';

/**
 * An ephemeral `random_password`: a value that exists only during a Terraform run and is meant for
 * write-only arguments (`*_wo`), so it is never stored in the plan or the state. Returns the
 * expression of the value. cdktf 0.21 has no ephemeral classes: the block is written as JSON.
 */
export function ephemeralPassword(scope: Construct, name: string, length = 40): string {
  const stack = TerraformStack.of(scope);
  stack.addOverride('terraform.required_providers.random', { source: 'hashicorp/random', version: RANDOM_PROVIDER_VERSION });
  // No punctuation: the values end up in connection settings and INI files.
  stack.addOverride(`ephemeral.random_password.${name}`, { length, special: false });
  return `\${ephemeral.random_password.${name}.result}`;
}
