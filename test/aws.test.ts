import { privateIpPattern } from '../constructs/shared/mlflow-server';
import { subnetCidr } from '../constructs/aws/network';
import { type Block, type Synthesized, addressInventory, configFrom, onlyResource, rejectionsOf, resourcesOf, serviceTaskDefinition, synth } from './helpers';
import { AWS_DEV, AWS_PROD } from './fixtures/configs';

const devYaml = AWS_DEV;
const prodYaml = AWS_PROD;
const dev = synth(configFrom(devYaml, 'aws-dev.yaml'));
const prod = synth(configFrom(prodYaml, 'aws-prod.yaml'));

interface Container {
  name: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  command: string[];
  readonlyRootFilesystem: boolean;
  user: string;
  dependsOn?: { containerName: string; condition: string }[];
}

const containersOf = (json: Synthesized): Container[] =>
  JSON.parse(String(serviceTaskDefinition(json).container_definitions)) as Container[];
const rules = (json: Synthesized, kind: 'ingress' | 'egress') => Object.values(resourcesOf(json, `aws_vpc_security_group_${kind}_rule`));
const policyOf = (block: Block) => JSON.parse(String(block.policy)) as { Statement: Block[] };
const minimalPlatform = (extra: string) => `name: t
environment: dev
cloud: aws
region: eu-west-1
database: {}
artifacts: {}
tracking:
  loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
${extra}`;

describe('AWS encryption at rest', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: database, bucket, secrets, logs and Performance Insights use customer-managed keys with rotation', (_env, json) => {
    for (const key of Object.values(resourcesOf(json, 'aws_kms_key'))) expect(key.enable_key_rotation).toBe(true);
    const db = onlyResource(json, 'aws_db_instance');
    expect(db).toMatchObject({ storage_encrypted: true, performance_insights_enabled: true });
    expect(db.kms_key_id).toMatch(/aws_kms_key\.data-key/);
    expect(db.performance_insights_kms_key_id).toMatch(/aws_kms_key\.data-key/);
    expect(db.master_user_secret_kms_key_id).toMatch(/aws_kms_key\.data-key/);
    for (const secret of Object.values(resourcesOf(json, 'aws_secretsmanager_secret'))) expect(secret.kms_key_id).toMatch(/aws_kms_key\.data-key/);
    for (const group of Object.values(resourcesOf(json, 'aws_cloudwatch_log_group'))) expect(group.kms_key_id).toMatch(/aws_kms_key\.logs-key/);
    const encryption = Object.values(resourcesOf(json, 'aws_s3_bucket_server_side_encryption_configuration')).map((e) => (e.rule as Block[])[0]);
    expect(encryption).toContainEqual({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: expect.stringMatching(/aws_kms_key\.data-key/) },
      bucket_key_enabled: true,
    });
    // Load balancer access logs support SSE-S3 only: the log bucket uses it.
    expect(encryption).toContainEqual({ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } });
  });

  it('lets CloudWatch Logs use only the logs key, for this account and region', () => {
    const keys = Object.values(resourcesOf(dev, 'aws_kms_key')).map(policyOf);
    const logStatements = keys.flatMap((p) => p.Statement).filter((s) => s.Sid === 'CloudWatchLogs');
    expect(logStatements).toHaveLength(1);
    // The suffix comes from data.aws_service_principal: amazonaws.com.cn in China (aws provider 6.25).
    expect(logStatements[0].Principal).toEqual({ Service: expect.stringMatching(/^logs\.eu-west-1\.\$\{data\.aws_service_principal\.[\w-]+\.suffix\}$/) });
  });
});

describe('AWS: nothing is publicly reachable', () => {
  it('keeps the database private in isolated subnets', () => {
    expect(onlyResource(dev, 'aws_db_instance').publicly_accessible).toBe(false);
    const subnetGroup = onlyResource(dev, 'aws_db_subnet_group');
    expect(JSON.stringify(subnetGroup.subnet_ids)).toMatch(/isolated-subnet/);
    expect(JSON.stringify(subnetGroup.subnet_ids)).not.toMatch(/private-subnet|public-subnet/);
  });

  it('blocks every kind of public bucket access and disables ACLs', () => {
    for (const block of Object.values(resourcesOf(prod, 'aws_s3_bucket_public_access_block'))) {
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
    for (const o of Object.values(resourcesOf(prod, 'aws_s3_bucket_ownership_controls'))) expect(o.rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    for (const b of Object.values(resourcesOf(prod, 'aws_s3_bucket'))) expect(b.force_destroy).toBe(false);
  });

  it('production runs tasks in private subnets without public IPs behind an internal load balancer', () => {
    const service = onlyResource(prod, 'aws_ecs_service');
    expect(service.network_configuration).toMatchObject({ assign_public_ip: false });
    expect(JSON.stringify(service.network_configuration)).toMatch(/private-subnet/);
    const lb = onlyResource(prod, 'aws_lb');
    expect(lb).toMatchObject({ internal: true, drop_invalid_header_fields: true, access_logs: { enabled: true, prefix: 'alb' } });
    expect(JSON.stringify(lb.subnets)).toMatch(/private-subnet/);
  });

  it('has no route to the internet from the isolated subnets', () => {
    const isolatedTable = Object.entries(resourcesOf(dev, 'aws_route_table')).find(([k]) => k.includes('isolated'));
    const routes = Object.values(resourcesOf(dev, 'aws_route')).filter((r) => String(r.route_table_id).includes(isolatedTable?.[0] ?? '?'));
    expect(routes).toEqual([]);
  });
});

describe('AWS security groups, least privilege', () => {
  it('opens the load balancer on 443 (and the 80 redirect) to the allowed CIDRs only', () => {
    const lbIngress = rules(dev, 'ingress').filter((r) => String(r.security_group_id).includes('load-balancer-security-group'));
    expect(lbIngress.map((r) => `${String(r.cidr_ipv4)}:${String(r.from_port)}-${String(r.to_port)}`).sort()).toEqual(['10.0.0.0/8:443-443', '10.0.0.0/8:80-80']);
  });

  it('lets only the load balancer reach the tasks, and only the tasks reach the database', () => {
    const taskIngress = rules(dev, 'ingress').filter((r) => String(r.security_group_id).includes('task-security-group'));
    expect(taskIngress).toEqual([expect.objectContaining({ from_port: 5000, to_port: 5000, referenced_security_group_id: expect.stringMatching(/load-balancer-security-group/) })]);
    const dbIngress = rules(dev, 'ingress').filter((r) => String(r.security_group_id).includes('database_security-group'));
    expect(dbIngress).toEqual([expect.objectContaining({ from_port: 5432, to_port: 5432, referenced_security_group_id: expect.stringMatching(/task-security-group/) })]);
  });

  it('has no ingress from anywhere and manages the default security group with no rules', () => {
    for (const json of [dev, prod]) {
      for (const r of rules(json, 'ingress')) expect(['0.0.0.0/0', '::/0']).not.toContain(r.cidr_ipv4 ?? r.cidr_ipv6);
      const sg = onlyResource(json, 'aws_default_security_group');
      expect(sg.ingress).toBeUndefined();
      expect(sg.egress).toBeUndefined();
    }
  });

  it('keys rules by CIDR, so reordering allowedCidrs keeps every address', () => {
    const withCidrs = (cidrs: string) => minimalPlatform('').replace('  loadBalancer:\n', `  loadBalancer:\n    allowedCidrs: [${cidrs}]\n`);
    const a = addressInventory(synth(configFrom(withCidrs('10.0.0.0/8, 192.168.0.0/16'))));
    expect(addressInventory(synth(configFrom(withCidrs('192.168.0.0/16, 10.0.0.0/8'))))).toEqual(a);
  });

  it('defaults the allowed CIDRs of an internal load balancer to the VPC', () => {
    const json = synth(configFrom(minimalPlatform('')));
    const lbIngress = rules(json, 'ingress').filter((r) => String(r.security_group_id).includes('load-balancer-security-group'));
    expect(new Set(lbIngress.map((r) => r.cidr_ipv4))).toEqual(new Set(['10.0.0.0/16']));
  });
});

describe('AWS secrets never leak', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: no password value, credential URL or plain secret anywhere in the synthesized JSON', (_env, json) => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/postgres(ql)?:\/\/[^"]*:[^"@]*@/);
    expect(text).not.toMatch(/"(password|master_password|secret_string)"\s*:/);
    expect(onlyResource(json, 'aws_db_instance').manage_master_user_password).toBe(true);
    for (const v of Object.values(resourcesOf(json, 'aws_secretsmanager_secret_version'))) {
      expect(v.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\./);
      expect(v.secret_string).toBeUndefined();
    }
  });

  it('injects credentials only as ECS secrets, never as plain environment variables', () => {
    for (const c of containersOf(prod).filter((c) => c.name !== 'prepare-scratch')) {
      for (const e of c.environment) expect(e.name).not.toMatch(/PASSWORD|SECRET|TOKEN|KEY/);
      expect(c.secrets.map((s) => s.name)).toContain('PGPASSWORD');
    }
    // The database admin, the MLflow admin and the team admins reach only the init step
    // (mlflow/server/auth/__init__.py create_admin_user only creates a missing admin).
    const secretsOf = (name: string) => containersOf(prod).find((c) => c.name === name)?.secrets;
    expect(secretsOf('mlflow')?.map((s) => s.name)).toEqual(['PGPASSWORD', 'MLFLOW_FLASK_SERVER_SECRET_KEY']);
    expect(secretsOf('mlflow')?.[0].valueFrom).toMatch(/aws_secretsmanager_secret\.tracking_server-database-password/);
    const initSecrets = secretsOf('migrate')?.map((s) => s.name) ?? [];
    expect(initSecrets.slice(0, 4)).toEqual(['PGUSER', 'PGPASSWORD', 'MLFLOW_ADMIN_PASSWORD', 'MLFLOW_SERVER_DB_PASSWORD']);
    for (const name of initSecrets.slice(4)) expect(name).toMatch(/^MLFLOW_TEAM_ADMIN_PASSWORD_[A-Z0-9_]+$/);
  });
});

describe('AWS tracking service', () => {
  const server = containersOf(prod).find((c) => c.name === 'mlflow') as Container;
  const migrate = containersOf(prod).find((c) => c.name === 'migrate') as Container;

  it('pins the MLflow -full image (PostgreSQL driver, boto3, auth extra)', () => {
    expect(JSON.parse(String(serviceTaskDefinition(prod).container_definitions))[0].image).toBe(
      'ghcr.io/mlflow/mlflow:v3.17.0-full',
    );
  });

  it('serves artifacts from the bucket with the basic-auth app, NO_PERMISSIONS by default', () => {
    const script = server.command[0];
    expect(script).toContain('--serve-artifacts --artifacts-destination s3://${aws_s3_bucket.artifacts_bucket');
    expect(script).toContain('--app-name basic-auth');
    expect(script).toContain('default_permission = NO_PERMISSIONS');
    expect(script).toContain('admin_password = $unused_password');
    expect(script).toMatch(/--workers 2 /); // 0.5 vCPU default (stacks/config/defaults.ts): 2 per vCPU, at least 2
  });

  it('runs migrations as an init container the server waits for', () => {
    expect(server.dependsOn).toEqual([{ containerName: 'migrate', condition: 'SUCCESS' }]);
    expect(migrate.command[0]).toContain('subprocess.call(["mlflow", "db", "upgrade", os.environ["MLFLOW_BACKEND_STORE_URI"]])');
    expect(migrate.command[0]).toContain('CREATE DATABASE mlflow_auth');
  });

  it('keeps Terraform interpolation out of the scripts', () => {
    for (const c of containersOf(prod)) expect(c.command[0].replace(/\$\{aws_s3_bucket\.[^}]+\}/, '')).not.toContain('${');
  });

  it('runs read-only as a non-root user, with allowed hosts for the domain, the load balancer and health checks', () => {
    expect(server).toMatchObject({ readonlyRootFilesystem: true, user: '65534:65534' });
    const hosts = server.environment.find((e) => e.name === 'MLFLOW_SERVER_ALLOWED_HOSTS')?.value;
    expect(hosts).toBe('mlflow.example.com,${aws_lb.tracking_load-balancer_546E706D.dns_name},10.30.*,localhost:5000,127.0.0.1:5000,0.0.0.0:5000');
  });

  it('rolls back failed deployments, scales between the configured bounds and enables container insights', () => {
    expect(onlyResource(prod, 'aws_ecs_service')).toMatchObject({
      desired_count: 2,
      deployment_circuit_breaker: { enable: true, rollback: true },
      launch_type: 'FARGATE',
    });
    expect(onlyResource(prod, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: 6 });
    expect(onlyResource(prod, 'aws_ecs_cluster').setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
    expect(onlyResource(prod, 'aws_lb_target_group').health_check).toMatchObject({ path: '/health', matcher: '200' });
  });

  it('terminates TLS 1.2+ at the load balancer and redirects HTTP to HTTPS', () => {
    const listeners = Object.values(resourcesOf(prod, 'aws_lb_listener'));
    expect(listeners.find((l) => l.port === 443)).toMatchObject({ protocol: 'HTTPS', ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect(listeners.find((l) => l.port === 80)?.default_action).toEqual([
      { type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } },
    ]);
  });

  it('serves plain HTTP only when a non-production config says so explicitly', () => {
    const json = synth(configFrom(minimalPlatform('').replace(/ {4}certificateArn.*\n/, '    allowPlainHttp: true\n')));
    const listeners = Object.values(resourcesOf(json, 'aws_lb_listener'));
    expect(listeners).toEqual([expect.objectContaining({ port: 80, protocol: 'HTTP' })]);
    expect(onlyResource(json, 'aws_lb').internal).toBe(true);
  });

  it('restarts the tasks when RDS rotates the database password', () => {
    const rule = Object.values(resourcesOf(prod, 'aws_cloudwatch_event_rule')).find((r) => String(r.name).endsWith('-db-rotated')) as Block;
    const pattern = JSON.parse(String(rule.event_pattern)) as { detail: { eventName: string[]; additionalEventData: { SecretId: string[] } } };
    expect(pattern.detail.eventName).toEqual(['RotationSucceeded']);
    expect(pattern.detail.additionalEventData.SecretId[0]).toMatch(/master_user_secret\[0\]\.secret_arn/);
    const machine = JSON.parse(String(onlyResource(prod, 'aws_sfn_state_machine').definition)) as { States: Record<string, Block> };
    expect(machine.States.ForceNewDeployment).toMatchObject({
      Resource: 'arn:${data.aws_partition.partition.partition}:states:::aws-sdk:ecs:updateService',
      Parameters: expect.objectContaining({ ForceNewDeployment: true }),
    });
  });

  it('adds a Route 53 alias when a hosted zone is given, and outputs the tracking URI', () => {
    expect(onlyResource(prod, 'aws_route53_record')).toMatchObject({ name: 'mlflow.example.com', type: 'A' });
    expect(prod.output?.tracking_uri.value).toBe('https://mlflow.example.com');
    expect(Object.keys(prod.output ?? {}).sort()).toEqual(['admin_secret', 'admin_secret_arn', 'artifact_bucket', 'artifact_root', 'database_endpoint', 'database_host', 'database_iam_resource_id', 'log_group', 'logs', 'teams', 'tracking_uri', 'vpc_id']);
  });
});

describe('AWS artifact store and teams', () => {
  const artifactPolicy = () => {
    const policies = Object.entries(resourcesOf(prod, 'aws_s3_bucket_policy'));
    return policyOf(policies.find(([k]) => k.startsWith('artifacts'))?.[1] as Block);
  };

  it('denies non-TLS access and object access by anyone but the tracking task, team, gc and backup roles', () => {
    const statements = artifactPolicy().Statement;
    expect(statements[0]).toMatchObject({ Sid: 'DenyInsecureTransport', Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } });
    const deny = statements.find((s) => s.Sid === 'DenyObjectAccessToOthers') as Block;
    const allowed = (deny.Condition as Record<string, Record<string, string[]>>).ArnNotLike['aws:PrincipalArn'];
    expect(allowed).toEqual([
      expect.stringMatching(/aws_iam_role\.tracking_task-role/),
      expect.stringMatching(/aws_iam_role\.team-vision_role/),
      expect.stringMatching(/aws_iam_role\.team-forecasting_role/),
      // The scheduled gc deletes the artifacts of purged runs (its own policy: list and delete only).
      expect.stringMatching(/aws_iam_role\.tracking_gc-task-role/),
      // AWS Backup reads and restores the artifacts (production: day-2 operations).
      expect.stringMatching(/aws_iam_role\.backup_role/),
    ]);
  });

  it('keeps versions, expires noncurrent ones and aborts incomplete uploads; logs access', () => {
    const lifecycle = Object.entries(resourcesOf(prod, 'aws_s3_bucket_lifecycle_configuration')).find(([k]) => k.startsWith('artifacts'))?.[1];
    expect((lifecycle?.rule as Block[])[0]).toMatchObject({
      noncurrent_version_expiration: [{ noncurrent_days: 365 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    expect(onlyResource(prod, 'aws_s3_bucket_logging').target_prefix).toMatch(/^s3\//);
  });

  it('gives each team a role that reads and writes its own prefix only', () => {
    const policies = Object.entries(resourcesOf(prod, 'aws_iam_role_policy'));
    const vision = policyOf(policies.find(([k]) => k.includes('team-vision-artifacts'))?.[1] as Block).Statement;
    expect(vision[0]).toMatchObject({ Action: ['s3:ListBucket'], Condition: { StringLike: { 's3:prefix': ['workspaces/vision/*'] } } });
    expect(String(vision[1].Resource)).toMatch(/\/workspaces\/vision\/\*$/);
    const role = Object.entries(resourcesOf(prod, 'aws_iam_role')).find(([k]) => k.includes('team-vision'))?.[1] as Block;
    expect(JSON.parse(String(role.assume_role_policy)).Statement[0].Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:role/vision-training'] });
    expect(prod.output?.teams.value).toMatchObject({ vision: { workspace: 'vision', artifact_prefix: 'workspaces/vision/' } });
  });

  it('never grants * actions on * resources', () => {
    for (const p of Object.values(resourcesOf(prod, 'aws_iam_role_policy'))) {
      for (const s of policyOf(p).Statement) expect(s.Action === '*' && s.Resource === '*').toBe(false);
    }
  });
});

describe('AWS production defaults vs non-production defaults', () => {
  it('production: Multi-AZ, deletion protection, 14-day backups, final snapshot, prevent_destroy', () => {
    expect(onlyResource(prod, 'aws_db_instance')).toMatchObject({
      multi_az: true,
      deletion_protection: true,
      backup_retention_period: 14,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'aws-prod-final',
      lifecycle: { prevent_destroy: true },
      copy_tags_to_snapshot: true,
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      max_allocated_storage: 500,
    });
    for (const b of Object.values(resourcesOf(prod, 'aws_s3_bucket'))) expect(b.lifecycle).toEqual({ prevent_destroy: true });
    expect(onlyResource(prod, 'aws_lb').enable_deletion_protection).toBe(true);
  });

  it('production: 2 AZs with a NAT gateway each', () => {
    expect(Object.keys(resourcesOf(prod, 'aws_subnet'))).toHaveLength(6);
    expect(Object.keys(resourcesOf(prod, 'aws_nat_gateway'))).toHaveLength(2);
  });

  it('non-production: 2 AZs, no NAT gateway, single-AZ database, destroyable', () => {
    expect(Object.keys(resourcesOf(dev, 'aws_subnet'))).toHaveLength(6);
    expect(Object.keys(resourcesOf(dev, 'aws_nat_gateway'))).toHaveLength(0);
    expect(onlyResource(dev, 'aws_db_instance')).toMatchObject({ multi_az: false, deletion_protection: false, backup_retention_period: 7, skip_final_snapshot: true });
    expect(JSON.stringify(dev)).not.toContain('prevent_destroy');
    expect(onlyResource(dev, 'aws_lb').enable_deletion_protection).toBe(false);
  });

  it('forces SSL through the parameter group', () => {
    expect(onlyResource(prod, 'aws_db_parameter_group')).toMatchObject({ family: 'postgres16' });
    expect(onlyResource(prod, 'aws_db_parameter_group').parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
  });

  it('writes flow logs to an encrypted log group with retention, and always has an S3 gateway endpoint', () => {
    expect(onlyResource(prod, 'aws_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    const flowLogs = Object.entries(resourcesOf(prod, 'aws_cloudwatch_log_group')).find(([k]) => k.includes('flow-logs'))?.[1];
    expect(flowLogs?.retention_in_days).toBe(365);
    expect(onlyResource(prod, 'aws_vpc_endpoint')).toMatchObject({ vpc_endpoint_type: 'Gateway', service_name: 'com.amazonaws.eu-west-1.s3' });
  });
});

describe('AWS options', () => {
  it('Aurora PostgreSQL Serverless v2 with a reader in production', () => {
    const json = synth(
      configFrom(minimalPlatform('').replace('environment: dev', 'environment: prod').replace('database: {}', 'database: { engine: aurora-postgresql, minCapacity: 1, maxCapacity: 8 }')),
    );
    expect(onlyResource(json, 'aws_rds_cluster')).toMatchObject({
      engine: 'aurora-postgresql',
      manage_master_user_password: true,
      storage_encrypted: true,
      serverlessv2_scaling_configuration: { min_capacity: 1, max_capacity: 8 },
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    const instances = Object.values(resourcesOf(json, 'aws_rds_cluster_instance'));
    expect(instances.map((i) => i.instance_class)).toEqual(['db.serverless', 'db.serverless']);
    expect(onlyResource(json, 'aws_rds_cluster_parameter_group').parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
  });

  it('interface endpoints instead of NAT', () => {
    const json = synth(configFrom(minimalPlatform('network: { natGateways: none }\n').replace('tracking:\n', 'tracking:\n  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow:v3.17.0-full\n')));
    expect(resourcesOf(json, 'aws_nat_gateway')).toEqual({});
    const services = Object.values(resourcesOf(json, 'aws_vpc_endpoint')).map((e) => String(e.service_name).replace('com.amazonaws.eu-west-1.', ''));
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'kms', 'logs', 's3', 'secretsmanager', 'sts']);
  });

  it('brings its own VPC and subnets', () => {
    const json = synth(
      configFrom(
        minimalPlatform(`network:
  existing:
    vpcId: vpc-0123456789abcdef0
    vpcCidr: 10.50.0.0/16
    publicSubnetIds: [subnet-00000001, subnet-00000002]
    privateSubnetIds: [subnet-00000003, subnet-00000004]
    isolatedSubnetIds: [subnet-00000005, subnet-00000006]
`),
      ),
    );
    expect(resourcesOf(json, 'aws_vpc')).toEqual({});
    expect(onlyResource(json, 'aws_db_subnet_group').subnet_ids).toEqual(['subnet-00000005', 'subnet-00000006']);
    expect(onlyResource(json, 'aws_flow_log').vpc_id).toBe('vpc-0123456789abcdef0');
  });

  it('plans subnets and health-check host patterns from the VPC CIDR', () => {
    expect(subnetCidr('10.20.0.0/16', 20, 0)).toBe('10.20.0.0/20');
    expect(subnetCidr('10.20.0.0/16', 20, 5)).toBe('10.20.80.0/20');
    expect(privateIpPattern('10.20.0.0/16')).toBe('10.20.*');
    expect(privateIpPattern('172.16.0.0/12')).toBe('172.*');
  });
});

describe('AWS config validation', () => {
  const problems = (text: string) => rejectionsOf(text, 'deployments/aws.yaml');

  it.each([
    ['an invalid CIDR', 'network: { vpcCidr: 10.0.0.0/33 }\n', 'network.vpcCidr: expected an IPv4 CIDR block such as 10.0.0.0/16, got "10.0.0.0/33"'],
    ['host bits in a CIDR', 'network: { vpcCidr: 10.0.0.1/16 }\n', 'network.vpcCidr: host bits must be zero'],
    ['a VPC too large', 'network: { vpcCidr: 10.0.0.0/8 }\n', 'network.vpcCidr: expected a VPC prefix between /16 and /24 (AWS limits), got "10.0.0.0/8"'],
    ['subnets that do not fit', 'network: { vpcCidr: 10.0.0.0/24, subnetPrefixLength: 25 }\n', 'network.subnetPrefixLength: 6 subnets of /25 do not fit in 10.0.0.0/24'],
    ['subnets smaller than /28', 'network: { vpcCidr: 10.0.0.0/24, subnetPrefixLength: 29 }\n', 'network.subnetPrefixLength: expected number to be <=28, got 29'],
  ])('rejects %s', (_what, extra, message) => {
    expect(problems(minimalPlatform(extra)).join('\n')).toContain(message);
  });

  it('rejects an instance class that is not db.*', () => {
    expect(problems(minimalPlatform('').replace('database: {}', 'database: { instanceClass: t3.micro }'))).toEqual([
      'deployments/aws.yaml: database.instanceClass: expected a db.* instance class such as db.t4g.medium, got "t3.micro"',
    ]);
  });

  it('rejects task sizes Fargate does not accept', () => {
    expect(problems(minimalPlatform('').replace('tracking:\n', 'tracking:\n  cpu: 1000\n'))).toEqual([
      'deployments/aws.yaml: tracking.cpu: expected a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384, got 1000',
    ]);
    expect(problems(minimalPlatform('').replace('tracking:\n', 'tracking:\n  cpu: 256\n  memory: 4096\n'))).toEqual([
      'deployments/aws.yaml: tracking.memory: Fargate with 256 CPU units takes 512-2048 MiB in steps of 512, got 4096',
    ]);
  });

  it('requires a certificate in production and refuses plain HTTP there', () => {
    const prodNoCert = minimalPlatform('').replace('environment: dev', 'environment: prod').replace(/ {4}certificateArn.*\n/, '    allowPlainHttp: true\n');
    expect(problems(prodNoCert)).toEqual([
      'deployments/aws.yaml: tracking.loadBalancer.allowPlainHttp: plain HTTP is allowed only for a non-production deployment behind an internal load balancer, got true',
    ]);
    const missing = minimalPlatform('').replace('environment: dev', 'environment: prod').replace(/ {4}certificateArn.*\n/, '    internetFacing: false\n');
    expect(problems(missing)).toEqual(['deployments/aws.yaml: tracking.loadBalancer.certificateArn: production serves HTTPS only: set an ACM certificate ARN, got nothing']);
  });

  it('requires >= 2 tasks and >= 14 days of backups in production', () => {
    const text = minimalPlatform('').replace('environment: dev', 'environment: prod').replace('tracking:\n', 'tracking:\n  minTasks: 1\n').replace('database: {}', 'database: { backupRetentionDays: 7 }');
    expect(problems(text)).toEqual([
      'deployments/aws.yaml: database.backupRetentionDays: production keeps backups for at least 14 days, got 7',
      'deployments/aws.yaml: tracking.minTasks: production runs at least 2 tasks across AZs, got 1',
    ]);
  });

  it('rejects duplicate teams, bad principals, an unpinned image and public CIDRs on an internal load balancer', () => {
    const teams = 'teams:\n  - { name: vision, trustedPrincipals: [arn:aws:iam::123456789012:role/a] }\n  - { name: vision, trustedPrincipals: [not-an-arn] }\n';
    expect(problems(minimalPlatform(teams))).toEqual([
      'deployments/aws.yaml: teams[1].trustedPrincipals[0]: expected an IAM principal ARN such as arn:aws:iam::123456789012:role/ml-training, got "not-an-arn"',
      'deployments/aws.yaml: teams[1].name: duplicate team name; each must be unique, got "vision"',
    ]);
    const dup = 'teams:\n  - { name: vision, trustedPrincipals: [arn:aws:iam::123456789012:role/a] }\n  - { name: vision, trustedPrincipals: [arn:aws:iam::123456789012:role/b] }\n';
    expect(problems(minimalPlatform(dup))).toEqual(['deployments/aws.yaml: teams[1].name: duplicate team name; each must be unique, got "vision"']);
    expect(problems(minimalPlatform('').replace('tracking:\n', 'tracking:\n  image: ghcr.io/mlflow/mlflow:latest\n'))).toEqual([
      'deployments/aws.yaml: tracking.image: expected a pinned image, not :latest, got "ghcr.io/mlflow/mlflow:latest"',
    ]);
    expect(problems(minimalPlatform('').replace('  loadBalancer:\n', '  loadBalancer:\n    allowedCidrs: [0.0.0.0/0]\n'))).toEqual([
      'deployments/aws.yaml: tracking.loadBalancer.allowedCidrs[0]: an internal load balancer is reached from private ranges only, got "0.0.0.0/0"',
    ]);
  });

  it('needs database, artifacts and tracking together', () => {
    expect(problems('name: t\nenvironment: dev\ncloud: aws\nregion: eu-west-1\ndatabase: {}\n')).toEqual([
      'deployments/aws.yaml: artifacts: the tracking platform needs the database, artifacts and tracking sections together: add artifacts (`artifacts: {}` takes the defaults), got nothing',
      'deployments/aws.yaml: tracking: the tracking platform needs the database, artifacts and tracking sections together: add tracking (`tracking: {}` takes the defaults), got nothing',
    ]);
  });
});
