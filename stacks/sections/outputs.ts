import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';

/** An output's value and what it is on this cloud. */
export interface OutputValue {
  readonly value: string;
  readonly description: string;
}

/** The outputs every tracking platform writes, under the same names on AWS and Azure (cli/client, smoke and the deploy workflow read them). */
export interface TrackingOutputs {
  readonly tracking_uri: OutputValue;
  /** Where the server stores artifacts (its --artifacts-destination). */
  readonly artifact_root: OutputValue;
  readonly database_host: OutputValue;
  /** The secret with the MLflow admin password: a Secrets Manager ARN or a Key Vault secret id. */
  readonly admin_secret: OutputValue;
  readonly logs: OutputValue;
}

/** An earlier, cloud-specific output name: the neutral output that replaces it, and its own value where that differs. */
export type DeprecatedOutput = keyof TrackingOutputs | { readonly replacement: keyof TrackingOutputs; readonly value: string };

/**
 * Writes the cloud-neutral tracking outputs, and the cloud's earlier names (old name -> replacement),
 * kept for one release with a description that says what replaces them.
 */
export function addTrackingOutputs(scope: Construct, outputs: TrackingOutputs, deprecated: Readonly<Record<string, DeprecatedOutput>>): void {
  for (const [name, output] of Object.entries(outputs)) new TerraformOutput(scope, name, { value: output.value, description: output.description });
  for (const [old, d] of Object.entries(deprecated)) {
    const { replacement, value } = typeof d === 'string' ? { replacement: d, value: outputs[d].value } : d;
    new TerraformOutput(scope, old, { value, description: `Deprecated: use ${replacement}.` });
  }
}
