import { Construct } from 'constructs';
import { DataAwsServicePrincipal } from '@cdktf/provider-aws/lib/data-aws-service-principal';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { type PolicyStatement, policyJson } from './iam';

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  readonly description: string;
  /** Account that owns the key; its IAM policies decide who uses it. */
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Let CloudWatch Logs use the key for log groups of this account and region. @default false */
  readonly allowCloudWatchLogs?: boolean;
  /**
   * Let CloudWatch alarms and EventBridge rules of this account publish to SNS topics encrypted with
   * the key (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services:
   * CloudWatch with source conditions; EventBridge requests carry none, so its statement has none).
   * @default false
   */
  readonly allowAlarmNotifications?: boolean;
  /** Waiting period before a scheduled deletion, 7-30 days. @default 30 */
  readonly deletionWindowInDays?: number;
}

/** A customer-managed KMS key with yearly rotation and an alias. */
export class EncryptionKey extends Construct {
  public readonly key: KmsKey;
  public readonly arn: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    // AWS KMS ScheduleKeyDeletion, PendingWindowInDays: 7-30 days.
    const window = props.deletionWindowInDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new Error(`EncryptionKey ${props.alias}: deletionWindowInDays ${window}: KMS takes 7-30 days`);
    }
    const root = `arn:${props.partition}:iam::${props.accountId}:root`;
    const statements: PolicyStatement[] = [
      // The account administers the key; IAM policies grant its use to roles.
      { Sid: 'AccountAdministration', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
    ];
    if (props.allowCloudWatchLogs) {
      // CloudWatch Logs is one of the few services whose principal ends in the partition's DNS
      // suffix outside the aws partition (logs.cn-north-1.amazonaws.com.cn): the provider's
      // aws_service_principal knows (aws provider 6.25, internal/service/meta service_principal
      // data source, servicePrincipalNameForPartition). Most others stay *.amazonaws.com everywhere.
      const logs = new DataAwsServicePrincipal(this, 'logs-principal', { serviceName: 'logs', region: props.region });
      statements.push({
        Sid: 'CloudWatchLogs',
        Effect: 'Allow',
        Principal: { Service: `logs.${props.region}.${logs.suffix}` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*` },
        },
      });
    }
    if (props.allowAlarmNotifications) {
      const actions = ['kms:Decrypt', 'kms:GenerateDataKey*'];
      statements.push(
        {
          Sid: 'CloudWatchAlarmsToEncryptedTopics',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: actions,
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': props.accountId },
            ArnLike: { 'aws:SourceArn': `arn:${props.partition}:cloudwatch:${props.region}:${props.accountId}:alarm:*` },
          },
        },
        { Sid: 'EventBridgeToEncryptedTopics', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: actions, Resource: '*' },
      );
    }
    this.key = new KmsKey(this, 'key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: window,
      policy: policyJson(statements),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }

  /** IAM statement that lets a role encrypt and decrypt with this key. */
  public encryptDecryptStatement(): PolicyStatement {
    return { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'], Resource: this.arn };
  }

  /** IAM statement that lets a role decrypt with this key. */
  public decryptStatement(): PolicyStatement {
    return { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: this.arn };
  }
}
