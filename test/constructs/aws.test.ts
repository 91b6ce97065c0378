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
import { type IAwsNetwork, subnetCidr, TrackingNetwork, type TrackingNetworkProps } from '../../constructs/aws/network';
import { RateLimitedWebAcl } from '../../constructs/aws/rate-limited-web-acl';
import { TeamRole, type TeamRoleProps } from '../../constructs/aws/team-role';
import { TrackingService, type TrackingServiceProps } from '../../constructs/aws/tracking-service';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';

/** A VPC built elsewhere (IAwsNetwork): two subnets per tier. */
const NETWORK: IAwsNetwork = {
  vpcId: 'vpc-1',
  vpcCidr: '10.0.0.0/16',
  publicSubnetIds: ['subnet-p1', 'subnet-p2'],
  privateSubnetIds: ['subnet-q1', 'subnet-q2'],
  isolatedSubnetIds: ['subnet-a', 'subnet-b'],
};

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
      'service_admin-password': { password_length: 40, exclude_punctuation: true },
    });
    const version = only(json, 'aws_secretsmanager_secret_version');
    expect(version.secret_string_wo).toBe('${ephemeral.aws_secretsmanager_random_password.service_admin-password.random_password}');
    expect(version.secret_string_wo_version).toBe(1);
    expect(version.secret_string).toBeUndefined();
  });

  it('honours length, recovery window and version, and grants read on its own ARN', () => {
    let read: Block = {};
    const json = synthOf((s) => {
      const secret = new GeneratedSecret(s, 'flask', { name: 'p/flask', description: 'd', key: key(s), length: 64, recoveryWindowInDays: 0, version: 3 });
      read = { ...secret.readStatement() };
    });
    expect(json.ephemeral?.aws_secretsmanager_random_password?.flask).toMatchObject({ password_length: 64 });
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
  const found = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what}`);
    return value;
  };
  const bucketNamed = (json: Json, name: string) => found(Object.entries(resources(json, 'aws_s3_bucket')).find(([, b]) => b.bucket === name), `bucket ${name}`);
  const policyOfBucket = (json: Json, bucketId: string) =>
    policyOf(found(Object.values(resources(json, 'aws_s3_bucket_policy')).find((p) => String(p.bucket).includes(`aws_s3_bucket.${bucketId}.`)), `policy of ${bucketId}`));

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

  it('grantDelete: list and delete only (no read, write or key use), and the role is exempt from the deny', () => {
    const json = synthOf((s) => {
      const role = new IamRole(s, 'gc', { assumeRolePolicy: serviceTrust('ecs-tasks.amazonaws.com') });
      artifacts(s).grantDelete({ role }, 'gc');
    });
    const grant = only(json, 'aws_iam_role_policy');
    expect(grant.name).toBe('gc-artifacts');
    expect(policyOf(grant).Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.artifacts_bucket_\w+\.arn\}$/) },
      { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.artifacts_bucket_\w+\.arn\}\/\*$/) },
    ]);
    const [id] = bucketNamed(json, 'test-artifacts');
    const deny = policyOfBucket(json, id).Statement.find((st) => st.Sid === 'DenyObjectAccessToOthers');
    expect((deny?.Condition as { ArnNotLike: Record<string, string[]> }).ArnNotLike['aws:PrincipalArn']).toEqual([expect.stringMatching(/^\$\{aws_iam_role\.gc\.arn\}$/)]);
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
  return new TrackingDatabase(scope, 'database', { namePrefix: 'test', network: NETWORK, key: key(scope), ...extra });
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
    ['one subnet', { network: { ...NETWORK, isolatedSubnetIds: ['subnet-a'] } }, /network\.isolatedSubnetIds: at least 2 subnets/],
    ['a storage ceiling below the initial storage', { allocatedStorageGb: 100, maxAllocatedStorageGb: 50 }, /maxAllocatedStorageGb 50 is below allocatedStorageGb 100/],
    ['an ACU minimum above the maximum', { engine: 'aurora-postgresql', minCapacity: 8, maxCapacity: 4 }, /minCapacity 8 exceeds maxCapacity 4/],
    ['36 days of backups', { backupRetentionDays: 36 }, /backupRetentionDays 36: RDS keeps automated backups 0-35 days/],
    ['no backups of an Aurora cluster', { engine: 'aurora-postgresql', backupRetentionDays: 0 }, /backupRetentionDays 0: RDS keeps automated backups 1-35 days/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => database(bareStack(), props)).toThrow(message);
  });
});

function network(scope: Construct, extra: Partial<TrackingNetworkProps> = {}): TrackingNetwork {
  return new TrackingNetwork(scope, 'network', { namePrefix: 'test', logsKey: key(scope), region: 'eu-west-1', ...extra });
}

describe('TrackingNetwork', () => {
  it('a new VPC: three tiers over two zones, one NAT gateway, an S3 gateway endpoint, no interface endpoints, flow logs', () => {
    const json = synthOf((s) => network(s));
    expect(only(json, 'aws_vpc')).toMatchObject({ cidr_block: '10.0.0.0/16', enable_dns_hostnames: true });
    const subnets = Object.values(resources(json, 'aws_subnet'));
    const byName = Object.fromEntries(subnets.map((sn) => [(sn.tags as Record<string, string>).Name, sn.cidr_block]));
    expect(byName).toEqual({
      'test-public-0': '10.0.0.0/20',
      'test-public-1': '10.0.16.0/20',
      'test-private-0': '10.0.32.0/20',
      'test-private-1': '10.0.48.0/20',
      'test-isolated-0': '10.0.64.0/20',
      'test-isolated-1': '10.0.80.0/20',
    });
    expect(subnets.every((sn) => sn.map_public_ip_on_launch === false)).toBe(true);
    expect(Object.keys(resources(json, 'aws_nat_gateway'))).toHaveLength(1);
    expect(only(json, 'aws_vpc_endpoint')).toMatchObject({ service_name: 'com.amazonaws.eu-west-1.s3', vpc_endpoint_type: 'Gateway' });
    // The default security group is managed with no rules at all.
    const defaultSg = only(json, 'aws_default_security_group');
    expect(defaultSg.ingress).toBeUndefined();
    expect(defaultSg.egress).toBeUndefined();
    expect(only(json, 'aws_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    expect(only(json, 'aws_cloudwatch_log_group')).toMatchObject({ name: '/mlflow-platform/test/vpc-flow-logs', retention_in_days: 90 });
  });

  it('isolated subnets have no route out; private subnets route through NAT', () => {
    const json = synthOf((s) => network(s));
    const routes = Object.values(resources(json, 'aws_route'));
    expect(routes.filter((r) => r.nat_gateway_id)).toHaveLength(2);
    expect(routes.filter((r) => r.gateway_id)).toHaveLength(1);
    expect(routes).toHaveLength(3);
  });

  it('no NAT: interface endpoints for ECR, Logs, Secrets Manager, KMS and STS, reachable over HTTPS from the VPC', () => {
    const json = synthOf((s) => network(s, { natGateways: 'none' }));
    expect(resources(json, 'aws_nat_gateway')).toEqual({});
    const services = Object.values(resources(json, 'aws_vpc_endpoint')).map((e) => e.service_name);
    expect(services).toEqual(expect.arrayContaining(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'kms', 'sts'].map((x) => `com.amazonaws.eu-west-1.${x}`)));
    expect(only(json, 'aws_vpc_security_group_ingress_rule')).toMatchObject({ cidr_ipv4: '10.0.0.0/16', from_port: 443, to_port: 443 });
  });

  it('a NAT gateway per zone over three zones', () => {
    const json = synthOf((s) => network(s, { natGateways: 'per-az', azCount: 3, vpcCidr: '10.1.0.0/16', subnetPrefixLength: 24 }));
    expect(Object.keys(resources(json, 'aws_nat_gateway'))).toHaveLength(3);
    const last = Object.values(resources(json, 'aws_subnet')).find((sn) => (sn.tags as Record<string, string>).Name === 'test-isolated-2');
    expect(last?.cidr_block).toBe('10.1.8.0/24');
  });

  it('an existing VPC: nothing created but the flow log, and limitS3Endpoint does nothing', () => {
    let ids: string[] = [];
    const json = synthOf((s) => {
      const n = network(s, {
        existing: { vpcId: 'vpc-1', vpcCidr: '10.9.0.0/16', publicSubnetIds: ['p1', 'p2'], privateSubnetIds: ['q1', 'q2'], isolatedSubnetIds: ['i1', 'i2'] },
      });
      n.limitS3Endpoint({ bucketArns: ['arn:aws:s3:::b'], partition: 'aws', region: 'eu-west-1' });
      ids = n.privateSubnetIds;
    });
    expect(ids).toEqual(['q1', 'q2']);
    expect(json.resource?.aws_vpc).toBeUndefined();
    expect(json.resource?.aws_vpc_endpoint_policy).toBeUndefined();
    expect(only(json, 'aws_flow_log').vpc_id).toBe('vpc-1');
  });

  it('limitS3Endpoint allows the platform buckets and the ECR layer bucket only', () => {
    const json = synthOf((s) => network(s).limitS3Endpoint({ bucketArns: ['arn:aws:s3:::b'], partition: 'aws', region: 'eu-west-1' }));
    const statements = policyOf(only(json, 'aws_vpc_endpoint_policy')).Statement;
    expect(statements.map((st) => st.Resource)).toEqual([['arn:aws:s3:::b', 'arn:aws:s3:::b/*'], 'arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*']);
  });

  it('subnetCidr counts subnets of a prefix through the VPC range', () => {
    expect(subnetCidr('10.0.0.0/16', 20, 0)).toBe('10.0.0.0/20');
    expect(subnetCidr('10.0.0.0/16', 20, 5)).toBe('10.0.80.0/20');
    expect(subnetCidr('172.16.0.0/12', 16, 15)).toBe('172.31.0.0/16');
  });

  const existing = { vpcId: 'vpc-1', vpcCidr: '10.0.0.0/16', publicSubnetIds: ['p1', 'p2'], privateSubnetIds: ['q1', 'q2'], isolatedSubnetIds: ['i1', 'i2'] };
  it.each<[string, Partial<TrackingNetworkProps>, RegExp]>([
    ['one zone', { azCount: 1 }, /azCount 1: expected a whole number of at least 2/],
    ['subnets that do not fit in the VPC', { vpcCidr: '10.0.0.0/24', subnetPrefixLength: 26 }, /6 subnets of \/26 \(3 tiers x 2 zones\) do not fit in 10\.0\.0\.0\/24/],
    ['subnets smaller than /28', { vpcCidr: '10.0.0.0/16', subnetPrefixLength: 29 }, /do not fit/],
    ['a VPC larger than /16', { vpcCidr: '10.0.0.0/8' }, /vpcCidr 10\.0\.0\.0\/8: a VPC takes a prefix from \/16 to \/28/],
    ['a CIDR with host bits', { vpcCidr: '10.0.0.1/16' }, /vpcCidr 10\.0\.0\.1\/16: host bits must be zero/],
    ['an existing VPC with one isolated subnet', { existing: { ...existing, isolatedSubnetIds: ['i1'] } }, /existing\.isolatedSubnetIds: at least 2 subnets/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => network(bareStack(), props)).toThrow(message);
  });
});

function alarmsProps(extra: Partial<TrackingAlarmsProps> = {}): Omit<TrackingAlarmsProps, 'key'> {
  return {
    namePrefix: 'test',
    ...ACCOUNT,
    loadBalancerArnSuffix: 'app/test/1',
    targetGroupArnSuffix: 'targetgroup/test/2',
    clusterName: 'test',
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/test',
    serviceName: 'mlflow',
    minTasks: 2,
    database: { kind: 'instance', identifier: 'test', maxConnections: 400, allocatedStorageGb: 100 },
    ...extra,
  };
}

describe('TrackingAlarms', () => {
  it('alarms on errors, latency, health, running tasks and the database, notifying an encrypted topic on alarm and OK', () => {
    let names: string[] = [];
    const json = synthOf((s) => {
      names = new TrackingAlarms(s, 'alarms', { ...alarmsProps({ emails: ['ops@example.com'] }), key: key(s) }).alarmNames;
    });
    expect(names).toEqual(['5xx-rate', 'latency-p90', 'unhealthy-targets', 'running-tasks', 'database-cpu', 'database-connections', 'database-free-storage'].map((n) => `test-${n}`));
    const alarms = Object.values(resources(json, 'aws_cloudwatch_metric_alarm'));
    expect(alarms.every((a) => (a.alarm_actions as string[]).length === 1 && (a.ok_actions as string[]).length === 1)).toBe(true);
    expect(alarms.find((a) => a.alarm_name === 'test-running-tasks')).toMatchObject({ threshold: 2, treat_missing_data: 'breaching', comparison_operator: 'LessThanThreshold' });
    expect(alarms.find((a) => a.alarm_name === 'test-database-free-storage')?.dimensions).toEqual({ DBInstanceIdentifier: 'test' });
    expect(String(only(json, 'aws_sns_topic').kms_master_key_id)).toMatch(/aws_kms_key/);
    expect(only(json, 'aws_sns_topic_subscription')).toMatchObject({ protocol: 'email', endpoint: 'ops@example.com' });
    const pattern = JSON.parse(only(json, 'aws_cloudwatch_event_rule').event_pattern as string);
    expect(pattern.detail).toMatchObject({ group: ['service:mlflow'], lastStatus: ['STOPPED'] });
    expect(policyOf(only(json, 'aws_sns_topic_policy')).Statement.map((st) => st.Principal)).toEqual([{ Service: 'cloudwatch.amazonaws.com' }, { Service: 'events.amazonaws.com' }]);
  });

  it('an Aurora cluster: cluster dimensions and no storage alarm; production thresholds are stricter', () => {
    const cluster = { kind: 'cluster' as const, identifier: 'c', maxConnections: 1000 };
    let names: string[] = [];
    const thresholds = (production: boolean) => {
      const json = synthOf((s) => {
        names = new TrackingAlarms(s, 'alarms', { ...alarmsProps({ database: cluster, production }), key: key(s) }).alarmNames;
      });
      return Object.values(resources(json, 'aws_cloudwatch_metric_alarm'));
    };
    const prod = thresholds(true);
    expect(names).not.toContain('test-database-free-storage');
    expect(prod.find((a) => a.alarm_name === 'test-database-cpu')?.dimensions).toEqual({ DBClusterIdentifier: 'c' });
    const dev = thresholds(false);
    const rate = (alarms: Block[]) => alarms.find((a) => a.alarm_name === 'test-5xx-rate')?.threshold as number;
    expect(rate(prod)).toBeLessThan(rate(dev));
  });
});

describe('PlatformBackup', () => {
  const props = (extra: Partial<PlatformBackupProps> = {}) => (s: Construct) =>
    new PlatformBackup(s, 'backup', { namePrefix: 'test', ...ACCOUNT, key: key(s), databaseArn: 'arn:db', bucketArn: 'arn:bucket', ...extra });

  it('a protected, encrypted vault; a daily plan of database and bucket; continuous bucket backup kept at most 35 days', () => {
    const json = synthOf(props({ retentionDays: 90 }));
    expect(only(json, 'aws_backup_vault')).toMatchObject({ name: 'test-backups', force_destroy: false, lifecycle: { prevent_destroy: true } });
    const plans = Object.values(resources(json, 'aws_backup_plan')).map((p) => (p.rule as Block[])[0]);
    expect(plans).toHaveLength(2);
    expect(plans).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule_name: 'daily', lifecycle: { delete_after: 90 }, schedule: 'cron(0 3 * * ? *)' }),
      expect.objectContaining({ rule_name: 'continuous', enable_continuous_backup: true, lifecycle: { delete_after: 35 } }),
    ]));
    const selections = Object.fromEntries(Object.values(resources(json, 'aws_backup_selection')).map((sel) => [sel.name, sel.resources]));
    expect(selections).toEqual({ 'database-and-artifacts': ['arn:db', 'arn:bucket'], artifacts: ['arn:bucket'] });
    expect(Object.keys(resources(json, 'aws_iam_role_policy_attachment'))).toHaveLength(4);
  });

  it('an unprotected vault has no prevent_destroy', () => {
    expect(only(synthOf(props({ protect: false })), 'aws_backup_vault').lifecycle).toBeUndefined();
  });

  it.each([0, 2.5])('rejects keeping recovery points %s days', (days) => {
    expect(() => props({ retentionDays: days })(bareStack())).toThrow(/PlatformBackup: retentionDays .*at least 1/);
  });
});

describe('RateLimitedWebAcl', () => {
  it('blocks a client IP over the rate (default 2000 per 5 minutes) and allows the rest, on the given load balancer', () => {
    let limit = 0;
    const json = synthOf((s) => {
      limit = new RateLimitedWebAcl(s, 'waf', { name: 'test', resourceArn: 'arn:lb' }).limit;
    });
    expect(limit).toBe(2000);
    const acl = only(json, 'aws_wafv2_web_acl');
    expect(acl).toMatchObject({ scope: 'REGIONAL', default_action: { allow: {} } });
    expect((acl.rule as Block[])[0]).toMatchObject({
      action: { block: {} },
      statement: { rate_based_statement: { limit: 2000, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
    });
    expect(only(json, 'aws_wafv2_web_acl_association').resource_arn).toBe('arn:lb');
  });

  it('takes a limit and a window', () => {
    const acl = only(synthOf((s) => new RateLimitedWebAcl(s, 'waf', { name: 'test', resourceArn: 'arn:lb', limit: 500, evaluationWindowSec: 60 })), 'aws_wafv2_web_acl');
    expect((acl.rule as Block[])[0].statement).toEqual({ rate_based_statement: { limit: 500, aggregate_key_type: 'IP', evaluation_window_sec: 60 } });
  });
});

describe('TeamRole', () => {
  const team = (s: Construct, extra: Partial<TeamRoleProps> = {}) =>
    new TeamRole(s, 'team', { namePrefix: 'test', team: 'vision', trustedPrincipals: ['arn:aws:iam::123456789012:role/ci'], artifacts: artifacts(s), ...extra });

  it('trusts the given principals and reads and writes its own workspace prefix only', () => {
    let prefix = '';
    const json = synthOf((s) => {
      prefix = team(s, { maxSessionDuration: 7200 }).artifactPrefix;
    });
    expect(prefix).toBe('workspaces/vision/');
    const role = only(json, 'aws_iam_role');
    expect(role).toMatchObject({ name: 'test-team-vision', max_session_duration: 7200 });
    expect(policyOf(role, 'assume_role_policy').Statement[0]).toMatchObject({ Principal: { AWS: ['arn:aws:iam::123456789012:role/ci'] } });
    const grant = only(json, 'aws_iam_role_policy');
    expect(grant.name).toBe('team-vision-artifacts');
    expect(policyOf(grant).Statement[0].Condition).toEqual({ StringLike: { 's3:prefix': ['workspaces/vision/*'] } });
  });

  it.each<[string, Partial<TeamRoleProps>, RegExp]>([
    ['no trusted principal', { trustedPrincipals: [] }, /TeamRole vision: trustedPrincipals: at least one principal/],
    ['a session under an hour', { maxSessionDuration: 900 }, /maxSessionDuration 900: IAM takes 3600-43200 seconds/],
    ['a session over 12 hours', { maxSessionDuration: 43201 }, /maxSessionDuration 43201/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => team(bareStack(), props)).toThrow(message);
  });
});

describe('Fargate sizes', () => {
  it('accepts the documented combinations and explains the others', () => {
    expect(fargateSizeProblem(256, 512)).toBeUndefined();
    expect(fargateSizeProblem(16384, 122880)).toBeUndefined();
    expect(fargateSizeProblem(1024, 1024)).toBe('Fargate with 1024 CPU units takes 2048-8192 MiB in steps of 1024');
    expect(fargateSizeProblem(300, 1024)).toMatch(/^expected a Fargate CPU size: 256, 512, 1024/);
    expect(FARGATE_SIZES[8192]).toContain(61440);
  });
});

/** A TrackingService with its collaborators, all built from explicit props. */
function service(scope: Construct, extra: Partial<TrackingServiceProps> = {}): TrackingService {
  const dataKey = key(scope, 'data');
  const logs = logBucket(scope);
  const store = new ArtifactStore(scope, 'artifacts', { bucketName: 'test-artifacts', key: dataKey, logBucket: logs });
  return new TrackingService(scope, 'tracking', {
    namePrefix: 'test',
    ...ACCOUNT,
    network: NETWORK,
    database: database(scope),
    artifacts: store,
    logBucket: logs,
    dataKey,
    logsKey: key(scope, 'logs-key', { allowCloudWatchLogs: true }),
    loadBalancer: { allowedCidrs: ['10.0.0.0/8'], certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' },
    ...extra,
  });
}

interface Container {
  readonly name: string;
  readonly user?: string;
  readonly environment?: { name: string; value: string }[];
  readonly secrets?: { name: string; valueFrom: string }[];
}

function containers(json: Json): Record<string, Container> {
  const list = JSON.parse(only(json, 'aws_ecs_task_definition').container_definitions as string) as Container[];
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

describe('TrackingService', () => {
  it('production defaults: Fargate on demand in private subnets behind an internal HTTPS load balancer with deletion protection', () => {
    const json = synthOf((s) => service(s));
    expect(only(json, 'aws_ecs_task_definition')).toMatchObject({ cpu: '1024', memory: '2048', network_mode: 'awsvpc', requires_compatibilities: ['FARGATE'] });
    expect(only(json, 'aws_ecs_task_definition').ephemeral_storage).toBeUndefined();
    const svc = only(json, 'aws_ecs_service');
    expect(svc).toMatchObject({
      launch_type: 'FARGATE',
      desired_count: 1,
      network_configuration: { subnets: ['subnet-q1', 'subnet-q2'], assign_public_ip: false },
      deployment_circuit_breaker: { enable: true, rollback: true },
      lifecycle: { ignore_changes: ['desired_count'] },
    });
    // Starts only after the serving listener, every secret value, the policies and the network rules exist.
    const after = svc.depends_on as string[];
    expect(after).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_lb_listener\.tracking_https-listener/), expect.stringMatching(/^aws_secretsmanager_secret_version\./)]));
    expect(after.filter((d) => d.startsWith('aws_secretsmanager_secret_version.'))).toHaveLength(3);
    expect(after.filter((d) => d.startsWith('aws_iam_role_policy.'))).toHaveLength(2);
    expect(only(json, 'aws_lb')).toMatchObject({ internal: true, enable_deletion_protection: true, drop_invalid_header_fields: true, idle_timeout: 600, subnets: ['subnet-q1', 'subnet-q2'] });
    const listeners = Object.values(resources(json, 'aws_lb_listener'));
    expect(listeners.map((l) => `${l.protocol}:${l.port}`).sort()).toEqual(['HTTP:80', 'HTTPS:443']);
    expect(listeners.find((l) => l.protocol === 'HTTPS')).toMatchObject({ ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect((listeners.find((l) => l.protocol === 'HTTP')?.default_action as Block[])[0]).toMatchObject({ type: 'redirect' });
    expect(only(json, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 1, max_capacity: 3 });
    expect(json.resource?.aws_ecs_cluster_capacity_providers).toBeUndefined();
    // Non-production secrets would be deleted at once; production ones keep the 30-day recovery window.
    expect(Object.values(resources(json, 'aws_secretsmanager_secret')).map((x) => x.recovery_window_in_days)).toEqual([30, 30, 30]);
  });

  it('secrets reach the containers from Secrets Manager only: the migrate step gets the admin credentials, the server its own', () => {
    const c = containers(synthOf((s) => service(s, { teams: ['vision'] })));
    expect(Object.keys(c)).toEqual(['prepare-scratch', 'migrate', 'mlflow']);
    expect(c['prepare-scratch'].user).toBe('0');
    expect(c.mlflow.user).toBe('65534:65534');
    expect(c.migrate.secrets?.map((x) => x.name)).toEqual(expect.arrayContaining(['PGUSER', 'PGPASSWORD']));
    expect(c.migrate.secrets).toHaveLength(5);
    expect(c.mlflow.secrets?.map((x) => x.name)).toEqual(['PGPASSWORD', 'MLFLOW_FLASK_SERVER_SECRET_KEY']);
    for (const container of Object.values(c)) {
      expect((container.environment ?? []).map((e) => e.name)).not.toContain('PGPASSWORD');
    }
    expect(c.mlflow.environment).toEqual(expect.arrayContaining([{ name: 'PGUSER', value: 'mlflow_server' }]));
  });

  it('sizes the task, its storage, workers and scaling from the props', () => {
    const json = synthOf((s) => service(s, { cpu: 2048, memory: 8192, ephemeralStorageGib: 50, minTasks: 2, maxTasks: 6, idleTimeoutSeconds: 900 }));
    expect(only(json, 'aws_ecs_task_definition')).toMatchObject({ cpu: '2048', memory: '8192', ephemeral_storage: { size_in_gib: 50 } });
    expect(only(json, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: 6 });
    expect(only(json, 'aws_lb').idle_timeout).toBe(900);
  });

  it('non-production Spot in public subnets: capacity providers, a public IP per task, secrets deleted at once', () => {
    const json = synthOf((s) => service(s, { production: false, spot: true, publicTaskIps: true }));
    const svc = only(json, 'aws_ecs_service');
    expect(svc.launch_type).toBeUndefined();
    expect(svc.capacity_provider_strategy).toEqual([{ capacity_provider: 'FARGATE_SPOT', weight: 1 }]);
    expect(svc.network_configuration).toMatchObject({ subnets: ['subnet-p1', 'subnet-p2'], assign_public_ip: true });
    expect(only(json, 'aws_ecs_cluster_capacity_providers').capacity_providers).toEqual(['FARGATE', 'FARGATE_SPOT']);
    expect(only(json, 'aws_lb').enable_deletion_protection).toBe(false);
    expect(Object.values(resources(json, 'aws_secretsmanager_secret')).map((x) => x.recovery_window_in_days)).toEqual([0, 0, 0]);
  });

  it('plain HTTP (non-production, internal): one HTTP listener that forwards, no certificate', () => {
    let uri = '';
    const json = synthOf((s) => {
      uri = service(s, { production: false, loadBalancer: { allowedCidrs: ['10.0.0.0/8'], allowPlainHttp: true } }).trackingUri;
    });
    const listener = only(json, 'aws_lb_listener');
    expect(listener).toMatchObject({ protocol: 'HTTP', port: 80 });
    expect((listener.default_action as Block[])[0]).toMatchObject({ type: 'forward' });
    expect(uri.startsWith('http://')).toBe(true);
  });

  it('an internet-facing load balancer in the public subnets, with a DNS alias when a zone is given', () => {
    let uri = '';
    const json = synthOf((s) => {
      uri = service(s, {
        domainName: 'mlflow.example.com',
        hostedZoneId: 'Z123',
        loadBalancer: { allowedCidrs: ['203.0.113.0/24'], certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', internetFacing: true },
      }).trackingUri;
    });
    expect(uri).toBe('https://mlflow.example.com');
    expect(only(json, 'aws_lb')).toMatchObject({ internal: false, subnets: ['subnet-p1', 'subnet-p2'] });
    expect(only(json, 'aws_route53_record')).toMatchObject({ zone_id: 'Z123', name: 'mlflow.example.com', type: 'A' });
    const ingress = Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).filter((r) => r.cidr_ipv4 === '203.0.113.0/24');
    expect(ingress.map((r) => r.from_port).sort()).toEqual([443, 80]);
  });

  it('without internet egress the tasks reach only the VPC endpoints and S3 on 443', () => {
    const json = synthOf((s) => service(s, { httpsEgress: { internet: false, s3PrefixListId: 'pl-123' } }));
    const https = Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).filter((r) => r.from_port === 443);
    expect(https.map((r) => r.cidr_ipv4 ?? r.prefix_list_id).sort()).toEqual(['10.0.0.0/16', 'pl-123']);
  });

  it('grants the task role read and write on the artifacts, and redeploys when RDS rotates the database password', () => {
    const json = synthOf((s) => service(s));
    expect(Object.values(resources(json, 'aws_iam_role_policy')).map((p) => p.name)).toEqual(expect.arrayContaining(['tracking-server-artifacts', 'execution']));
    const rule = JSON.parse(only(json, 'aws_cloudwatch_event_rule').event_pattern as string);
    expect(rule.detail.eventName).toEqual(['RotationSucceeded']);
    expect(JSON.parse(only(json, 'aws_sfn_state_machine').definition as string).States.ForceNewDeployment.Resource).toBe('arn:aws:states:::aws-sdk:ecs:updateService');
  });

  it('scheduleCommand runs the command in a task definition of its own: no migrate step, the server database role only', () => {
    const json = synthOf((s) => {
      service(s, { teams: ['vision'] }).scheduleCommand('gc', { scheduleExpression: 'cron(0 4 * * ? *)', command: 'echo gc', description: 'gc' });
    });
    const schedule = only(json, 'aws_scheduler_schedule');
    expect(schedule).toMatchObject({ name: 'test-mlflow-gc', schedule_expression: 'cron(0 4 * * ? *)', schedule_expression_timezone: 'UTC' });
    const input = JSON.parse((schedule.target as Block).input as string);
    expect(input.Overrides).toBeUndefined();
    expect(input.NetworkConfiguration.AwsvpcConfiguration).toMatchObject({ Subnets: ['subnet-q1', 'subnet-q2'], AssignPublicIp: 'DISABLED' });
    const [gcName, gcTd] = Object.entries(resources(json, 'aws_ecs_task_definition')).find(([k]) => input.TaskDefinition === `\${aws_ecs_task_definition.${k}.arn}`) ?? [];
    expect(gcTd).toMatchObject({ family: 'test-mlflow-gc', cpu: '1024', memory: '2048', volume: [{ name: 'tmp' }] });
    const list = JSON.parse(String(gcTd?.container_definitions)) as (Container & { command: string[]; readonlyRootFilesystem: boolean })[];
    expect(list.map((c) => c.name)).toEqual(['prepare-scratch', 'gc']);
    expect(list[1]).toMatchObject({ command: ['echo gc'], user: '65534:65534', readonlyRootFilesystem: true, secrets: [{ name: 'PGPASSWORD', valueFrom: expect.stringMatching(/server-database-password/) }] });
    expect(list[1].environment).toContainEqual({ name: 'PGUSER', value: 'mlflow_server' });
    // Execution role: the server database secret only; the scheduler role: that family and its two roles.
    const policies = Object.values(resources(json, 'aws_iam_role_policy'));
    const execution = policyOf(policies.find((p) => p.name === 'gc-execution') as Block).Statement;
    expect(execution.filter((st) => st.Action === 'secretsmanager:GetSecretValue').map((st) => st.Resource)).toEqual([expect.stringMatching(/server-database-password/)]);
    const runTask = policyOf(policies.find((p) => p.name === 'gc-run-task') as Block).Statement;
    expect(runTask[0].Resource).toBe(`arn:aws:ecs:eu-west-1:123456789012:task-definition/\${aws_ecs_task_definition.${gcName}.family}:*`);
    expect(runTask[1].Resource).toEqual([gcTd?.execution_role_arn, gcTd?.task_role_arn]);
    expect(policyOf(policies.find((p) => p.name === 'tracking-gc-artifacts') as Block).Statement.map((st) => st.Action)).toEqual([['s3:ListBucket'], ['s3:DeleteObject']]);
  });

  it('scheduleCommand rejects an id whose role names IAM would refuse (64 characters)', () => {
    expect(() => service(bareStack()).scheduleCommand('a-very-long-command-name-that-does-not-fit-in-iam-role-names', { scheduleExpression: 'rate(1 day)', command: 'true', description: 'x' })).toThrow(
      /scheduleCommand: id a-very-long-command-name-that-does-not-fit-in-iam-role-names: the role name test-mlflow-a-very-long-.*-execution is longer than IAM's 64 characters/,
    );
  });

  const cert = 'arn:aws:acm:eu-west-1:123456789012:certificate/abc';
  it.each<[string, Partial<TrackingServiceProps>, RegExp]>([
    ['Spot in production', { spot: true }, /production tasks run on on-demand Fargate in private subnets/],
    ['public task IPs in production', { publicTaskIps: true }, /production tasks run on on-demand Fargate in private subnets/],
    ['plain HTTP in production', { loadBalancer: { allowedCidrs: [], allowPlainHttp: true } }, /plain HTTP is only allowed for a non-production deployment behind an internal load balancer/],
    ['plain HTTP on the internet', { production: false, loadBalancer: { allowedCidrs: [], allowPlainHttp: true, internetFacing: true } }, /plain HTTP is only allowed/],
    ['HTTPS without a certificate', { loadBalancer: { allowedCidrs: [] } }, /an HTTPS listener needs a certificate ARN/],
    ['a memory size Fargate does not pair with the CPU', { cpu: 1024, memory: 1024 }, /cpu 1024 \/ memory 1024: Fargate with 1024 CPU units takes 2048-8192 MiB/],
    ['a CPU size Fargate does not have', { cpu: 3000, memory: 8192 }, /expected a Fargate CPU size/],
    ['20 GiB of ephemeral storage (the default: omit it)', { ephemeralStorageGib: 20 }, /ephemeralStorageGib 20: Fargate takes a whole number of GiB from 21 to 200/],
    ['201 GiB of ephemeral storage', { ephemeralStorageGib: 201 }, /ephemeralStorageGib 201/],
    ['no tasks', { minTasks: 0 }, /minTasks 0: expected a whole number of at least 1/],
    ['maxTasks below minTasks', { minTasks: 3, maxTasks: 2 }, /maxTasks 2: expected a whole number of at least minTasks \(3\)/],
    ['no workers', { workers: 0 }, /workers 0: expected a whole number of at least 1/],
    ['an idle timeout over 4000 s', { idleTimeoutSeconds: 4001 }, /idleTimeoutSeconds 4001: the load balancer takes 1-4000 seconds/],
    ['one private subnet for an internal load balancer', { network: { ...NETWORK, privateSubnetIds: ['subnet-q1'] } }, /the private subnets of the load balancer: at least 2/],
    ['one public subnet for an internet-facing load balancer', { network: { ...NETWORK, publicSubnetIds: ['subnet-p1'] }, loadBalancer: { allowedCidrs: [], internetFacing: true, certificateArn: cert } }, /the public subnets of the load balancer: at least 2/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => service(bareStack(), props)).toThrow(message);
  });
});
