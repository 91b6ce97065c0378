/**
 * Every Azure construct on its own (cdktf Testing.synthScope), with explicit props and no config
 * file: targeted assertions on what it writes, and the errors for props it cannot honour. Also the
 * shared ephemeral helper (constructs/shared/ephemeral.ts) and its AWS user, GeneratedSecret.
 */
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { TrackingAlerts, type TrackingAlertsProps } from '../../constructs/azure/alerts';
import { ArtifactStorage, type ArtifactStorageProps } from '../../constructs/azure/artifact-storage';
import { ADMIN_LOGIN, FlexiblePostgres, type FlexiblePostgresProps } from '../../constructs/azure/database';
import { InjectedDatabricksWorkspace } from '../../constructs/azure/databricks-workspace';
import { lockAgainstDeletion } from '../../constructs/azure/delete-lock';
import { sendDiagnostics } from '../../constructs/azure/diagnostics';
import { ephemeralPassword, RANDOM_PROVIDER_VERSION } from '../../constructs/azure/ephemeral-password';
import { principal } from '../../constructs/azure/grants';
import { PrivateKeyVault, type PrivateKeyVaultProps } from '../../constructs/azure/key-vault';
import { AzureNetwork, type AzureNetworkProps, canonicalVnetId, vnetLinkSuffix } from '../../constructs/azure/network';
import { addPrivateEndpoint } from '../../constructs/azure/private-endpoint';
import { applyAzureTags } from '../../constructs/azure/tags';
import { TeamAccess } from '../../constructs/azure/team-access';
import { TrackingApp, type TrackingAppProps } from '../../constructs/azure/tracking-app';
import { EncryptionKey } from '../../constructs/aws/encryption-key';
import { GeneratedSecret } from '../../constructs/aws/generated-secret';
import { ephemeralBlock, ephemeralName } from '../../constructs/shared/ephemeral';

type Block = Record<string, unknown>;
interface Json {
  resource?: Record<string, Record<string, Block>>;
  ephemeral?: Record<string, Record<string, Block>>;
  terraform?: { required_providers?: Record<string, Block> };
}

const synthOf = (build: (scope: Construct) => void): Json => JSON.parse(Testing.synthScope(build)) as Json;
const all = (json: Json, type: string): Record<string, Block> => json.resource?.[type] ?? {};
/** The address key of the resource at construct path `path` (ids joined by `_`, below the stack). */
const keyOf = (json: Json, type: string, path: string): string => {
  const keys = Object.keys(all(json, type)).filter((k) => k.replace(/_[0-9A-F]{8}$/, '') === path);
  if (keys.length !== 1) throw new Error(`expected one ${type} at ${path}, found ${keys.length}: ${Object.keys(all(json, type)).join(', ')}`);
  return keys[0];
};
const res = (json: Json, type: string, path: string): Block => all(json, type)[keyOf(json, type, path)];
const ref = (json: Json, type: string, path: string, attribute: string): string => `\${${type}.${keyOf(json, type, path)}.${attribute}}`;

const SUBNETS = { containerApps: '10.40.0.0/23', postgres: '10.40.2.0/24', privateEndpoints: '10.40.3.0/24' } as const;
const DATABRICKS_SUBNETS = { databricksPublic: '10.40.4.0/22', databricksPrivate: '10.40.8.0/22' } as const;
const TENANT = '00000000-0000-0000-0000-0000000000aa';
const DEPLOYER = '00000000-0000-0000-0000-0000000000bb';
const RUNNER_VNET = '/SUBSCRIPTIONS/00000000-0000-0000-0000-0000000000CC/resourceGroups/rg-runners/providers/Microsoft.Network/virtualNetworks/vnet-runners';

const network = (scope: Construct, extra: Partial<AzureNetworkProps> = {}): AzureNetwork =>
  new AzureNetwork(scope, 'network', { namePrefix: 't', location: 'westeurope', vnetCidr: '10.40.0.0/16', subnets: SUBNETS, ...extra });
const vault = (scope: Construct, net: AzureNetwork, extra: Partial<PrivateKeyVaultProps> = {}): PrivateKeyVault =>
  new PrivateKeyVault(scope, 'key-vault', { namePrefix: 't', network: net, tenantId: TENANT, deployerObjectId: DEPLOYER, ...extra });
const storage = (scope: Construct, net: AzureNetwork, extra: Partial<ArtifactStorageProps> = {}): ArtifactStorage =>
  new ArtifactStorage(scope, 'artifacts', { namePrefix: 't', network: net, ...extra });

/** The database as the Azure section builds it: the password written to the vault, read back from it. */
const database = (scope: Construct, net: AzureNetwork, kv: PrivateKeyVault, extra: Partial<FlexiblePostgresProps> = {}) => {
  const secret = kv.addWriteOnlySecret('database-password', 'postgres-admin-password', ephemeralPassword(scope, 'database-password'), 1);
  const db = new FlexiblePostgres(scope, 'database', { namePrefix: 't', network: net, adminPassword: kv.ephemeralValue(secret), dependsOn: [secret], ...extra });
  return { db, secret };
};

/** A tracking app with everything it needs, built from explicit props. */
const trackingApp = (scope: Construct, extra: Partial<TrackingAppProps> = {}): TrackingApp => {
  const net = network(scope);
  const kv = vault(scope, net);
  const { db, secret } = database(scope, net, kv);
  return new TrackingApp(scope, 'tracking', {
    namePrefix: 't',
    network: net,
    database: db,
    databasePasswordSecret: secret,
    storage: storage(scope, net),
    keyVault: kv,
    ...extra,
  });
};

describe('shared ephemeral helper (constructs/shared/ephemeral.ts)', () => {
  it('names a block after the construct path below the stack, plus an id', () => {
    const json = synthOf((s) => {
      const inner = new Construct(new Construct(s, 'outer'), 'in.ner');
      expect(ephemeralName(inner)).toBe('outer_in_ner');
      expect(ephemeralName(inner, 'x')).toBe('outer_in_ner_x');
      expect(ephemeralName(s, 'root-id')).toBe('root-id');
      expect(ephemeralName(new Construct(s, '1st'))).toBe('_1st');
      expect(ephemeralBlock(inner, { type: 'random_password', id: 'pw', args: { length: 20 }, attribute: 'result' })).toBe('${ephemeral.random_password.outer_in_ner_pw.result}');
    });
    expect(json.ephemeral).toEqual({ random_password: { outer_in_ner_pw: { length: 20 } } });
  });

  it('gives the same construct used twice two blocks, where fixed names used to collide', () => {
    const json = synthOf((s) => {
      for (const id of ['a', 'b']) ephemeralPassword(new Construct(s, id), 'admin-password');
    });
    expect(Object.keys(json.ephemeral?.random_password ?? {}).sort()).toEqual(['a_admin-password', 'b_admin-password']);
  });

  it('refuses a name written twice, and a stack-level block without an id', () => {
    expect(() =>
      synthOf((s) => {
        ephemeralPassword(s, 'same');
        ephemeralPassword(s, 'same');
      }),
    ).toThrow(/ephemeral random_password\.same is already written .*give each value its own id/);
    expect(() => synthOf((s) => ephemeralBlock(s, { type: 'random_password', args: {}, attribute: 'result' }))).toThrow(/give an id when the scope is the stack itself/);
  });
});

describe('ephemeralPassword', () => {
  it('writes an ephemeral random_password without punctuation and requires hashicorp/random >= 3.7.1', () => {
    let expression = '';
    const json = synthOf((s) => {
      expression = ephemeralPassword(new Construct(s, 'app'), 'flask-key', 64);
    });
    expect(expression).toBe('${ephemeral.random_password.app_flask-key.result}');
    expect(json.ephemeral?.random_password).toEqual({ 'app_flask-key': { length: 64, special: false } });
    expect(json.terraform?.required_providers?.random).toEqual({ source: 'hashicorp/random', version: RANDOM_PROVIDER_VERSION });
  });

  it('rejects a short or fractional length', () => {
    expect(() => synthOf((s) => ephemeralPassword(s, 'pw', 8))).toThrow('ephemeral password pw: length must be a whole number of at least 16, got 8');
    expect(() => synthOf((s) => ephemeralPassword(s, 'pw', 20.5))).toThrow(/got 20\.5/);
  });
});

describe('AzureNetwork', () => {
  const json = synthOf((s) => {
    network(s, { dnsLinkedVnetIds: [RUNNER_VNET] });
  });

  it('creates the resource group, delegates each subnet and puts an NSG on every one, NAT only where egress is needed', () => {
    expect(res(json, 'azurerm_resource_group', 'network_resource-group')).toMatchObject({ name: 'rg-t', location: 'westeurope' });
    expect(res(json, 'azurerm_subnet', 'network_postgres-subnet')).toMatchObject({
      address_prefixes: ['10.40.2.0/24'],
      default_outbound_access_enabled: false,
      delegation: [{ service_delegation: { name: 'Microsoft.DBforPostgreSQL/flexibleServers' } }],
    });
    expect(res(json, 'azurerm_subnet', 'network_private-endpoints-subnet').delegation).toBeUndefined();
    expect(Object.keys(all(json, 'azurerm_subnet_network_security_group_association'))).toHaveLength(3);
    expect(Object.keys(all(json, 'azurerm_subnet_nat_gateway_association')).map((k) => k.replace(/_[0-9A-F]{8}$/, ''))).toEqual(['network_container-apps-nat-association']);
  });

  it('admits PostgreSQL from the app subnet only and denies the rest of the VNet', () => {
    expect(res(json, 'azurerm_network_security_rule', 'network_postgres-nsg-allow-postgres-from-app')).toMatchObject({
      access: 'Allow',
      source_address_prefix: SUBNETS.containerApps,
      destination_port_ranges: ['5432'],
      destination_address_prefix: SUBNETS.postgres,
    });
    expect(res(json, 'azurerm_network_security_rule', 'network_postgres-nsg-deny-rest-of-vnet')).toMatchObject({ access: 'Deny', priority: 4000, source_address_prefix: 'VirtualNetwork' });
  });

  it('links every private DNS zone to the VNet and to each extra VNet, named by its id (canonical casing), not its position', () => {
    const suffix = vnetLinkSuffix(canonicalVnetId(RUNNER_VNET));
    expect(res(json, 'azurerm_private_dns_zone_virtual_network_link', `network_vault-dns-link-${suffix}`)).toMatchObject({
      name: `link-vault-${suffix}`,
      virtual_network_id: canonicalVnetId(RUNNER_VNET),
    });
    expect(canonicalVnetId(RUNNER_VNET)).toMatch(/^\/subscriptions\/00000000-0000-0000-0000-0000000000cc\/resourceGroups\/rg-runners\/providers\/Microsoft\.Network\/virtualNetworks\//);
    expect(Object.keys(all(json, 'azurerm_private_dns_zone_virtual_network_link'))).toHaveLength(6);
  });

  it('deploys into an existing resource group without creating one', () => {
    const existing = synthOf((s) => {
      expect(network(s, { existingResourceGroupName: 'rg-given' }).resourceGroupName).toBe('rg-given');
    });
    expect(all(existing, 'azurerm_resource_group')).toEqual({});
    expect(res(existing, 'azurerm_virtual_network', 'network_vnet').resource_group_name).toBe('rg-given');
  });

  it('fails for a missing role, an unknown zone, a bad CIDR, a subnet outside the VNet and overlapping subnets', () => {
    synthOf((s) => {
      const net = network(s);
      expect(() => net.subnetId('databricksPublic')).toThrow('the network has no databricksPublic subnet');
      expect(() => net.subnetCidr('databricksPrivate')).toThrow('the network has no databricksPrivate subnet');
      expect(() => net.allPrivateDnsZoneLinks('files')).toThrow('the network has no files private DNS zone');
    });
    expect(() => synthOf((s) => network(s, { vnetCidr: '10.40.0.1/16' }))).toThrow(/network: vnetCidr 10\.40\.0\.1\/16: host bits must be zero/);
    expect(() => synthOf((s) => network(s, { subnets: { ...SUBNETS, postgres: '10.41.2.0/24' } }))).toThrow('network: subnet postgres 10.41.2.0/24 is outside the VNet 10.40.0.0/16');
    expect(() => synthOf((s) => network(s, { subnets: { ...SUBNETS, postgres: '10.40.1.0/24' } }))).toThrow('network: subnets containerApps 10.40.0.0/23 and postgres 10.40.1.0/24 overlap');
  });
});

describe('ArtifactStorage', () => {
  const json = synthOf((s) => {
    const st = storage(s, network(s));
    st.grantReadWrite(principal('11111111-1111-1111-1111-111111111111', 'server', 'ServicePrincipal'));
    st.grantReadWrite(principal('22222222-2222-2222-2222-222222222222', 'team-a'), 'workspaces/a/');
  });

  it('has secure defaults: Entra ID only, HTTPS and TLS 1.2, no public blobs, public access off, ZRS, versioning and soft delete', () => {
    expect(res(json, 'azurerm_storage_account', 'artifacts_account')).toMatchObject({
      shared_access_key_enabled: false,
      https_traffic_only_enabled: true,
      min_tls_version: 'TLS1_2',
      allow_nested_items_to_be_public: false,
      public_network_access_enabled: false,
      infrastructure_encryption_enabled: true,
      account_replication_type: 'ZRS',
      blob_properties: { versioning_enabled: true, delete_retention_policy: { days: 7 }, container_delete_retention_policy: { days: 7 } },
      lifecycle: { prevent_destroy: true },
    });
    expect(Object.keys(all(json, 'azurerm_management_lock'))).toHaveLength(1);
  });

  it('is reached through a blob private endpoint in the privateEndpoints subnet, registered in the blob zone', () => {
    expect(res(json, 'azurerm_private_endpoint', 'artifacts_private-endpoint')).toMatchObject({
      subnet_id: ref(json, 'azurerm_subnet', 'network_private-endpoints-subnet', 'id'),
      private_service_connection: { subresource_names: ['blob'] },
      private_dns_zone_group: { private_dns_zone_ids: [ref(json, 'azurerm_private_dns_zone', 'network_blob-dns-zone', 'id')] },
    });
  });

  it('grants the whole container, or one prefix by ABAC condition, to an IGrantable, named after its grantName', () => {
    expect(res(json, 'azurerm_role_assignment', 'artifacts_server-blob-contributor')).toMatchObject({
      role_definition_name: 'Storage Blob Data Contributor',
      principal_id: '11111111-1111-1111-1111-111111111111',
      principal_type: 'ServicePrincipal',
    });
    const prefix = res(json, 'azurerm_role_assignment', 'artifacts_team-a-prefix-contributor');
    expect(prefix.principal_type).toBeUndefined();
    expect(prefix).toMatchObject({ condition_version: '2.0', description: 'Blobs under workspaces/a/ only' });
    expect(prefix.condition).toContain("StringStartsWith 'workspaces/a/'");
  });

  it('without protection: no prevent_destroy and no delete lock; deployer CIDRs open the firewall to those ranges only', () => {
    const open = synthOf((s) => storage(s, network(s), { protect: false, deployerCidrs: ['203.0.113.0/28'] }));
    const account = res(open, 'azurerm_storage_account', 'artifacts_account');
    expect(account.lifecycle).toBeUndefined();
    expect(all(open, 'azurerm_management_lock')).toEqual({});
    expect(account).toMatchObject({ public_network_access_enabled: true, network_rules: { default_action: 'Deny', ip_rules: ['203.0.113.0/28'] } });
  });

  it('rejects props it cannot honour', () => {
    expect(() => synthOf((s) => storage(s, network(s), { softDeleteDays: 7, pointInTimeRestoreDays: 7 }))).toThrow(
      'point-in-time restore days (7) must be between 1 and the soft delete days (7) minus one',
    );
    expect(() => synthOf((s) => storage(s, network(s), { replication: 'XRS' }))).toThrow('artifacts: replication must be one of LRS, GRS, RAGRS, ZRS, GZRS, RAGZRS, got XRS');
    expect(() => synthOf((s) => storage(s, network(s), { softDeleteDays: 0 }))).toThrow('artifacts: softDeleteDays must be a whole number from 1 to 365, got 0');
    expect(() => synthOf((s) => storage(s, network(s)).grantReadWrite(principal('x', 'bad'), "a/' OR 1/"))).toThrow(/the prefix of bad must be a blob path ending in \//);
  });
});

describe('PrivateKeyVault', () => {
  let first = '';
  let again = '';
  const json = synthOf((s) => {
    const kv = vault(s, network(s, { dnsLinkedVnetIds: [RUNNER_VNET] }));
    const secret = kv.addWriteOnlySecret('database-password', 'pg-admin', '${ephemeral.random_password.x.result}', 3);
    first = kv.ephemeralValue(secret);
    again = kv.ephemeralValue(secret);
    kv.grantSecretsUser(principal('33333333-3333-3333-3333-333333333333', 'reader', 'ServicePrincipal'));
  });

  it('uses RBAC, purge protection, 90-day soft delete and no public network access', () => {
    expect(res(json, 'azurerm_key_vault', 'key-vault')).toMatchObject({
      tenant_id: TENANT,
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      soft_delete_retention_days: 90,
      public_network_access_enabled: false,
      network_acls: { default_action: 'Deny', ip_rules: [] },
    });
    expect(res(json, 'azurerm_role_assignment', 'key-vault_deployer-secrets-officer')).toMatchObject({ principal_id: DEPLOYER, role_definition_name: 'Key Vault Secrets Officer' });
  });

  it('writes secrets write-only, after the deployer role, the private endpoint and every link of the vault zone', () => {
    const secret = res(json, 'azurerm_key_vault_secret', 'key-vault_database-password');
    expect(secret).toMatchObject({ name: 'pg-admin', value_wo: '${ephemeral.random_password.x.result}', value_wo_version: 3 });
    expect(secret.value).toBeUndefined();
    const suffix = vnetLinkSuffix(canonicalVnetId(RUNNER_VNET));
    expect(secret.depends_on).toEqual([
      `azurerm_role_assignment.${keyOf(json, 'azurerm_role_assignment', 'key-vault_deployer-secrets-officer')}`,
      `azurerm_private_endpoint.${keyOf(json, 'azurerm_private_endpoint', 'key-vault_private-endpoint')}`,
      `azurerm_private_dns_zone_virtual_network_link.${keyOf(json, 'azurerm_private_dns_zone_virtual_network_link', 'network_vault-dns-link')}`,
      `azurerm_private_dns_zone_virtual_network_link.${keyOf(json, 'azurerm_private_dns_zone_virtual_network_link', `network_vault-dns-link-${suffix}`)}`,
    ]);
  });

  it('reads a secret back as one ephemeral azurerm_key_vault_secret named after the secret, pinned to its version', () => {
    expect(first).toBe('${ephemeral.azurerm_key_vault_secret.key-vault_database-password.value}');
    expect(again).toBe(first);
    const key = keyOf(json, 'azurerm_key_vault_secret', 'key-vault_database-password');
    expect(json.ephemeral?.azurerm_key_vault_secret).toEqual({
      'key-vault_database-password': {
        name: `\${azurerm_key_vault_secret.${key}.name}`,
        key_vault_id: ref(json, 'azurerm_key_vault', 'key-vault', 'id'),
        version: `\${azurerm_key_vault_secret.${key}.version}`,
      },
    });
  });

  it('grants Key Vault Secrets User to an IGrantable, named after its grantName', () => {
    expect(res(json, 'azurerm_role_assignment', 'key-vault_reader-secrets-user')).toMatchObject({
      role_definition_name: 'Key Vault Secrets User',
      principal_id: '33333333-3333-3333-3333-333333333333',
      principal_type: 'ServicePrincipal',
    });
  });

  it('rejects a retention outside 7-90 days and a secret of another vault', () => {
    expect(() => synthOf((s) => vault(s, network(s), { softDeleteRetentionDays: 5 }))).toThrow('key-vault: softDeleteRetentionDays must be a whole number from 7 to 90, got 5');
    expect(() =>
      synthOf((s) => {
        const net = network(s);
        const other = new PrivateKeyVault(s, 'other', { namePrefix: 'o', network: net, tenantId: TENANT, deployerObjectId: DEPLOYER });
        vault(s, net).ephemeralValue(other.addWriteOnlySecret('x', 'x', 'v', 1));
      }),
    ).toThrow('stack/other/x is not a secret of stack/key-vault: add it with addWriteOnlySecret');
  });
});

describe('FlexiblePostgres', () => {
  const json = synthOf((s) => {
    const net = network(s);
    database(s, net, vault(s, net), { highAvailability: true, zone: '2' });
  });
  const server = res(json, 'azurerm_postgresql_flexible_server', 'database_server');

  it('has private access only: the delegated postgres subnet, the postgres zone, no public access, password write-only', () => {
    expect(server).toMatchObject({
      delegated_subnet_id: ref(json, 'azurerm_subnet', 'network_postgres-subnet', 'id'),
      private_dns_zone_id: ref(json, 'azurerm_private_dns_zone', 'network_postgres-dns-zone', 'id'),
      public_network_access_enabled: false,
      administrator_login: ADMIN_LOGIN,
      administrator_password_wo: '${ephemeral.azurerm_key_vault_secret.key-vault_database-password.value}',
      administrator_password_wo_version: 1,
    });
    expect(server.administrator_password).toBeUndefined();
  });

  it('waits for the zone link first (azurerm 4.55 r/postgresql_flexible_server example), then what it is given', () => {
    expect(server.depends_on).toEqual([
      `azurerm_private_dns_zone_virtual_network_link.${keyOf(json, 'azurerm_private_dns_zone_virtual_network_link', 'network_postgres-dns-link')}`,
      `azurerm_key_vault_secret.${keyOf(json, 'azurerm_key_vault_secret', 'key-vault_database-password')}`,
    ]);
  });

  it('puts the standby in another zone, ignores failover swaps, requires TLS and creates both databases', () => {
    expect(server).toMatchObject({ zone: '2', high_availability: { mode: 'ZoneRedundant', standby_availability_zone: '3' } });
    expect(server.lifecycle).toEqual({ ignore_changes: ['zone', 'high_availability[0].standby_availability_zone'], prevent_destroy: true });
    expect(res(json, 'azurerm_postgresql_flexible_server_configuration', 'database_require-secure-transport')).toMatchObject({ name: 'require_secure_transport', value: 'on' });
    expect(Object.values(all(json, 'azurerm_postgresql_flexible_server_database')).map((d) => d.name).sort()).toEqual(['mlflow', 'mlflow_auth']);
  });

  it('rejects a backup retention outside 7-35 days, an unknown zone and a password version below 1', () => {
    const build = (extra: Partial<FlexiblePostgresProps>) => () =>
      synthOf((s) => {
        const net = network(s);
        database(s, net, vault(s, net), extra);
      });
    expect(build({ backupRetentionDays: 40 })).toThrow('database: backupRetentionDays must be a whole number from 7 to 35, got 40');
    expect(build({ zone: '4' })).toThrow('database: zone must be one of 1, 2, 3, got 4');
    expect(build({ adminPasswordVersion: 0 })).toThrow('database: adminPasswordVersion must be a whole number of at least 1, got 0');
  });
});

describe('InjectedDatabricksWorkspace', () => {
  it('injects a Premium workspace into the VNet: both Databricks subnets with their NSG associations, no public IP', () => {
    const json = synthOf((s) => {
      const ws = new InjectedDatabricksWorkspace(s, 'dbw', {
        name: 'dbw-t',
        managedResourceGroupName: 'rg-t-managed',
        network: network(s, { subnets: { ...SUBNETS, ...DATABRICKS_SUBNETS } }),
      });
      expect(ws.host).toMatch(/^https:\/\/\$\{TfToken/);
    });
    expect(res(json, 'azurerm_databricks_workspace', 'dbw_workspace')).toMatchObject({
      sku: 'premium',
      managed_resource_group_name: 'rg-t-managed',
      custom_parameters: {
        no_public_ip: true,
        virtual_network_id: ref(json, 'azurerm_virtual_network', 'network_vnet', 'id'),
        public_subnet_name: ref(json, 'azurerm_subnet', 'network_databricks-public-subnet', 'name'),
        private_subnet_network_security_group_association_id: ref(json, 'azurerm_subnet_network_security_group_association', 'network_databricks-private-nsg-association', 'id'),
      },
      lifecycle: { prevent_destroy: true },
    });
    expect(Object.keys(all(json, 'azurerm_management_lock'))).toHaveLength(1);
  });

  it('rejects a network without the Databricks subnets', () => {
    expect(() => synthOf((s) => new InjectedDatabricksWorkspace(s, 'dbw', { name: 'dbw-t', managedResourceGroupName: 'rg-m', network: network(s) }))).toThrow(
      'dbw: the network has no databricksPublic subnet (VNet injection needs both Databricks subnets)',
    );
  });
});

describe('TrackingApp', () => {
  let app: TrackingApp | undefined;
  const json = synthOf((s) => {
    app = trackingApp(s, { teams: ['vision'], cpu: 0.5, minReplicas: 0, maxReplicas: 2 });
    app.addScheduledJob('gc', { cronExpression: '0 3 * * *', command: 'mlflow gc' });
  });
  const container = res(json, 'azurerm_container_app', 'tracking_app');
  const template = container.template as { min_replicas: number; max_replicas: number; container: Block[]; init_container: Block[] };

  it('is an IGrantable: its identity gets blob and secret read access, under the role-assignment ids it always had', () => {
    expect(app?.grantName).toBe('tracking-server');
    const principalId = ref(json, 'azurerm_user_assigned_identity', 'tracking_identity', 'principal_id');
    expect(res(json, 'azurerm_role_assignment', 'artifacts_tracking-server-blob-contributor')).toMatchObject({ principal_id: principalId, principal_type: 'ServicePrincipal' });
    expect(res(json, 'azurerm_role_assignment', 'key-vault_tracking-server-secrets-user')).toMatchObject({ principal_id: principalId, principal_type: 'ServicePrincipal' });
  });

  it('generates its secrets into Key Vault from ephemeral values named after its path and the secret', () => {
    expect(Object.keys(json.ephemeral?.random_password ?? {}).sort()).toEqual([
      'database-password',
      'tracking_admin-password',
      'tracking_flask-secret-key',
      'tracking_server-database-password',
      'tracking_team-admin-vision',
    ]);
    expect(res(json, 'azurerm_key_vault_secret', 'key-vault_team-admin-vision')).toMatchObject({
      name: 'mlflow-team-vision-admin-password',
      value_wo: '${ephemeral.random_password.tracking_team-admin-vision.result}',
    });
  });

  it('sizes replicas as given (memory 2 GiB per vCPU) and admits only the VNet by default', () => {
    expect(template).toMatchObject({ min_replicas: 0, max_replicas: 2 });
    expect(template.container[0]).toMatchObject({ cpu: 0.5, memory: '1Gi' });
    expect((container.ingress as Block).ip_security_restriction).toEqual([
      { name: 'allow-10-40-0-0-16', action: 'Allow', ip_address_range: '10.40.0.0/16', description: 'MLflow clients' },
    ]);
  });

  it('runs in an internal environment on the container-apps subnet', () => {
    expect(res(json, 'azurerm_container_app_environment', 'tracking_environment')).toMatchObject({
      internal_load_balancer_enabled: true,
      infrastructure_subnet_id: ref(json, 'azurerm_subnet', 'network_container-apps-subnet', 'id'),
    });
  });

  it('gives a scheduled job the server database role only, never an admin or team credential', () => {
    const job = res(json, 'azurerm_container_app_job', 'tracking_gc');
    expect((job.secret as Block[]).map((x) => x.name)).toEqual(['server-db-password']);
    expect(job).toMatchObject({ name: 't-mlflow-gc', schedule_trigger_config: { cron_expression: '0 3 * * *' } });
  });

  it('rejects sizes and lists it cannot honour', () => {
    const build = (extra: Partial<TrackingAppProps>) => () => synthOf((s) => trackingApp(s, extra));
    expect(build({ cpu: 0.3 })).toThrow('tracking: cpu must be 0.25 to 4 vCPUs in steps of 0.25, got 0.3');
    expect(build({ cpu: 8 })).toThrow(/got 8$/);
    expect(build({ minReplicas: 4, maxReplicas: 3 })).toThrow('tracking: minReplicas (4) must not exceed maxReplicas (3)');
    expect(build({ maxReplicas: 301 })).toThrow('tracking: maxReplicas must be a whole number from 1 to 300, got 301');
    expect(build({ logRetentionDays: 7 })).toThrow('tracking: logRetentionDays must be a whole number from 30 to 730, got 7');
    expect(build({ allowedCidrs: [] })).toThrow("tracking: allowedCidrs must name at least one range (leave it out for the VNet's)");
    expect(build({ teams: ['a', 'a'] })).toThrow('tracking: team a is listed twice');
  });
});

describe('TeamAccess (the Azure TeamRole)', () => {
  const A = '44444444-4444-4444-4444-444444444444';
  const B = '55555555-5555-5555-5555-555555555555';

  it("grants each principal read and write on the team's workspace blobs only, in the storage scope, keyed by principal", () => {
    let team: TeamAccess | undefined;
    const json = synthOf((s) => {
      team = new TeamAccess(s, 'team-vision', { team: 'vision', principalIds: [B, A], artifacts: storage(s, network(s)) });
    });
    expect(team?.artifactPrefix).toBe('workspaces/vision/');
    expect(team?.principals.map((p) => p.grantName)).toEqual([`team-vision-${B}`, `team-vision-${A}`]);
    const assignment = res(json, 'azurerm_role_assignment', `artifacts_team-vision-${A}-prefix-contributor`);
    expect(assignment).toMatchObject({ principal_id: A, role_definition_name: 'Storage Blob Data Contributor' });
    expect(assignment.principal_type).toBeUndefined();
    expect(assignment.condition).toContain("StringStartsWith 'workspaces/vision/'");
    expect(Object.keys(all(json, 'azurerm_role_assignment')).filter((k) => k.includes('team-vision'))).toHaveLength(2);
  });

  it('rejects a team without principals or with one listed twice', () => {
    expect(() => synthOf((s) => new TeamAccess(s, 'team-x', { team: 'x', principalIds: [], artifacts: storage(s, network(s)) }))).toThrow('team-x: team x needs at least one principal id');
    expect(() => synthOf((s) => new TeamAccess(s, 'team-x', { team: 'x', principalIds: [A, A], artifacts: storage(s, network(s)) }))).toThrow(`team-x: team x lists principal ${A} twice`);
  });
});

describe('TrackingAlerts', () => {
  const props = (extra: Partial<TrackingAlertsProps> = {}): TrackingAlertsProps => ({
    namePrefix: 't',
    resourceGroupName: 'rg-t',
    containerAppId: '/app',
    containerAppName: 't-mlflow',
    logAnalyticsWorkspaceId: '/logs',
    location: 'westeurope',
    databaseId: '/db',
    maxConnections: 200,
    minReplicas: 2,
    emails: ['ops@example.com'],
    ...extra,
  });

  it('alerts on the same signals as AWS through one action group, with the production thresholds by default', () => {
    let alerts: TrackingAlerts | undefined;
    const json = synthOf((s) => {
      alerts = new TrackingAlerts(s, 'alerts', props());
    });
    expect(alerts?.alertNames.sort()).toEqual(['t-5xx-count', 't-database-connections', 't-database-cpu', 't-database-storage', 't-latency', 't-replicas', 't-restarts']);
    expect(res(json, 'azurerm_monitor_action_group', 'alerts_action-group').email_receiver).toEqual([{ name: 'ops@example.com', email_address: 'ops@example.com', use_common_alert_schema: true }]);
    expect(res(json, 'azurerm_monitor_metric_alert', 'alerts_5xx-count').criteria).toEqual([expect.objectContaining({ threshold: 10 })]);
    expect(res(json, 'azurerm_monitor_scheduled_query_rules_alert_v2', 'alerts_restarts').scopes).toEqual(['/logs']);
  });

  it('has no replica floor to watch when the app scales to zero', () => {
    const json = synthOf((s) => new TrackingAlerts(s, 'alerts', props({ minReplicas: 0, production: false })));
    expect(Object.keys(all(json, 'azurerm_monitor_metric_alert')).some((k) => k.includes('replicas'))).toBe(false);
    expect(res(json, 'azurerm_monitor_metric_alert', 'alerts_5xx-count').criteria).toEqual([expect.objectContaining({ threshold: 50 })]);
  });

  it('rejects a connection limit below 1 and a fractional replica floor', () => {
    expect(() => synthOf((s) => new TrackingAlerts(s, 'alerts', props({ maxConnections: 0 })))).toThrow('alerts: maxConnections must be a whole number of at least 1, got 0');
    expect(() => synthOf((s) => new TrackingAlerts(s, 'alerts', props({ minReplicas: 1.5 })))).toThrow('alerts: minReplicas must be a whole number from 0 to 300, got 1.5');
  });
});

describe('Azure helpers: delete lock, diagnostics, private endpoint, tags', () => {
  it('write what they promise', () => {
    const json = synthOf((s) => {
      lockAgainstDeletion(s, 'lock', '/res', 'the data');
      sendDiagnostics(s, 'diag', '/res', '/logs', false);
      addPrivateEndpoint(new Construct(s, 'thing'), {
        name: 'pe-x',
        resourceGroupName: 'rg',
        location: 'westeurope',
        subnetId: '/subnet',
        resourceId: '/res',
        subresource: 'vault',
        privateDnsZoneId: '/zone',
      });
      const tagged = new StorageAccount(s, 'account', {
        name: 'st',
        resourceGroupName: 'rg',
        location: 'westeurope',
        accountTier: 'Standard',
        accountReplicationType: 'LRS',
        tags: { owner: 'me', environment: 'mine' },
      });
      applyAzureTags(s, { environment: 'dev', platform: 'mlflow' });
      expect(tagged.tagsInput).toEqual({ owner: 'me', environment: 'dev', platform: 'mlflow' });
    });
    expect(res(json, 'azurerm_management_lock', 'lock')).toMatchObject({ scope: '/res', lock_level: 'CanNotDelete', name: 'do-not-delete' });
    expect(res(json, 'azurerm_monitor_diagnostic_setting', 'diag')).toMatchObject({ enabled_log: [{ category_group: 'allLogs' }], log_analytics_workspace_id: '/logs' });
    expect(res(json, 'azurerm_monitor_diagnostic_setting', 'diag').enabled_metric).toBeUndefined();
    expect(res(json, 'azurerm_private_endpoint', 'thing_private-endpoint')).toMatchObject({
      subnet_id: '/subnet',
      private_service_connection: { private_connection_resource_id: '/res', subresource_names: ['vault'], is_manual_connection: false },
      private_dns_zone_group: { private_dns_zone_ids: ['/zone'] },
    });
  });
});

describe('AWS GeneratedSecret on the shared ephemeral helper', () => {
  const key = (s: Construct) => new EncryptionKey(s, 'key', { alias: 't/data', description: 'd', accountId: '111122223333', region: 'eu-west-1', partition: 'aws' });

  it('names its ephemeral aws_secretsmanager_random_password after its path below the stack (not the stack name)', () => {
    const json = synthOf((s) => new GeneratedSecret(new Construct(s, 'tracking'), 'admin-password', { name: 'n', description: 'd', key: key(s), length: 32 }));
    expect(json.ephemeral?.aws_secretsmanager_random_password).toEqual({ 'tracking_admin-password': { password_length: 32, exclude_punctuation: true } });
    expect(Object.values(all(json, 'aws_secretsmanager_secret_version'))[0]).toMatchObject({
      secret_string_wo: '${ephemeral.aws_secretsmanager_random_password.tracking_admin-password.random_password}',
      secret_string_wo_version: 1,
    });
  });

  it('rejects a short password and a recovery window Secrets Manager does not offer', () => {
    expect(() => synthOf((s) => new GeneratedSecret(s, 'pw', { name: 'n', description: 'd', key: key(s), length: 8 }))).toThrow('pw: length must be a whole number of at least 16, got 8');
    expect(() => synthOf((s) => new GeneratedSecret(s, 'pw', { name: 'n', description: 'd', key: key(s), recoveryWindowInDays: 3 }))).toThrow('pw: recoveryWindowInDays must be 0 or 7-30, got 3');
  });
});
