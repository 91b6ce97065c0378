import { type ITerraformDependable, Lazy } from 'cdktf';
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
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { addPolicy, type IGrantable, type PolicyStatement, policyJson } from './iam';

interface PrivateBucketProps {
  readonly bucketName: string;
  /** Customer-managed key (SSE-KMS with a bucket key), or S3-managed keys when absent. */
  readonly key?: EncryptionKey;
  readonly protect: boolean;
  /** Extra bucket policy statements, computed at synth. */
  readonly statements: () => PolicyStatement[];
}

interface PrivateBucketParts {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;
  readonly versioning: S3BucketVersioningA;
}

/** S3 lifecycle Expiration/NoncurrentVersionExpiration days: a positive whole number (S3 API reference, LifecycleExpiration). */
function checkLifecycleDays(what: string, days: number): void {
  if (!Number.isInteger(days) || days < 1) throw new Error(`${what} ${days}: S3 lifecycle rules take a whole number of days, at least 1`);
}

/** The parts every bucket of the platform has: no public access, no ACLs, TLS only, encrypted, versioned. */
function privateBucket(scope: Construct, props: PrivateBucketProps): PrivateBucketParts {
  const bucket = new S3Bucket(scope, 'bucket', {
    bucket: props.bucketName,
    // A protected (production) bucket is never emptied by Terraform. An unprotected (non-production)
    // one is: `cdktf destroy` of a versioned bucket with objects otherwise fails with BucketNotEmpty
    // (aws provider 6.25 docs, r/s3_bucket: force_destroy deletes every object, versions included).
    forceDestroy: !props.protect,
    lifecycle: props.protect ? { preventDestroy: true } : undefined,
  });
  {
    const publicAccessBlock = new S3BucketPublicAccessBlock(scope, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const ownership = new S3BucketOwnershipControls(scope, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const versioning = new S3BucketVersioningA(scope, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(scope, 'encryption', {
      bucket: bucket.id,
      rule: [
        props.key
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.key.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const policy = new S3BucketPolicy(scope, 'policy', {
      bucket: bucket.id,
      // S3 rejects concurrent changes to one bucket's policy, public access block and ownership
      // controls (OperationAborted: "A conflicting conditional operation is currently in progress").
      dependsOn: [publicAccessBlock, ownership],
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
    return { bucket, policy, versioning };
  }
}

/**
 * Regions where load balancers deliver access logs as a regional ELB account: those launched before
 * August 2022, exactly the regions of the aws provider's `aws_elb_service_account` (aws provider 6.x,
 * internal/service/elb/service_account_data_source.go, accountIDPerRegionMap). In any other region
 * that data source fails the plan ("unsupported AWS Region") and ELB writes as the log delivery
 * service principal instead (AWS ELB docs, "Enable access logs for your Application Load Balancer").
 */
const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1', 'eu-north-1',
  'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'me-south-1', 'sa-east-1', 'us-east-1', 'us-east-2',
  'us-gov-east-1', 'us-gov-west-1', 'us-west-1', 'us-west-2',
]);

/** Who writes load balancer access logs into a bucket of `region`. */
function loadBalancerLogWriter(scope: Construct, region: string): Readonly<Record<string, string>> {
  if (ELB_ACCOUNT_REGIONS.has(region)) return { AWS: new DataAwsElbServiceAccount(scope, 'elb-account', {}).arn };
  return { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' };
}

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** Region of the bucket and the load balancer: decides who delivers load balancer logs. */
  readonly region: string;
  /** Days access logs are kept. @default 365 */
  readonly retentionDays?: number;
  /**
   * Terraform `prevent_destroy` and a policy denying bucket deletion; when false the bucket is
   * emptied and deleted on destroy (`force_destroy`). @default true
   */
  readonly protect?: boolean;
}

/**
 * Access logs of the artifact bucket and the load balancer. Encrypted with S3-managed keys:
 * load balancer access logs support no other server-side encryption.
 */
export class AccessLogBucket extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  /**
   * The bucket policy that lets the load balancer and S3 deliver logs. A load balancer with access
   * logs, or a bucket logging configuration, must depend on it: ELB checks its write permission when
   * access logs are turned on ("Access Denied for bucket") (AWS ELB docs, "Enable access logs for
   * your Application Load Balancer": the bucket policy must exist first).
   */
  public readonly deliveryPolicy: ITerraformDependable;
  private readonly sourceBuckets: string[] = [];

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    checkLifecycleDays('AccessLogBucket: retentionDays', props.retentionDays ?? 365);
    const elbWriter = loadBalancerLogWriter(this, props.region);
    const { bucket, policy, versioning } = privateBucket(this, {
      bucketName: props.bucketName,
      protect: props.protect ?? true,
      statements: (): PolicyStatement[] => [
        {
          Sid: 'LoadBalancerAccessLogs',
          Effect: 'Allow',
          Principal: elbWriter,
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
    this.deliveryPolicy = policy;
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      // Noncurrent-version rules need versioning enabled first (aws provider 6.25 docs,
      // r/s3_bucket_lifecycle_configuration, example "versioning-bucket-config": depends_on versioning).
      dependsOn: [versioning],
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
  /**
   * Terraform `prevent_destroy` and a policy denying bucket deletion; when false the bucket is
   * emptied, every version, and deleted on destroy (`force_destroy`). @default true
   */
  readonly protect?: boolean;
}

/**
 * The private artifact bucket: SSE-KMS with a bucket key, versioned, public access blocked, ACLs
 * disabled, TLS only, access-logged, force-destroyed only when unprotected. Object data is readable
 * and writable only by the principals granted through `grantReadWrite` (deletable also through
 * `grantDelete`): the bucket policy denies everyone else (Terraform removes that policy before it
 * empties an unprotected bucket on destroy).
 */
export class ArtifactStore extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  private readonly key: EncryptionKey;
  private readonly writers: string[] = [];

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    checkLifecycleDays('ArtifactStore: noncurrentVersionDays', props.noncurrentVersionDays ?? 30);
    this.key = props.key;
    const { bucket, versioning } = privateBucket(this, {
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
      // S3 delivers server access logs under the target bucket's policy: it must exist first.
      dependsOn: [props.logBucket.deliveryPolicy],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      dependsOn: [versioning],
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
  public grantReadWrite(grantee: IGrantable, name: string, prefix?: string): IamRolePolicy {
    this.writers.push(grantee.role.arn);
    const objects = `${this.bucketArn}/${prefix ? `${prefix}*` : '*'}`;
    return addPolicy(this, `${name}-artifacts`, grantee, [
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

  /**
   * Lets `grantee` list the bucket and delete objects, nothing else (no read, no write, no key use):
   * what `mlflow gc` needs to remove a deleted run's artifacts. Upstream (stored mlflow/mlflow files):
   * mlflow/cli/__init__.py `gc` (commit 00747dbb) calls get_artifact_repository(uri).delete_artifacts()
   * for runs and logged models; a proxied `mlflow-artifacts:/` URI sends a DELETE to the server
   * (mlflow/store/artifact/http_artifact_repo.py, 17b36c9d), whose handler
   * `_delete_artifact_mlflow_artifacts` calls S3ArtifactRepository.delete_artifacts
   * (mlflow/store/artifact/s3_artifact_repo.py, 10dcff56): list_objects_v2 pages, then delete_objects.
   * Versioned bucket: a delete adds a delete marker (s3:DeleteObject). `name` keeps the policy's
   * Terraform address stable.
   */
  public grantDelete(grantee: IGrantable, name: string): IamRolePolicy {
    this.writers.push(grantee.role.arn);
    return addPolicy(this, `${name}-artifacts`, grantee, [
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: this.bucketArn },
      { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: `${this.bucketArn}/*` },
    ]);
  }
}
