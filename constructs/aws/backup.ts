import { Construct } from 'constructs';
import { BackupPlan } from '@cdktf/provider-aws/lib/backup-plan';
import { BackupSelection } from '@cdktf/provider-aws/lib/backup-selection';
import { BackupVault } from '@cdktf/provider-aws/lib/backup-vault';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import type { EncryptionKey } from './encryption-key';
import { addPolicy, serviceTrust } from './iam';

export interface PlatformBackupProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly partition: string;
  /** Encrypts the vault; the backup role may use it (RDS snapshots and SSE-KMS objects are encrypted with it too). */
  readonly key: EncryptionKey;
  /** ARN of the RDS instance or Aurora cluster. */
  readonly databaseArn: string;
  /** ARN of the artifact bucket (versioned: AWS Backup for S3 requires it). */
  readonly bucketArn: string;
  /** Days daily recovery points are kept. @default 35 */
  readonly retentionDays?: number;
  /** AWS Backup cron expression (UTC) of the daily recovery points. @default cron(0 3 * * ? *) */
  readonly schedule?: string;
  /** Terraform prevent_destroy on the vault. @default true */
  readonly protect?: boolean;
}

/**
 * AWS Backup for the tracking platform: a vault encrypted with the platform's key; a daily plan for
 * the database and the artifact bucket (the same schedule, so each day's recovery points pair up);
 * continuous backup of the bucket (point-in-time restore of the artifacts for up to 35 days, matching
 * the database's own point-in-time restore). The database keeps its RDS automated backups: continuous
 * AWS Backup of RDS would take over their retention, which Terraform manages.
 */
/** Days the recovery points are kept when none is given (the deployment config's default too). */
export const DEFAULT_BACKUP_RETENTION_DAYS = 35;
/** When the daily recovery points are taken (UTC) when none is given (the deployment config's default too). */
export const DEFAULT_BACKUP_SCHEDULE = 'cron(0 3 * * ? *)';

export class PlatformBackup extends Construct {
  public readonly vaultName: string;
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: PlatformBackupProps) {
    super(scope, id);
    const retention = props.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS;
    // AWS Backup Lifecycle DeleteAfterDays: a whole number of days, at least 1.
    if (!Number.isInteger(retention) || retention < 1) throw new Error(`PlatformBackup: retentionDays ${retention}: expected a whole number of at least 1`);
    const vault = new BackupVault(this, 'vault', {
      name: `${props.namePrefix}-backups`,
      kmsKeyArn: props.key.arn,
      forceDestroy: false,
      lifecycle: (props.protect ?? true) ? { preventDestroy: true } : undefined,
    });
    this.vaultName = vault.name;
    const role = new IamRole(this, 'role', {
      name: `${props.namePrefix}-backup`,
      assumeRolePolicy: serviceTrust('backup.amazonaws.com', props.accountId),
    });
    this.roleArn = role.arn;
    const managed = [
      'service-role/AWSBackupServiceRolePolicyForBackup',
      'service-role/AWSBackupServiceRolePolicyForRestores',
      'AWSBackupServiceRolePolicyForS3Backup',
      'AWSBackupServiceRolePolicyForS3Restore',
    ];
    for (const policy of managed) {
      new IamRolePolicyAttachment(this, `policy-${policy.replace(/^service-role\//, '')}`, {
        role: role.name,
        policyArn: `arn:${props.partition}:iam::aws:policy/${policy}`,
      });
    }
    addPolicy(this, 'use-key', { role }, [
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey', 'kms:CreateGrant'], Resource: props.key.arn },
    ]);

    const daily = new BackupPlan(this, 'daily', {
      name: `${props.namePrefix}-daily`,
      rule: [
        {
          ruleName: 'daily',
          targetVaultName: vault.name,
          schedule: props.schedule ?? DEFAULT_BACKUP_SCHEDULE,
          startWindow: 60,
          completionWindow: 600,
          lifecycle: { deleteAfter: retention },
        },
      ],
    });
    new BackupSelection(this, 'daily-selection', {
      name: 'database-and-artifacts',
      planId: daily.id,
      iamRoleArn: role.arn,
      resources: [props.databaseArn, props.bucketArn],
    });
    const continuous = new BackupPlan(this, 'continuous', {
      name: `${props.namePrefix}-artifacts-continuous`,
      rule: [
        {
          ruleName: 'continuous',
          targetVaultName: vault.name,
          schedule: props.schedule ?? DEFAULT_BACKUP_SCHEDULE,
          enableContinuousBackup: true,
          // Continuous backups are kept at most 35 days.
          lifecycle: { deleteAfter: Math.min(retention, 35) },
        },
      ],
    });
    new BackupSelection(this, 'continuous-selection', {
      name: 'artifacts',
      planId: continuous.id,
      iamRoleArn: role.arn,
      resources: [props.bucketArn],
    });
  }
}
