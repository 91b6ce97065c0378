import { Testing, type TerraformStack } from 'cdktf';
import type { StackJson } from './policy/types';

/**
 * A stack's Terraform JSON, synthesized in memory (aspects applied, nothing written). cdktf's
 * public way to do this is `Testing.synth`; the policy pass and the tests both use it, so what is
 * checked is exactly what `app.synth()` writes.
 */
export function synthesizeInMemory(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack)) as StackJson;
}
