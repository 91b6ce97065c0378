import { defaultSubnet } from '../stacks/config/azure';
import { type Block, type Synthesized, configFrom, onlyResource, rejectionsOf, resourcesOf, synth } from './helpers';
import { AZURE_DEV, AZURE_PROD } from './fixtures/configs';

const dev = synth(configFrom(AZURE_DEV, 'azure-dev.yaml'));
const prod = synth(configFrom(AZURE_PROD, 'azure-prod.yaml'));

const minimal = (extra: string, environment = 'dev') => `name: t
environment: ${environment}
cloud: azure
location: westeurope
database: {}
artifacts: {}
tracking: {}
${extra}`;

const byKey = (json: Synthesized, type: string, part: string): Block => {
  const found = Object.entries(resourcesOf(json, type)).filter(([k]) => k.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${part}, found ${found.length}`);
  return found[0][1];
};

interface AppContainer {
  name: string;
  command: string[];
  env: { name: string; value?: string; secret_name?: string }[];
}
const appTemplate = (json: Synthesized) => onlyResource(json, 'azurerm_container_app').template as { container: AppContainer[]; init_container: AppContainer[]; min_replicas: number; max_replicas: number };

describe('Azure: no public network access', () => {
  it('keeps the database private: delegated subnet, private DNS zone, public access disabled', () => {
    const server = onlyResource(prod, 'azurerm_postgresql_flexible_server');
    expect(server).toMatchObject({ public_network_access_enabled: false });
    expect(String(server.delegated_subnet_id)).toMatch(/azurerm_subnet\.network_postgres-subnet/);
    expect(String(server.private_dns_zone_id)).toMatch(/azurerm_private_dns_zone\.network_postgres-dns-zone/);
  });

  it('without deployer CIDRs, storage and Key Vault have public network access disabled', () => {
    expect(onlyResource(prod, 'azurerm_storage_account').public_network_access_enabled).toBe(false);
    expect(onlyResource(prod, 'azurerm_key_vault').public_network_access_enabled).toBe(false);
  });

  it('with deployer CIDRs, only those ranges pass the storage and Key Vault firewalls', () => {
    expect(onlyResource(dev, 'azurerm_storage_account')).toMatchObject({
      public_network_access_enabled: true,
      network_rules: { default_action: 'Deny', bypass: ['AzureServices'], ip_rules: ['203.0.113.0/28'] },
    });
    expect(onlyResource(dev, 'azurerm_key_vault').network_acls).toEqual({ default_action: 'Deny', bypass: 'AzureServices', ip_rules: ['203.0.113.0/28'] });
  });

  it('reaches storage and Key Vault through private endpoints registered in private DNS', () => {
    const endpoints = Object.values(resourcesOf(prod, 'azurerm_private_endpoint')).map((e) => String((e.private_service_connection as Block).subresource_names));
    expect(endpoints.sort()).toEqual(['blob', 'vault']);
    const zones = Object.values(resourcesOf(prod, 'azurerm_private_dns_zone')).map((z) => String(z.name).replace(/_[0-9A-F]{8}/, ''));
    expect(zones.sort()).toEqual([
      '${azurerm_container_app_environment.tracking_environment.default_domain}',
      'azure-prod.private.postgres.database.azure.com',
      'privatelink.blob.core.windows.net',
      'privatelink.vaultcore.azure.net',
    ]);
    expect(Object.keys(resourcesOf(prod, 'azurerm_private_dns_zone_virtual_network_link'))).toHaveLength(4);
  });

  it('runs the tracking server in an internal Container Apps environment on the VNet', () => {
    expect(onlyResource(prod, 'azurerm_container_app_environment')).toMatchObject({
      internal_load_balancer_enabled: true,
      zone_redundancy_enabled: true,
      infrastructure_subnet_id: expect.stringMatching(/container-apps-subnet/),
    });
    expect(onlyResource(prod, 'azurerm_container_app').ingress).toMatchObject({ external_enabled: true, allow_insecure_connections: false, target_port: 5000 });
    expect(Object.values(resourcesOf(prod, 'azurerm_private_dns_a_record')).map((r) => String(r.name)).sort()).toEqual(['*', '@']);
  });
});

describe('Azure subnets', () => {
  it('delegates each subnet to its service and puts an NSG on every one', () => {
    const delegations = Object.fromEntries(
      Object.values(resourcesOf(prod, 'azurerm_subnet')).map((s) => [
        String(s.name),
        ((s.delegation as Block[] | undefined)?.[0]?.service_delegation as Block | undefined)?.name ?? null,
      ]),
    );
    expect(delegations).toEqual({
      'snet-container-apps': 'Microsoft.App/environments',
      'snet-postgres': 'Microsoft.DBforPostgreSQL/flexibleServers',
      'snet-private-endpoints': null,
      'snet-databricks-public': 'Microsoft.Databricks/workspaces',
      'snet-databricks-private': 'Microsoft.Databricks/workspaces',
    });
    expect(Object.keys(resourcesOf(prod, 'azurerm_subnet_network_security_group_association'))).toHaveLength(5);
    for (const s of Object.values(resourcesOf(prod, 'azurerm_subnet'))) expect(s.default_outbound_access_enabled).toBe(false);
  });

  it('lays out default subnets inside a /16', () => {
    expect(defaultSubnet('10.40.0.0/16', 'containerApps')).toBe('10.40.0.0/23');
    expect(defaultSubnet('10.40.0.0/16', 'databricksPrivate')).toBe('10.40.8.0/22');
  });
});

describe('Azure secrets never leak', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('%s: passwords are write-only from ephemeral values; no value in the synthesized JSON', (_env, json) => {
    expect(JSON.stringify(json)).not.toMatch(/"(administrator_password|password|secret_string)":/);
    const server = onlyResource(json, 'azurerm_postgresql_flexible_server');
    expect(server.administrator_password).toBeUndefined();
    // Read back from Key Vault, which received the ephemeral random value (test/apply-time.test.ts).
    expect(server.administrator_password_wo).toBe('${ephemeral.azurerm_key_vault_secret.key-vault_database-password.value}');
    for (const secret of Object.values(resourcesOf(json, 'azurerm_key_vault_secret'))) {
      expect(secret.value).toBeUndefined();
      expect(secret.value_wo).toMatch(/^\$\{ephemeral\.random_password\./);
    }
    expect(json.terraform.required_providers).toMatchObject({ random: { source: 'hashicorp/random', version: '3.7.2' } });
  });

  it('gives the app secrets as Key Vault references, read with its managed identity', () => {
    const app = onlyResource(prod, 'azurerm_container_app');
    for (const s of app.secret as Block[]) {
      expect(s.value).toBeUndefined();
      expect(String(s.key_vault_secret_id)).toMatch(/versionless_id/);
      expect(String(s.identity)).toMatch(/azurerm_user_assigned_identity/);
    }
    for (const c of [...appTemplate(prod).container, ...appTemplate(prod).init_container]) {
      for (const e of c.env) if (/PASSWORD|SECRET/.test(e.name)) expect(e).toEqual({ name: e.name, secret_name: expect.any(String) });
    }
  });
});

describe('Azure database', () => {
  it('enforces TLS 1.2+ and creates the mlflow and auth databases', () => {
    const settings = Object.values(resourcesOf(prod, 'azurerm_postgresql_flexible_server_configuration')).map((c) => `${String(c.name)}=${String(c.value)}`);
    expect(settings).toEqual(expect.arrayContaining(['require_secure_transport=on', 'ssl_min_protocol_version=TLSv1.2']));
    expect(Object.values(resourcesOf(prod, 'azurerm_postgresql_flexible_server_database')).map((d) => String(d.name)).sort()).toEqual(['mlflow', 'mlflow_auth']);
  });

  it('production: zone-redundant HA, geo-redundant backups, 35 days, prevent_destroy', () => {
    expect(onlyResource(prod, 'azurerm_postgresql_flexible_server')).toMatchObject({
      high_availability: { mode: 'ZoneRedundant', standby_availability_zone: '2' },
      geo_redundant_backup_enabled: true,
      backup_retention_days: 35,
      lifecycle: expect.objectContaining({ prevent_destroy: true }),
    });
  });

  it('non-production: no HA, 7 days, destroyable', () => {
    const server = onlyResource(dev, 'azurerm_postgresql_flexible_server');
    expect(server).toMatchObject({ geo_redundant_backup_enabled: false, backup_retention_days: 7, lifecycle: expect.objectContaining({ prevent_destroy: false }) });
    expect(server.high_availability).toBeUndefined();
    expect(JSON.stringify(dev)).not.toContain('"prevent_destroy":true');
  });
});

describe('Azure artifact storage and Key Vault', () => {
  it('storage: HTTPS only, TLS 1.2, no public blobs, no shared keys, infrastructure encryption, versioning and soft delete', () => {
    expect(onlyResource(prod, 'azurerm_storage_account')).toMatchObject({
      https_traffic_only_enabled: true,
      min_tls_version: 'TLS1_2',
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      infrastructure_encryption_enabled: true,
      account_replication_type: 'GZRS',
      blob_properties: { versioning_enabled: true, delete_retention_policy: { days: 30 }, container_delete_retention_policy: { days: 30 } },
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(prod, 'azurerm_storage_container')).toMatchObject({ name: 'mlflow', container_access_type: 'private' });
    expect(onlyResource(prod, 'azurerm_storage_container').storage_account_id).toMatch(/azurerm_storage_account/);
  });

  it('configures the provider for Entra ID storage access', () => {
    expect(prod.provider?.azurerm).toEqual([
      {
        features: [{ storage: [{ data_plane_available: false }], resource_group: [{ prevent_deletion_if_contains_resources: true }] }],
        storage_use_azuread: true,
      },
    ]);
  });

  it('Key Vault: RBAC authorization, purge protection, the deployer may write secrets', () => {
    expect(onlyResource(prod, 'azurerm_key_vault')).toMatchObject({ rbac_authorization_enabled: true, purge_protection_enabled: true, soft_delete_retention_days: 90 });
    expect(byKey(prod, 'azurerm_role_assignment', 'deployer')).toMatchObject({ role_definition_name: 'Key Vault Secrets Officer' });
  });

  it('grants the server identity Storage Blob Data Contributor on the container and Key Vault Secrets User', () => {
    expect(byKey(prod, 'azurerm_role_assignment', 'tracking-server-blob')).toMatchObject({
      role_definition_name: 'Storage Blob Data Contributor',
      scope: expect.stringMatching(/azurerm_storage_container\.artifacts_container_[0-9A-F]+\.resource_manager_id/),
    });
    expect(byKey(prod, 'azurerm_role_assignment', 'tracking-server-secrets')).toMatchObject({ role_definition_name: 'Key Vault Secrets User' });
  });

  it('limits each team to its prefix with an ABAC condition', () => {
    const vision = byKey(prod, 'azurerm_role_assignment', 'team-vision');
    expect(vision).toMatchObject({ principal_id: 'aaaaaaaa-0000-0000-0000-000000000001', condition_version: '2.0' });
    expect(String(vision.condition)).toContain("StringStartsWith 'workspaces/vision/'");
    expect(String(vision.condition)).toContain("!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})");
  });

  it('sends database, storage, Key Vault and Container Apps diagnostics to Log Analytics', () => {
    const targets = Object.values(resourcesOf(prod, 'azurerm_monitor_diagnostic_setting')).map((d) => String(d.target_resource_id).replace(/_[0-9A-F]{8}/, ''));
    expect(targets.sort()).toEqual([
      '${azurerm_container_app_environment.tracking_environment.id}',
      '${azurerm_key_vault.key-vault.id}',
      '${azurerm_postgresql_flexible_server.database_server.id}',
      '${azurerm_storage_account.artifacts_account.id}/blobServices/default',
    ]);
  });
});

describe('Azure tracking app', () => {
  const server = appTemplate(prod).container[0];
  const env = Object.fromEntries(server.env.map((e) => [e.name, e.value ?? `secret:${String(e.secret_name)}`]));

  it('runs mlflow server with wasbs artifacts, basic-auth NO_PERMISSIONS, the managed identity and sslmode=require', () => {
    const script = server.command[2];
    expect(script).toContain('--serve-artifacts --artifacts-destination wasbs://${azurerm_storage_container.artifacts_container');
    expect(script).toContain('--app-name basic-auth');
    expect(script).toContain('default_permission = NO_PERMISSIONS');
    expect(env.AZURE_CLIENT_ID).toMatch(/azurerm_user_assigned_identity\.tracking_identity_[0-9A-F]+\.client_id/);
    expect(env.MLFLOW_BACKEND_STORE_URI).toMatch(/^postgresql:\/\/\$\{[^}]+\.fqdn\}:5432\/mlflow\?sslmode=require$/);
    // The server connects as its own role; the database admin's password reaches only the init step.
    expect(env.PGPASSWORD).toBe('secret:server-db-password');
    expect(env.PGUSER).toBe('mlflow_server');
    expect(env.MLFLOW_ADMIN_PASSWORD).toBeUndefined();
    const initEnv = appTemplate(prod).init_container[0].env;
    expect(initEnv.find((e) => e.name === 'MLFLOW_ADMIN_PASSWORD')?.secret_name).toBe('admin-password');
    expect(env.MLFLOW_SERVER_ALLOWED_HOSTS).toContain('10.50.*');
  });

  it('migrates before serving and runs >= 2 replicas in production', () => {
    expect(appTemplate(prod).init_container[0].command[2]).toContain('mlflow db upgrade');
    expect(appTemplate(prod)).toMatchObject({ min_replicas: 2, max_replicas: 6 });
    expect(appTemplate(dev)).toMatchObject({ min_replicas: 1, max_replicas: 3 }); // the fixture pins them
  });

  it('outputs the tracking URI and where the admin secret lives', () => {
    expect(prod.output?.tracking_uri.value).toMatch(/^https:\/\/azure-prod-mlflow\.\$\{azurerm_container_app_environment\.tracking_environment_[0-9A-F]+\.default_domain\}$/);
    expect(Object.keys(prod.output ?? {})).toEqual(expect.arrayContaining(['admin_secret', 'admin_secret_id', 'artifact_root', 'artifact_container', 'database_host', 'database_fqdn', 'logs', 'teams', 'databricks_workspace_url']));
  });
});

describe('Azure Databricks workspace', () => {
  it('is Premium, VNet-injected into the delegated subnets with their NSG associations, without public IPs', () => {
    expect(onlyResource(prod, 'azurerm_databricks_workspace')).toMatchObject({
      sku: 'premium',
      managed_resource_group_name: 'rg-azure-prod-databricks-managed',
      custom_parameters: {
        no_public_ip: true,
        virtual_network_id: expect.stringMatching(/azurerm_virtual_network/),
        public_subnet_name: expect.stringMatching(/databricks-public-subnet/),
        private_subnet_name: expect.stringMatching(/databricks-private-subnet/),
        public_subnet_network_security_group_association_id: expect.stringMatching(/databricks-public-nsg-association/),
        private_subnet_network_security_group_association_id: expect.stringMatching(/databricks-private-nsg-association/),
      },
      lifecycle: { prevent_destroy: true },
    });
  });

  it('points the databricks provider at the created workspace, so governance applies to it', () => {
    expect(prod.provider?.databricks).toEqual([
      {
        host: 'https://${azurerm_databricks_workspace.databricks-workspace_F85A37F7.workspace_url}',
        azure_workspace_resource_id: '${azurerm_databricks_workspace.databricks-workspace_F85A37F7.id}',
      },
    ]);
    expect(Object.values(resourcesOf(prod, 'databricks_group')).map((g) => g.display_name).sort()).toEqual(['apps_acc', 'apps_all', 'apps_preprod', 'apps_production']);
  });
});

describe('Azure tags', () => {
  it('tags every taggable azurerm resource with the deployment tags', () => {
    for (const [type, byName] of Object.entries(prod.resource ?? {})) {
      if (!type.startsWith('azurerm_')) continue;
      for (const r of Object.values(byName)) {
        if (r.tags !== undefined) {
          expect(r.tags).toEqual({ 'cost-center': 'ml-platform', deployment: 'azure-prod', environment: 'prod', 'managed-by': 'mlflow-platform' });
        }
      }
    }
    expect(onlyResource(prod, 'azurerm_key_vault').tags).toBeDefined();
    expect(onlyResource(prod, 'azurerm_postgresql_flexible_server').tags).toBeDefined();
  });
});

describe('Azure config validation', () => {
  const problems = (text: string) => rejectionsOf(text, 'deployments/azure.yaml');

  it('rejects a subnet outside the VNet and overlapping subnets', () => {
    expect(problems(minimal('network:\n  vnetCidr: 10.40.0.0/16\n  subnets: { postgres: 10.41.2.0/24 }\n'))).toEqual([
      'deployments/azure.yaml: network.subnets.postgres: must lie inside the VNet 10.40.0.0/16, got "10.41.2.0/24"',
    ]);
    expect(problems(minimal('network:\n  subnets: { privateEndpoints: 10.40.2.128/25 }\n'))).toEqual([
      'deployments/azure.yaml: network.subnets.postgres: overlaps subnet privateEndpoints (10.40.2.128/25), got "10.40.2.0/24"',
    ]);
  });

  it('says when the default layout does not fit a small VNet', () => {
    expect(problems(minimal('network: { vnetCidr: 10.40.0.0/24 }\n'))[0]).toBe(
      'deployments/azure.yaml: network.subnets.containerApps: must lie inside the VNet 10.40.0.0/24 (default layout; set the subnets for this VNet), got "10.40.0.0/23"',
    );
  });

  it('rejects subnets smaller than Azure allows', () => {
    expect(problems(minimal('network:\n  subnets: { containerApps: 10.40.0.0/28 }\n'))).toEqual([
      'deployments/azure.yaml: network.subnets.containerApps: must be /27 or larger, got "10.40.0.0/28"',
    ]);
  });

  it('validates the Databricks subnets: equal sizes with room for minNodes', () => {
    const text = minimal('network:\n  subnets: { databricksPublic: 10.40.4.0/24, databricksPrivate: 10.40.8.0/23 }\ndatabricksWorkspace: { minNodes: 1000 }\n');
    expect(problems(text).sort()).toEqual([
      'deployments/azure.yaml: network.subnets.databricksPrivate: must be the same size as databricksPublic: every node takes one address in each, got "10.40.8.0/23"',
      'deployments/azure.yaml: network.subnets.databricksPublic: has room for 251 nodes, fewer than databricksWorkspace.minNodes (1000); use a larger subnet, got "10.40.4.0/24"',
    ]);
  });

  it('rejects production settings that weaken it, and a Burstable SKU with HA', () => {
    expect(problems(minimal('', 'prod').replace('database: {}', 'database: { backupRetentionDays: 7, skuName: B_Standard_B1ms }').replace('tracking: {}', 'tracking: { minReplicas: 1 }'))).toEqual([
      'deployments/azure.yaml: database.backupRetentionDays: production keeps backups for at least 14 days, got 7',
      'deployments/azure.yaml: database.skuName: Burstable SKUs do not support high availability: use a GP_ or MO_ SKU, got "B_Standard_B1ms"',
      'deployments/azure.yaml: tracking.minReplicas: production runs at least 2 replicas, got 1',
      // Day-2 operations: B1ms accepts 35 user connections, too few for the production default of 6 replicas x 4 workers.
      'deployments/azure.yaml: tracking: 6 tracking.maxReplicas x 2 tracking.workers need at least 82 database connections at the peak of a rollout (x2 tasks, x3 engines per worker, +10 reserved), more than the 35 that database.skuName allows; keep tracking.maxReplicas x tracking.workers at or below 4 or choose a larger database.skuName',
    ]);
  });

  it('rejects a CPU size Container Apps does not offer, and a host next to a created workspace', () => {
    expect(problems(minimal('').replace('tracking: {}', 'tracking: { cpu: 3.1 }'))[0]).toMatch(/^deployments\/azure\.yaml: tracking\.cpu: expected a Container Apps CPU size: 0\.25, 0\.5/);
    const text = minimal('databricksWorkspace: {}\ndatabricks:\n  host: https://adb-1.1.azuredatabricks.net\n  environments: [{ name: acc }]\n');
    expect(problems(text)).toEqual([
      'deployments/azure.yaml: databricks.host: omit the host: the databricks provider points at the workspace this stack creates, got "https://adb-1.1.azuredatabricks.net"',
    ]);
  });
});
