/**
 * Apply-time behaviour: what the first `cdktf deploy` needs to succeed, a second to change nothing,
 * and `cdktf destroy` of a non-production stack to finish. Each fact is checked against the pinned
 * upstream source named in the test (AWS provider 6.25, azurerm 4.55, AWS/Azure service docs).
 * Configs are built here, never read from config/*.yaml.
 */
import { type Block, type Synthesized, configFrom, onlyResource, rejectionsOf, resourcesOf, synthOnce } from './helpers';

const awsYaml = (opts: { environment?: string; extra?: string; loadBalancer?: string; database?: string } = {}) => `name: t
environment: ${opts.environment ?? 'dev'}
cloud: aws
region: eu-west-1
database: ${opts.database ?? '{}'}
artifacts: {}
tracking:
  loadBalancer:
${opts.loadBalancer ?? '    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x'}
${opts.extra ?? ''}`;

const azureYaml = (opts: { environment?: string; network?: string; tracking?: string; database?: string } = {}) => `name: t
environment: ${opts.environment ?? 'dev'}
cloud: azure
location: westeurope
network:
  vnetCidr: 10.40.0.0/16
${opts.network ?? ''}
database: ${opts.database ?? '{}'}
artifacts: {}
tracking: ${opts.tracking ?? '{}'}`;

const awsDev = synthOnce(configFrom(awsYaml(), 'aws-dev.yaml'));
const awsProd = synthOnce(configFrom(awsYaml({ environment: 'prod' }), 'aws-prod.yaml'));
const azureDev = synthOnce(configFrom(azureYaml(), 'azure-dev.yaml'));
const azureProd = synthOnce(configFrom(azureYaml({ environment: 'prod' }), 'azure-prod.yaml'));

/** The single resource of `type` whose address contains `part`. */
const byKey = (json: Synthesized, type: string, part: string): Block => {
  const found = Object.entries(resourcesOf(json, type)).filter(([k]) => k.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${part}, found ${found.length}`);
  return found[0][1];
};
/** The `type.name` address of that resource. */
const addressOf = (json: Synthesized, type: string, part: string): string => {
  const found = Object.keys(resourcesOf(json, type)).filter((k) => k.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${part}, found ${found.length}`);
  return `${type}.${found[0]}`;
};
const dependsOn = (block: Block): string[] => (block.depends_on as string[] | undefined) ?? [];

describe('AWS: the first apply creates things in an order that works', () => {
  it('the load balancer waits for the log bucket policy (AWS ELB docs, "Enable access logs for your Application Load Balancer": ELB checks bucket permissions, else "Access Denied for bucket")', () => {
    const lb = onlyResource(awsDev, 'aws_lb');
    expect((lb.access_logs as Block).enabled).toBe(true);
    expect(dependsOn(lb)).toContain(addressOf(awsDev, 'aws_s3_bucket_policy', 'access-logs'));
  });

  it('the ECS service waits for its HTTPS listener, secret values, IAM policies and network rules (aws provider 6.25 docs, r/ecs_service: depends_on the aws_iam_role_policy)', () => {
    const deps = dependsOn(onlyResource(awsDev, 'aws_ecs_service'));
    expect(deps).toContain(addressOf(awsDev, 'aws_lb_listener', 'https-listener'));
    expect(deps).not.toContain(addressOf(awsDev, 'aws_lb_listener', 'http-redirect-listener'));
    for (const secret of ['admin-password', 'flask-secret-key']) expect(deps).toContain(addressOf(awsDev, 'aws_secretsmanager_secret_version', secret));
    expect(deps).toContain(addressOf(awsDev, 'aws_iam_role_policy', 'tracking_execution'));
    expect(deps).toContain(addressOf(awsDev, 'aws_iam_role_policy', 'tracking-server-artifacts'));
    expect(deps).toContain(addressOf(awsDev, 'aws_vpc_security_group_ingress_rule', 'database_allow-tracking-tasks'));
    expect(deps).toContain(addressOf(awsDev, 'aws_vpc_security_group_egress_rule', 'tasks-egress-https'));
    // Autoscaling owns the task count: no drift after a scale-out.
    expect(onlyResource(awsDev, 'aws_ecs_service').lifecycle).toMatchObject({ ignore_changes: ['desired_count'] });
  });

  it('load balancer logs are written by the regional ELB account where aws_elb_service_account knows the region, by the log delivery service principal elsewhere (provider 6.x internal/service/elb/service_account_data_source.go)', () => {
    const writer = (json: Synthesized) =>
      (JSON.parse(String(byKey(json, 'aws_s3_bucket_policy', 'access-logs_').policy)) as { Statement: Block[] }).Statement.find((st) => st.Sid === 'LoadBalancerAccessLogs')?.Principal;
    expect(writer(awsDev)).toEqual({ AWS: expect.stringMatching(/^\$\{data\.aws_elb_service_account\.[\w-]+\.arn\}$/) });
    // eu-central-2 (Zurich, 2022-11) is not in the provider's map: the data source would fail the plan.
    const zurich = synthOnce(configFrom(awsYaml().replaceAll('eu-west-1', 'eu-central-2'), 'zurich.yaml'));
    expect(zurich.data?.aws_elb_service_account).toBeUndefined();
    expect(writer(zurich)).toEqual({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
  });

  it('with plain HTTP the ECS service waits for the HTTP listener that forwards to its target group', () => {
    const json = synthOnce(configFrom(awsYaml({ loadBalancer: '    allowPlainHttp: true' }), 'plain.yaml'));
    expect(dependsOn(onlyResource(json, 'aws_ecs_service'))).toContain(addressOf(json, 'aws_lb_listener', 'http-listener'));
  });

  it('bucket policies wait for the public access block and ownership controls; lifecycle rules wait for versioning (aws provider 6.25 docs, r/s3_bucket_lifecycle_configuration example: depends_on versioning)', () => {
    for (const bucket of ['access-logs', 'artifacts']) {
      const policyDeps = dependsOn(byKey(awsDev, 'aws_s3_bucket_policy', `${bucket}_`));
      expect(policyDeps).toContain(addressOf(awsDev, 'aws_s3_bucket_public_access_block', `${bucket}_`));
      expect(policyDeps).toContain(addressOf(awsDev, 'aws_s3_bucket_ownership_controls', `${bucket}_`));
      expect(dependsOn(byKey(awsDev, 'aws_s3_bucket_lifecycle_configuration', `${bucket}_`))).toContain(addressOf(awsDev, 'aws_s3_bucket_versioning', `${bucket}_`));
    }
    // S3 server access logs are delivered under the log bucket's policy.
    expect(dependsOn(onlyResource(awsDev, 'aws_s3_bucket_logging'))).toContain(addressOf(awsDev, 'aws_s3_bucket_policy', 'access-logs'));
  });
});

describe('AWS: a second apply changes nothing after RDS upgrades the minor version', () => {
  // aws provider 6.25 internal/service/rds compareActualEngineVersion: configured "16" and running
  // "16.9" match (engine_version stays "16"); configured "16.8" and running "16.9" do not (state
  // takes "16.9" and the next plan tries to go back to "16.8").
  it('pins the major version only, with automatic minor upgrades (docs r/db_instance engine_version / engine_version_actual)', () => {
    const db = onlyResource(awsDev, 'aws_db_instance');
    expect(db).toMatchObject({ engine_version: '16', auto_minor_version_upgrade: true, allow_major_version_upgrade: true });
    expect(onlyResource(awsDev, 'aws_db_parameter_group')).toMatchObject({ family: 'postgres16', lifecycle: { create_before_destroy: true } });
  });

  it('Aurora: the cluster carries the major version, its instances follow it (docs r/rds_cluster_instance engine_version)', () => {
    const json = synthOnce(configFrom(awsYaml({ database: '{ engine: aurora-postgresql, engineVersion: "17" }' }), 'aurora.yaml'));
    expect(onlyResource(json, 'aws_rds_cluster')).toMatchObject({ engine_version: '17', allow_major_version_upgrade: true });
    for (const instance of Object.values(resourcesOf(json, 'aws_rds_cluster_instance'))) {
      expect(instance.engine_version).toBeUndefined();
      expect(instance.auto_minor_version_upgrade).toBe(true);
    }
    expect(onlyResource(json, 'aws_rds_cluster_parameter_group')).toMatchObject({ family: 'aurora-postgresql17', lifecycle: { create_before_destroy: true } });
  });

  it('rejects a pinned minor version with what is allowed', () => {
    expect(rejectionsOf(awsYaml({ database: '{ engineVersion: "16.8" }' }), 'minor.yaml').join('\n')).toMatch(
      /minor\.yaml: database\.engineVersion: expected a PostgreSQL major version: 14, 15, 16 or 17/,
    );
  });
});

describe('AWS: every partition, and database access without the master password', () => {
  // Values from the config (certificate, trusted principals) carry the aws-cn partition here, so
  // any `arn:aws:` left in the JSON was written by this package.
  const cn = synthOnce(
    configFrom(
      awsYaml({
        loadBalancer: '    certificateArn: arn:aws-cn:acm:cn-north-1:123456789012:certificate/x',
        extra: 'teams:\n  - name: vision\n    trustedPrincipals: [arn:aws-cn:iam::123456789012:role/vision]',
      }).replace('region: eu-west-1', 'region: cn-north-1'),
      'cn.yaml',
    ),
  );

  it('writes no ARN with a hard-coded aws partition (the Step Functions task ARN uses data.aws_partition)', () => {
    expect(JSON.stringify(cn)).not.toMatch(/arn:aws:/);
    const machine = JSON.parse(String(onlyResource(cn, 'aws_sfn_state_machine').definition)) as { States: Record<string, Block> };
    expect(machine.States.ForceNewDeployment.Resource).toBe('arn:${data.aws_partition.partition.partition}:states:::aws-sdk:ecs:updateService');
  });

  it('takes the CloudWatch Logs principal from aws_service_principal (provider 6.25 servicePrincipalNameForPartition: logs ends in amazonaws.com.cn in China)', () => {
    const principals = Object.values(resourcesOf(cn, 'aws_kms_key'))
      .flatMap((k) => (JSON.parse(String(k.policy)) as { Statement: Block[] }).Statement)
      .filter((s) => s.Sid === 'CloudWatchLogs')
      .map((s) => (s.Principal as Block).Service);
    expect(principals).toEqual([expect.stringMatching(/^logs\.cn-north-1\.\$\{data\.aws_service_principal\.[\w-]+\.suffix\}$/)]);
    expect(Object.values(cn.data?.aws_service_principal ?? {})).toEqual([{ service_name: 'logs', region: 'cn-north-1' }]);
  });

  it('enables IAM database authentication on RDS and Aurora (docs r/db_instance, r/rds_cluster iam_database_authentication_enabled)', () => {
    expect(onlyResource(awsDev, 'aws_db_instance').iam_database_authentication_enabled).toBe(true);
    const aurora = synthOnce(configFrom(awsYaml({ database: '{ engine: aurora-postgresql }' }), 'aurora.yaml'));
    expect(onlyResource(aurora, 'aws_rds_cluster').iam_database_authentication_enabled).toBe(true);
    // The id rds-db:connect policies need (runbook, "Break-glass database access").
    expect(awsDev.output?.database_iam_resource_id.value).toMatch(/^\$\{aws_db_instance\.[\w-]+\.resource_id\}$/);
    expect(aurora.output?.database_iam_resource_id.value).toMatch(/^\$\{aws_rds_cluster\.[\w-]+\.cluster_resource_id\}$/);
  });
});

describe('AWS: destroying a non-production stack works, production keeps its guards', () => {
  it('non-production buckets are emptied on destroy (docs r/s3_bucket force_destroy), secrets deleted at once so the names can be reused', () => {
    const buckets = Object.values(resourcesOf(awsDev, 'aws_s3_bucket'));
    expect(buckets).toHaveLength(2);
    for (const b of buckets) expect(b.force_destroy).toBe(true);
    for (const s of Object.values(resourcesOf(awsDev, 'aws_secretsmanager_secret'))) expect(s.recovery_window_in_days).toBe(0);
  });

  it('production buckets are never force-destroyed and keep prevent_destroy and the DeleteBucket denial', () => {
    for (const [name, b] of Object.entries(resourcesOf(awsProd, 'aws_s3_bucket'))) {
      expect(b).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
      const policy = Object.values(resourcesOf(awsProd, 'aws_s3_bucket_policy')).find((p) => String(p.bucket).includes(name));
      expect(String(policy?.policy)).toContain('DenyBucketDeletion');
    }
    for (const s of Object.values(resourcesOf(awsProd, 'aws_secretsmanager_secret'))) expect(s.recovery_window_in_days).toBe(30);
    expect(onlyResource(awsProd, 'aws_db_instance')).toMatchObject({ deletion_protection: true, lifecycle: { prevent_destroy: true } });
    expect(onlyResource(awsProd, 'aws_lb').enable_deletion_protection).toBe(true);
  });
});

describe('Azure: provider features (azurerm 4.55 website/docs/guides/features-block.html.markdown)', () => {
  it('storage.data_plane_available = false: no queue/file polling of a storage account reachable only through a blob private endpoint (storage_account_data_plane_helpers.go)', () => {
    for (const json of [azureDev, azureProd]) {
      const features = (json.provider?.azurerm[0].features as Block[])[0];
      expect(features.storage).toEqual([{ data_plane_available: false }]);
      // Neither of the two things the flag turns off is used.
      const account = onlyResource(json, 'azurerm_storage_account');
      expect(account.queue_properties).toBeUndefined();
      expect(account.static_website).toBeUndefined();
    }
  });

  it('resource_group.prevent_deletion_if_contains_resources: on in production, off for non-production destroys', () => {
    const flag = (json: Synthesized) => ((json.provider?.azurerm[0].features as Block[])[0].resource_group as Block[])[0].prevent_deletion_if_contains_resources;
    expect(flag(azureProd)).toBe(true);
    expect(flag(azureDev)).toBe(false);
  });
});

describe('Azure: dependencies and one source of truth for the database password', () => {
  const secret = byKey(azureDev, 'azurerm_key_vault_secret', 'key-vault_database-password_');
  const secretAddress = addressOf(azureDev, 'azurerm_key_vault_secret', 'key-vault_database-password_');
  const server = onlyResource(azureDev, 'azurerm_postgresql_flexible_server');

  it('the flexible server waits for its private DNS zone VNet link (azurerm 4.55 docs r/postgresql_flexible_server example: depends_on the link)', () => {
    expect(dependsOn(server)).toContain(addressOf(azureDev, 'azurerm_private_dns_zone_virtual_network_link', 'postgres-dns-link_'));
  });

  it('Key Vault secrets wait for the deployer role, the private endpoint and the vault DNS zone link', () => {
    for (const s of Object.values(resourcesOf(azureDev, 'azurerm_key_vault_secret'))) {
      expect(dependsOn(s)).toEqual(
        expect.arrayContaining([
          addressOf(azureDev, 'azurerm_role_assignment', 'deployer-secrets-officer'),
          addressOf(azureDev, 'azurerm_private_endpoint', 'key-vault_'),
          addressOf(azureDev, 'azurerm_private_dns_zone_virtual_network_link', 'vault-dns-link_'),
        ]),
      );
    }
  });

  it('the server takes its password from the vault, pinned to the version just written (ephemeral azurerm_key_vault_secret, azurerm 4.55 docs)', () => {
    // A re-run after a partial failure draws a new random value; only the vault's copy is stable.
    expect(secret.value_wo).toBe('${ephemeral.random_password.database-password.result}');
    expect(server.administrator_password_wo).toBe('${ephemeral.azurerm_key_vault_secret.key-vault_database-password.value}');
    const name = secretAddress.split('.')[1];
    expect((azureDev.ephemeral as Record<string, Record<string, Block>>).azurerm_key_vault_secret['key-vault_database-password']).toEqual({
      name: `\${azurerm_key_vault_secret.${name}.name}`,
      key_vault_id: expect.stringMatching(/^\$\{azurerm_key_vault\.[\w-]+\.id\}$/),
      version: `\${azurerm_key_vault_secret.${name}.version}`,
    });
    expect(dependsOn(server)).toContain(secretAddress);
  });

  it('the secret and the server change password together when passwordVersion is bumped (r/postgresql_flexible_server administrator_password_wo_version)', () => {
    const json = synthOnce(configFrom(azureYaml({ database: '{ passwordVersion: 3 }' }), 'bump.yaml'));
    expect(byKey(json, 'azurerm_key_vault_secret', 'key-vault_database-password_').value_wo_version).toBe(3);
    expect(onlyResource(json, 'azurerm_postgresql_flexible_server').administrator_password_wo_version).toBe(3);
  });

  it('the app reads every secret from the vault and waits for the databases and TLS settings', () => {
    const app = onlyResource(azureDev, 'azurerm_container_app');
    const secretIds = (app.secret as Block[]).map((s) => String(s.key_vault_secret_id));
    expect(secretIds).toContain(`\${${secretAddress}.versionless_id}`);
    expect(secretIds).toHaveLength(Object.keys(resourcesOf(azureDev, 'azurerm_key_vault_secret')).length);
    expect(dependsOn(app)).toEqual(
      expect.arrayContaining([
        addressOf(azureDev, 'azurerm_postgresql_flexible_server_database', 'mlflow-database'),
        addressOf(azureDev, 'azurerm_postgresql_flexible_server_database', 'mlflow-auth-database'),
        addressOf(azureDev, 'azurerm_postgresql_flexible_server_configuration', 'require-secure-transport'),
      ]),
    );
  });
});

describe('Azure: private DNS zones linked to extra VNets (network.dnsLinkedVnetIds)', () => {
  const runner = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ci/providers/Microsoft.Network/virtualNetworks/vnet-runners';
  const hub = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub';
  const withVnets = (ids: string[]) => synthOnce(configFrom(azureYaml({ network: `  dnsLinkedVnetIds: [${ids.join(', ')}]` }), 'links.yaml'));
  const links = (json: Synthesized) => resourcesOf(json, 'azurerm_private_dns_zone_virtual_network_link');

  it('links every private zone (postgres, blob, vault, container apps) to every extra VNet', () => {
    const json = withVnets([runner, hub]);
    const all = Object.values(links(json));
    expect(all).toHaveLength(4 * 3);
    for (const vnet of [runner, hub]) {
      const zones = all.filter((l) => l.virtual_network_id === vnet).map((l) => String(l.private_dns_zone_name));
      expect(zones).toHaveLength(4);
      for (const zone of ['postgres', 'blob', 'vault', 'container-apps']) expect(zones.some((z) => z.includes(`${zone}-dns-zone`))).toBe(true);
    }
    expect(Object.values(links(azureDev))).toHaveLength(4);
  });

  it('Key Vault secrets also wait for the vault zone links of the extra VNets (a runner there resolves the vault only then)', () => {
    const json = withVnets([runner]);
    const vaultLinks = Object.keys(links(json))
      .filter((k) => k.includes('vault-dns-link'))
      .map((k) => `azurerm_private_dns_zone_virtual_network_link.${k}`);
    expect(vaultLinks).toHaveLength(2);
    for (const s of Object.values(resourcesOf(json, 'azurerm_key_vault_secret'))) expect(dependsOn(s)).toEqual(expect.arrayContaining(vaultLinks));
  });

  it('derives construct ids and link names from the VNet id, not its list position', () => {
    const a = withVnets([runner, hub]);
    const b = withVnets([hub, runner]);
    expect(Object.keys(links(b)).sort()).toEqual(Object.keys(links(a)).sort());
    expect(Object.keys(links(withVnets([hub])))).toEqual(expect.arrayContaining(Object.keys(links(a)).filter((k) => k.includes('vnet-hub'))));
    expect(Object.values(links(a)).map((l) => l.name)).toContainEqual(expect.stringMatching(/^link-vault-vnet-runners-[0-9a-f]{8}$/));
  });

  it('sends the VNet id with canonical casing (a differently cased id would replace the link: azurerm 4.55 virtual_network_id is ForceNew without case suppression)', () => {
    const shouted = '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/resourcegroups/rg-ci/providers/microsoft.network/virtualnetworks/vnet-runners';
    const json = withVnets([shouted]);
    expect(Object.values(links(json)).filter((l) => l.virtual_network_id === runner)).toHaveLength(4);
    expect(Object.keys(links(json)).sort()).toEqual(Object.keys(links(withVnets([runner]))).sort());
  });

  it('rejects what is not a VNet resource id, and duplicates (resource ids are case-insensitive)', () => {
    expect(rejectionsOf(azureYaml({ network: '  dnsLinkedVnetIds: [vnet-runners]' }), 'bad.yaml').join('\n')).toMatch(
      /bad\.yaml: network\.dnsLinkedVnetIds\[0\]: expected a virtual network resource id/,
    );
    expect(rejectionsOf(azureYaml({ network: `  dnsLinkedVnetIds: [${runner}, ${runner.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}]` }), 'dup.yaml').join('\n')).toMatch(
      /dup\.yaml: network\.dnsLinkedVnetIds\[1\]: duplicate VNet id/,
    );
  });
});

describe('Azure: Container App ingress restricted like the AWS load balancer', () => {
  const restrictions = (json: Synthesized) => (onlyResource(json, 'azurerm_container_app').ingress as Block).ip_security_restriction as Block[];

  it('defaults to the VNet CIDR (azurerm 4.55 docs r/container_app ingress ip_security_restriction, Allow rules only)', () => {
    expect(restrictions(azureDev)).toEqual([{ name: 'allow-10-40-0-0-16', action: 'Allow', ip_address_range: '10.40.0.0/16', description: 'MLflow clients' }]);
  });

  it('takes tracking.ingress.allowedCidrs, named by CIDR', () => {
    const json = synthOnce(configFrom(azureYaml({ tracking: '{ ingress: { allowedCidrs: [10.40.0.0/23, 192.168.10.0/24] } }' }), 'cidrs.yaml'));
    expect(restrictions(json).map((r) => [r.name, r.action, r.ip_address_range])).toEqual([
      ['allow-10-40-0-0-23', 'Allow', '10.40.0.0/23'],
      ['allow-192-168-10-0-24', 'Allow', '192.168.10.0/24'],
    ]);
  });

  it('rejects public ranges: the environment is internal', () => {
    expect(rejectionsOf(azureYaml({ tracking: '{ ingress: { allowedCidrs: [8.8.8.0/24] } }' }), 'public.yaml').join('\n')).toMatch(
      /public\.yaml: tracking\.ingress\.allowedCidrs\[0\]: the internal Container Apps environment is reached from private ranges only/,
    );
  });
});
