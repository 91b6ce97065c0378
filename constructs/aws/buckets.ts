import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { EncryptionKey } from './encryption-key';
import { addPolicy, type IGrantable, type PolicyStatement, policyJson } from './iam';

interface PrivateBucketProps {
  readonly bucketName: string;
  /** Customer-managed key (SSE-KMS with a bucket key), or S3-managed keys when absent. */
  readonly key?: EncryptionKey;
  readonly protect: boolean;
  /** Extra bucket policy statements, computed at synth. */
  readonly statements: () => PolicyStatement[];
}

/** The parts every bucket of the platform has: no public access, no ACLs, TLS only, encrypted, versioned. */
function privateBucket(scope: Construct, props: PrivateBucketProps): S3Bucket {
  const bucket = new S3Bucket(scope, 'bucket', {
    bucket: props.bucketName,
    forceDestroy: false,
    lifecycle: props.protect ? { preventDestroy: true } : undefined,
  });
  {
    new S3BucketPublicAccessBlock(scope, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(scope, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketVersioningA(scope, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(scope, 'encryption', {
      bucket: bucket.id,
      rule: [
        props.key
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.key.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    new S3BucketPolicy(scope, 'policy', {
      bucket: bucket.id,
      policy: Lazy.stringValue({
        produce: () =>
          policyJson([
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [bucket.arn, `${bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': false } },
            },
            // Provider-side guard next to prevent_destroy: nobody deletes a protected bucket.
            ...(props.protect ? [{ Sid: 'DenyBucketDeletion', Effect: 'Deny' as const, Principal: '*' as const, Action: 's3:DeleteBucket', Resource: bucket.arn }] : []),
            ...props.statements(),
          ]),
      }),
    });
  }
  return bucket;
}

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** Days access logs are kept. @default 365 */
  readonly retentionDays?: number;
  readonly protect?: boolean;
}

/**
 * Access logs of the artifact bucket and the load balancer. Encrypted with S3-managed keys:
 * load balancer access logs support no other server-side encryption.
 */
export class AccessLogBucket extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  private readonly sourceBuckets: string[] = [];

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const elb = new DataAwsElbServiceAccount(this, 'elb-account', {});
    const bucket = privateBucket(this, {
      bucketName: props.bucketName,
      protect: props.protect ?? false,
      statements: (): PolicyStatement[] => [
        {
          Sid: 'LoadBalancerAccessLogs',
          Effect: 'Allow',
          Principal: { AWS: elb.arn },
          Action: 's3:PutObject',
          Resource: `${this.bucketArn}/alb/*`,
        },
        ...(this.sourceBuckets.length > 0
          ? [
              {
                Sid: 'S3ServerAccessLogs',
                Effect: 'Allow' as const,
                Principal: { Service: 'logging.s3.amazonaws.com' },
                Action: 's3:PutObject',
                Resource: `${this.bucketArn}/s3/*`,
                Condition: { ArnLike: { 'aws:SourceArn': this.sourceBuckets } },
              },
            ]
          : []),
      ],
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: props.retentionDays ?? 365 }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }

  /** Lets S3 deliver server access logs of `bucketArn`. */
  public acceptServerAccessLogsFrom(bucketArn: string): void {
    this.sourceBuckets.push(bucketArn);
  }
}

export interface ArtifactStoreProps {
  readonly bucketName: string;
  readonly key: EncryptionKey;
  readonly logBucket: AccessLogBucket;
  /** Days a noncurrent object version is kept. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Terraform `prevent_destroy`. @default true */
  readonly protect?: boolean;
}

/**
 * The private artifact bucket: SSE-KMS with a bucket key, versioned, public access blocked, ACLs
 * disabled, TLS only, access-logged, never force-destroyed. Object data is readable and writable only
 * by the principals granted through `grantReadWrite`: the bucket policy denies everyone else.
 */
export class ArtifactStore extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  private readonly key: EncryptionKey;
  private readonly writers: string[] = [];

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    this.key = props.key;
    const bucket = privateBucket(this, {
      bucketName: props.bucketName,
      key: props.key,
      protect: props.protect ?? true,
      statements: () => [
        {
          Sid: 'DenyObjectAccessToOthers',
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*', 's3:RestoreObject'],
          Resource: `${this.bucketArn}/*`,
          Condition: { ArnNotLike: { 'aws:PrincipalArn': this.writers } },
        },
      ],
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    props.logBucket.acceptServerAccessLogsFrom(this.bucketArn);
    new S3BucketLoggingA(this, 'access-logging', {
      bucket: bucket.id,
      targetBucket: props.logBucket.bucketName,
      targetPrefix: `s3/${props.bucketName}/`,
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 30 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }

  /**
   * Exempts a service role (AWS Backup) from the bucket policy's deny of object access; its own IAM
   * policies (AWS managed) decide what it may do.
   */
  public allowServiceRole(roleArn: string): void {
    this.writers.push(roleArn);
  }

  /**
   * Lets `grantee` read and write objects, under `prefix` only when one is given; `name` keeps the
   * policy's Terraform address stable.
   */
  public grantReadWrite(grantee: IGrantable, name: string, prefix?: string): void {
    this.writers.push(grantee.role.arn);
    const objects = `${this.bucketArn}/${prefix ? `${prefix}*` : '*'}`;
    addPolicy(this, `${name}-artifacts`, grantee, [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: this.bucketArn,
        ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: objects,
      },
      this.key.encryptDecryptStatement(),
    ]);
  }
}
