import { Construct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { EncryptionKey } from './encryption-key';
import type { PolicyStatement } from './iam';
import { ephemeralBlock } from '../shared/ephemeral';

export interface GeneratedSecretProps {
  readonly name: string;
  readonly description: string;
  readonly key: EncryptionKey;
  /** Password length, at least 16. @default 40 */
  readonly length?: number;
  /**
   * Days a deleted secret can be restored, 7-30, or 0 to delete it at once (non-production: a
   * destroyed stack can be deployed again under the same secret names). @default 30
   */
  readonly recoveryWindowInDays?: number;
  /** Bump to write a new generated value (the value itself never reaches state). @default 1 */
  readonly version?: number;
}

/**
 * A Secrets Manager secret whose value Secrets Manager generates during apply: an ephemeral
 * `aws_secretsmanager_random_password` feeds the write-only `secret_string_wo`, so the value is
 * in neither the synthesized JSON, the plan nor the state.
 */
export class GeneratedSecret extends Construct {
  public readonly secret: SecretsmanagerSecret;
  /** The secret's value: whoever reads the secret at start-up (ECS) must wait for it. */
  public readonly value: SecretsmanagerSecretVersion;
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    const length = props.length ?? 40;
    if (!Number.isInteger(length) || length < 16) throw new Error(`${this.node.path}: length must be a whole number of at least 16, got ${length}`);
    const recoveryWindowInDays = props.recoveryWindowInDays ?? 30;
    if (!Number.isInteger(recoveryWindowInDays) || (recoveryWindowInDays !== 0 && (recoveryWindowInDays < 7 || recoveryWindowInDays > 30))) {
      throw new Error(`${this.node.path}: recoveryWindowInDays must be 0 or 7-30, got ${recoveryWindowInDays}`);
    }
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.name,
      description: props.description,
      kmsKeyId: props.key.arn,
      recoveryWindowInDays,
    });
    // Named after the construct path below the stack (constructs/shared/ephemeral.ts).
    const password = ephemeralBlock(this, {
      type: 'aws_secretsmanager_random_password',
      args: { password_length: length, exclude_punctuation: true },
      attribute: 'random_password',
    });
    this.value = new SecretsmanagerSecretVersion(this, 'value', {
      secretId: this.secret.id,
      secretStringWo: password,
      secretStringWoVersion: props.version ?? 1,
    });
    this.arn = this.secret.arn;
  }

  /** IAM statement that lets a role read the value. */
  public readStatement(): PolicyStatement {
    return { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: this.arn };
  }
}
