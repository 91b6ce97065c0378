/**
 * Every construct of constructs/aws on its own: built with explicit props in a bare stack
 * (cdktf Testing.synthScope / Testing.synth), never from a config file, with targeted assertions on
 * the resources it writes and a failing-input test for each of its validation errors.
 */
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { PlatformBackup, type PlatformBackupProps } from '../../constructs/aws/backup';
import { AccessLogBucket, type AccessLogBucketProps, ArtifactStore, type ArtifactStoreProps } from '../../constructs/aws/buckets';
import { TrackingAlarms, type TrackingAlarmsProps } from '../../constructs/aws/alarms';
import { TrackingDatabase, type TrackingDatabaseProps } from '../../constructs/aws/database';
import { EncryptionKey, type EncryptionKeyProps } from '../../constructs/aws/encryption-key';
import { FARGATE_SIZES, fargateSizeProblem } from '../../constructs/aws/fargate';
import { GeneratedSecret } from '../../constructs/aws/generated-secret';
import { addPolicy, policyJson, serviceTrust } from '../../constructs/aws/iam';
import { subnetCidr, TrackingNetwork, type TrackingNetworkProps } from '../../constructs/aws/network';
import { RateLimitedWebAcl } from '../../constructs/aws/rate-limited-web-acl';
import { TeamRole, type TeamRoleProps } from '../../constructs/aws/team-role';
import { TrackingService, type TrackingServiceProps } from '../../constructs/aws/tracking-service';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';

type Block = Record<string, unknown>;
interface Json {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly ephemeral?: Record<string, Record<string, Block>>;
}

/** Synthesizes what `build` adds to a bare stack (no provider, no config) and parses it. */
function synthOf(build: (scope: Construct) => void): Json {
  return JSON.parse(Testing.synthScope((scope) => build(scope))) as Json;
}

/** A bare stack to build a construct in when only its constructor's checks matter (nothing is synthesized). */
function bareStack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'stack');
}

function resources(json: Json, type: string): Record<string, Block> {
  return json.resource?.[type] ?? {};
}

function only(json: Json, type: string): Block {
  const all = Object.values(resources(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

function policyOf(block: Block, attribute = 'policy'): { Statement: Block[] } {
  return JSON.parse(block[attribute] as string) as { Statement: Block[] };
}

const ACCOUNT = { accountId: '123456789012', region: 'eu-west-1', partition: 'aws' } as const;

function key(scope: Construct, id = 'key', extra: Partial<EncryptionKeyProps> = {}): EncryptionKey {
  return new EncryptionKey(scope, id, { alias: `test-${id}`, description: 'test key', ...ACCOUNT, ...extra });
}

describe('EncryptionKey', () => {
  it('rotates yearly, keeps a 30-day deletion window, and lets only the account administer it by default', () => {
    const json = synthOf((s) => key(s));
    const k = only(json, 'aws_kms_key');
    expect(k).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    const statements = policyOf(k).Statement;
    expect(statements.map((st) => st.Sid)).toEqual(['AccountAdministration']);
    expect(statements[0].Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
    expect(only(json, 'aws_kms_alias').name).toBe('alias/test-key');
    expect(json.data?.aws_service_principal).toBeUndefined();
  });

  it('lets CloudWatch Logs of this account and region use the key, with the partition-aware service principal', () => {
    const json = synthOf((s) => key(s, 'logs', { allowCloudWatchLogs: true }));
    const logs = policyOf(only(json, 'aws_kms_key')).Statement.find((st) => st.Sid === 'CloudWatchLogs');
    expect(logs?.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } });
    expect(Object.values(json.data?.aws_service_principal ?? {})).toEqual([expect.objectContaining({ service_name: 'logs', region: 'eu-west-1' })]);
  });

  it('lets CloudWatch alarms (source-conditioned) and EventBridge publish to topics encrypted with it', () => {
    const statements = policyOf(only(synthOf((s) => key(s, 'alarms', { allowAlarmNotifications: true })), 'aws_kms_key')).Statement;
    const alarms = statements.find((st) => st.Sid === 'CloudWatchAlarmsToEncryptedTopics');
    expect(alarms?.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    expect(statements.find((st) => st.Sid === 'EventBridgeToEncryptedTopics')?.Principal).toEqual({ Service: 'events.amazonaws.com' });
  });

  it('grants through statements on its own ARN', () => {
    const json = synthOf((s) => {
      const k = key(s);
      const role = new IamRole(s, 'role', { assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com') });
      addPolicy(s, 'use', { role }, [k.encryptDecryptStatement(), k.decryptStatement()]);
    });
    const [rw, read] = policyOf(only(json, 'aws_iam_role_policy')).Statement;
    expect(rw.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*']));
    expect(read.Action).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    for (const st of [rw, read]) expect(String(st.Resource)).toMatch(/^\$\{aws_kms_key\.key[^.]*\.arn\}$/);
  });

  it.each([6, 31, 7.5])('rejects a deletion window of %s days (KMS ScheduleKeyDeletion takes 7-30)', (days) => {
    expect(() => key(bareStack(), 'key', { deletionWindowInDays: days })).toThrow(/deletionWindowInDays .*KMS takes 7-30 days/);
  });
});

describe('iam helpers', () => {
  it('serviceTrust limits a service to the account when one is given', () => {
    expect(JSON.parse(serviceTrust('backup.amazonaws.com', '123456789012')).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
    ]);
    expect(JSON.parse(serviceTrust('vpc-flow-logs.amazonaws.com')).Statement[0].Condition).toBeUndefined();
    expect(JSON.parse(policyJson([])).Version).toBe('2012-10-17');
  });

  it('addPolicy writes an inline policy named by its id on the grantee role', () => {
    const json = synthOf((s) => {
      const role = new IamRole(s, 'role', { name: 'r', assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com') });
      addPolicy(s, 'read-things', { role }, [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    });
    const policy = only(json, 'aws_iam_role_policy');
    expect(policy.name).toBe('read-things');
    expect(String(policy.role)).toMatch(/^\$\{aws_iam_role\.role\.name\}$/);
  });
});

describe('GeneratedSecret', () => {
  // The block name is the construct path below the app (the stack id included): unique in the stack, and
  // cdktf 0.21 has no ephemeral resource class, so GeneratedSecret writes the block with an override.
  it('writes the value through an ephemeral random password into the write-only secret_string_wo, named from the construct path', () => {
    const json = synthOf((s) => {
      const k = key(s);
      const parent = new TeamScope(s, 'service');
      new GeneratedSecret(parent, 'admin-password', { name: 'p/admin', description: 'admin', key: k });
    });
    const secret = only(json, 'aws_secretsmanager_secret');
    expect(secret).toMatchObject({ name: 'p/admin', recovery_window_in_days: 30 });
    expect(String(secret.kms_key_id)).toMatch(/aws_kms_key\.key.*\.arn/);
    expect(json.ephemeral?.aws_secretsmanager_random_password).toEqual({
      'stack_service_admin-password': { password_length: 40, exclude_punctuation: true },
    });
    const version = only(json, 'aws_secretsmanager_secret_version');
    expect(version.secret_string_wo).toBe('${ephemeral.aws_secretsmanager_random_password.stack_service_admin-password.random_password}');
    expect(version.secret_string_wo_version).toBe(1);
    expect(version.secret_string).toBeUndefined();
  });

  it('honours length, recovery window and version, and grants read on its own ARN', () => {
    let read: Block = {};
    const json = synthOf((s) => {
      const secret = new GeneratedSecret(s, 'flask', { name: 'p/flask', description: 'd', key: key(s), length: 64, recoveryWindowInDays: 0, version: 3 });
      read = { ...secret.readStatement() };
    });
    expect(json.ephemeral?.aws_secretsmanager_random_password?.stack_flask).toMatchObject({ password_length: 64 });
    expect(only(json, 'aws_secretsmanager_secret').recovery_window_in_days).toBe(0);
    expect(only(json, 'aws_secretsmanager_secret_version').secret_string_wo_version).toBe(3);
    expect(read).toMatchObject({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' });
  });
});

/** A plain construct scope (a parent path segment). */
class TeamScope extends Construct {}

function logBucket(scope: Construct, extra: Partial<AccessLogBucketProps> = {}): AccessLogBucket {
  return new AccessLogBucket(scope, 'logs', { bucketName: 'test-logs', region: 'eu-west-1', ...extra });
}

function artifacts(scope: Construct, extra: Partial<ArtifactStoreProps> = {}): ArtifactStore {
  return new ArtifactStore(scope, 'artifacts', { bucketName: 'test-artifacts', key: key(scope), logBucket: logBucket(scope), ...extra });
}

describe('ArtifactStore and AccessLogBucket', () => {
  const bucketNamed = (json: Json, name: string) => Object.entries(resources(json, 'aws_s3_bucket')).find(([, b]) => b.bucket === name)!;
  const policyOfBucket = (json: Json, bucketId: string) =>
    policyOf(Object.values(resources(json, 'aws_s3_bucket_policy')).find((p) => String(p.bucket).includes(`aws_s3_bucket.${bucketId}.`))!);

  it('protects both buckets by default: prevent_destroy, no force_destroy, a policy denying bucket deletion and plain HTTP', () => {
    const json = synthOf((s) => artifacts(s));
    for (const name of ['test-artifacts', 'test-logs']) {
      const [id, bucket] = bucketNamed(json, name);
      expect(bucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
      const sids = policyOfBucket(json, id).Statement.map((st) => st.Sid);
      expect(sids).toEqual(expect.arrayContaining(['DenyInsecureTransport', 'DenyBucketDeletion']));
    }
    expect(Object.values(resources(json, 'aws_s3_bucket_public_access_block')).every((b) => b.block_public_policy === true && b.restrict_public_buckets === true)).toBe(true);
    expect(Object.values(resources(json, 'aws_s3_bucket_versioning')).map((v) => v.versioning_configuration)).toEqual([{ status: 'Enabled' }, { status: 'Enabled' }]);
  });

  it('empties and deletes unprotected buckets on destroy', () => {
    const json = synthOf((s) => new ArtifactStore(s, 'artifacts', { bucketName: 'test-artifacts', key: key(s), logBucket: logBucket(s, { protect: false }), protect: false }));
    for (const name of ['test-artifacts', 'test-logs']) {
      const [id, bucket] = bucketNamed(json, name);
      expect(bucket.force_destroy).toBe(true);
      expect(bucket.lifecycle).toBeUndefined();
      expect(policyOfBucket(json, id).Statement.map((st) => st.Sid)).not.toContain('DenyBucketDeletion');
    }
  });

  it('encrypts artifacts with the KMS key (bucket key) and logs with S3-managed keys (all ELB access logs accept)', () => {
    const json = synthOf((s) => artifacts(s));
    const rules = Object.values(resources(json, 'aws_s3_bucket_server_side_encryption_configuration')).map((e) => (e.rule as Block[])[0]);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bucket_key_enabled: true, apply_server_side_encryption_by_default: expect.objectContaining({ sse_algorithm: 'aws:kms' }) }),
        { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } },
      ]),
    );
  });

  it('denies object access to everyone but the granted roles, and grants a prefix only when asked', () => {
    const json = synthOf((s) => {
      const store = artifacts(s);
      const role = new IamRole(s, 'team', { assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com') });
      store.grantReadWrite({ role }, 'team-a', 'workspaces/a/');
      store.allowServiceRole('arn:aws:iam::123456789012:role/backup');
    });
    const [id] = bucketNamed(json, 'test-artifacts');
    const deny = policyOfBucket(json, id).Statement.find((st) => st.Sid === 'DenyObjectAccessToOthers');
    expect((deny?.Condition as { ArnNotLike: Record<string, string[]> }).ArnNotLike['aws:PrincipalArn']).toEqual([
      expect.stringMatching(/^\$\{aws_iam_role\.team\.arn\}$/),
      'arn:aws:iam::123456789012:role/backup',
    ]);
    const grant = only(json, 'aws_iam_role_policy');
    expect(grant.name).toBe('team-a-artifacts');
    const [list, objects] = policyOf(grant).Statement;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['workspaces/a/*'] } });
    expect(String(objects.Resource)).toMatch(/\/workspaces\/a\/\*$/);
  });

  it('lets S3 deliver the artifact bucket\'s access logs and the load balancer its own, logging only after the policy exists', () => {
    const json = synthOf((s) => artifacts(s));
    const [logsId] = bucketNamed(json, 'test-logs');
    const statements = policyOfBucket(json, logsId).Statement;
    expect(statements.find((st) => st.Sid === 'S3ServerAccessLogs')?.Condition).toEqual({ ArnLike: { 'aws:SourceArn': [expect.stringMatching(/aws_s3_bucket\.artifacts_bucket.*\.arn/)] } });
    // eu-west-1 predates August 2022: the regional ELB account writes (aws_elb_service_account).
    expect(statements.find((st) => st.Sid === 'LoadBalancerAccessLogs')?.Principal).toEqual({ AWS: expect.stringMatching(/data\.aws_elb_service_account/) });
    const logging = only(json, 'aws_s3_bucket_logging');
    expect(logging).toMatchObject({ target_prefix: 's3/test-artifacts/' });
    expect(logging.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.logs_policy/)]);
  });

  it('uses the log delivery service principal in regions without a regional ELB account', () => {
    const json = synthOf((s) => logBucket(s, { region: 'ap-southeast-5' }));
    expect(json.data?.aws_elb_service_account).toBeUndefined();
    const statements = policyOf(only(json, 'aws_s3_bucket_policy')).Statement;
    expect(statements.find((st) => st.Sid === 'LoadBalancerAccessLogs')?.Principal).toEqual({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
    // No source bucket: no S3 server access log statement.
    expect(statements.map((st) => st.Sid)).not.toContain('S3ServerAccessLogs');
  });

  it('expires logs and noncurrent artifact versions after the configured days', () => {
    const json = synthOf((s) => new ArtifactStore(s, 'artifacts', { bucketName: 'test-artifacts', key: key(s), logBucket: logBucket(s, { retentionDays: 400 }), noncurrentVersionDays: 14 }));
    const rules = Object.values(resources(json, 'aws_s3_bucket_lifecycle_configuration')).map((l) => (l.rule as Block[])[0]);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'expire-logs', expiration: [{ days: 400 }] }),
        expect.objectContaining({ id: 'noncurrent-versions', noncurrent_version_expiration: [{ noncurrent_days: 14 }] }),
      ]),
    );
  });

  it.each([0, 1.5])('rejects a log retention of %s days', (days) => {
    expect(() => logBucket(bareStack(), { retentionDays: days })).toThrow(/AccessLogBucket: retentionDays .*whole number of days, at least 1/);
  });

  it.each([0, -1])('rejects keeping noncurrent artifact versions %s days', (days) => {
    expect(() => artifacts(bareStack(), { noncurrentVersionDays: days })).toThrow(/ArtifactStore: noncurrentVersionDays .*at least 1/);
  });
});

function database(scope: Construct, extra: Partial<TrackingDatabaseProps> = {}): TrackingDatabase {
  return new TrackingDatabase(scope, 'database', { namePrefix: 'test', vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], key: key(scope), ...extra });
}

describe('TrackingDatabase', () => {
  it('postgres by default: encrypted, private, TLS forced, master password managed by RDS, protected', () => {
    const json = synthOf((s) => database(s));
    const db = only(json, 'aws_db_instance');
    expect(db).toMatchObject({
      engine: 'postgres',
      engine_version: '16',
      identifier: 'test',
      db_name: 'mlflow',
      manage_master_user_password: true,
      storage_encrypted: true,
      publicly_accessible: false,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'test-final',
      lifecycle: { prevent_destroy: true },
      backup_retention_period: 7,
      allocated_storage: 20,
      max_allocated_storage: 200,
    });
    const parameters = only(json, 'aws_db_parameter_group');
    expect(parameters.family).toBe('postgres16');
    expect(parameters.parameter).toEqual(expect.arrayContaining([{ name: 'rds.force_ssl', value: '1' }]));
    expect(only(json, 'aws_db_subnet_group').subnet_ids).toEqual(['subnet-a', 'subnet-b']);
    expect(json.resource?.aws_rds_cluster).toBeUndefined();
  });

  it('Aurora Serverless v2: a cluster with its ACU range and one serverless instance, two with multiAz', () => {
    const json = synthOf((s) => database(s, { engine: 'aurora-postgresql', minCapacity: 1, maxCapacity: 8, multiAz: true }));
    expect(only(json, 'aws_rds_cluster')).toMatchObject({
      engine: 'aurora-postgresql',
      database_name: 'mlflow',
      serverlessv2_scaling_configuration: { min_capacity: 1, max_capacity: 8 },
      lifecycle: { prevent_destroy: true },
    });
    expect(Object.values(resources(json, 'aws_rds_cluster_instance')).map((i) => i.instance_class)).toEqual(['db.serverless', 'db.serverless']);
    expect(only(json, 'aws_rds_cluster_parameter_group').family).toBe('aurora-postgresql16');
    expect(json.resource?.aws_db_instance).toBeUndefined();
  });

  it('unprotected: no prevent_destroy and no final snapshot', () => {
    const db = only(synthOf((s) => database(s, { protect: false, deletionProtection: false })), 'aws_db_instance');
    expect(db).toMatchObject({ skip_final_snapshot: true, deletion_protection: false });
    expect(db.lifecycle).toBeUndefined();
    expect(db.final_snapshot_identifier).toBeUndefined();
  });

  it('allowConnectionsFrom opens PostgreSQL to a peer security group; readSecretStatements reads the master secret', () => {
    const json = synthOf((s) => {
      const db = database(s);
      db.allowConnectionsFrom({ securityGroupId: 'sg-peer' }, 'tracking-tasks');
      const role = new IamRole(s, 'role', { assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com') });
      addPolicy(s, 'read', { role }, db.readSecretStatements());
    });
    const rule = only(json, 'aws_vpc_security_group_ingress_rule');
    expect(rule).toMatchObject({ referenced_security_group_id: 'sg-peer', from_port: 5432, to_port: 5432, ip_protocol: 'tcp', description: 'PostgreSQL from tracking-tasks' });
    expect(String(rule.security_group_id)).toMatch(/aws_security_group\.database_security-group.*\.id/);
    const [read, decrypt] = policyOf(only(json, 'aws_iam_role_policy')).Statement;
    expect(read).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: expect.stringMatching(/aws_db_instance\.database_instance.*\.master_user_secret\[0\]\.secret_arn/) });
    expect(decrypt).toMatchObject({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: expect.stringMatching(/aws_kms_key\.key.*\.arn/) });
  });

  it.each<[string, Partial<TrackingDatabaseProps>, RegExp]>([
    ['one subnet', { subnetIds: ['subnet-a'] }, /subnetIds: at least 2 subnets/],
    ['a storage ceiling below the initial storage', { allocatedStorageGb: 100, maxAllocatedStorageGb: 50 }, /maxAllocatedStorageGb 50 is below allocatedStorageGb 100/],
    ['an ACU minimum above the maximum', { engine: 'aurora-postgresql', minCapacity: 8, maxCapacity: 4 }, /minCapacity 8 exceeds maxCapacity 4/],
    ['36 days of backups', { backupRetentionDays: 36 }, /backupRetentionDays 36: RDS keeps automated backups 0-35 days/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => database(bareStack(), props)).toThrow(message);
  });
});
