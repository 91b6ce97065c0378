import { TerraformOutput } from 'cdktf';
import { azureCostDefaults } from '../config/defaults';
import type { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ArtifactStorage } from '../../constructs/azure/artifact-storage';
import { FlexiblePostgres } from '../../constructs/azure/database';
import { InjectedDatabricksWorkspace } from '../../constructs/azure/databricks-workspace';
import { sendDiagnostics } from '../../constructs/azure/diagnostics';
import { ephemeralPassword } from '../../constructs/azure/ephemeral-password';
import { PrivateKeyVault } from '../../constructs/azure/key-vault';
import { AzureNetwork } from '../../constructs/azure/network';
import { TrackingApp } from '../../constructs/azure/tracking-app';
import { type AzureSections, resolveSubnets } from '../config/azure';

export interface AzurePlatformProps extends AzureSections {
  readonly name: string;
  readonly location: string;
  readonly production: boolean;
}

/** The workspace the `databricks` provider should point at, when this stack creates one. */
export interface CreatedWorkspace {
  readonly host: string;
  readonly azureWorkspaceResourceId: string;
}

/**
 * The Azure tracking platform and the VNet-injected Databricks workspace, with production defaults
 * resolved here.
 */
export function addAzurePlatform(scope: Construct, props: AzurePlatformProps): CreatedWorkspace | undefined {
  const { production, name } = props;
  const withWorkspace = props.databricksWorkspace !== undefined;
  const network = new AzureNetwork(scope, 'network', {
    namePrefix: name,
    location: props.location,
    existingResourceGroupName: props.network?.resourceGroupName,
    vnetCidr: props.network?.vnetCidr ?? '10.40.0.0/16',
    subnets: resolveSubnets(props.network, withWorkspace),
  });

  let workspace: CreatedWorkspace | undefined;
  if (props.databricksWorkspace) {
    const ws = new InjectedDatabricksWorkspace(scope, 'databricks-workspace', {
      name: props.databricksWorkspace.name ?? `dbw-${name}`,
      managedResourceGroupName: props.databricksWorkspace.managedResourceGroupName ?? `rg-${name}-databricks-managed`,
      network,
      protect: production,
    });
    workspace = { host: ws.host, azureWorkspaceResourceId: ws.workspace.id };
    new TerraformOutput(scope, 'databricks_workspace_url', { value: ws.host });
  }

  const { database: db, tracking: t, artifacts: a } = props;
  if (!db || !t || !a) return workspace;

  const client = new DataAzurermClientConfig(scope, 'client', {});
  const deployerCidrs = props.network?.deployerCidrs ?? [];
  const keyVault = new PrivateKeyVault(scope, 'key-vault', {
    namePrefix: name,
    resourceGroupName: network.resourceGroupName,
    location: props.location,
    tenantId: client.tenantId,
    deployerObjectId: client.objectId,
    privateEndpointSubnetId: network.subnetId('privateEndpoints'),
    privateDnsZoneId: network.privateDnsZoneIds.vault,
    deployerCidrs,
    softDeleteRetentionDays: production ? 90 : 7,
    protect: production,
  });
  const databasePassword = ephemeralPassword(scope, 'postgres_admin_password');
  const database = new FlexiblePostgres(scope, 'database', {
    namePrefix: name,
    resourceGroupName: network.resourceGroupName,
    location: props.location,
    delegatedSubnetId: network.subnetId('postgres'),
    privateDnsZoneId: network.privateDnsZoneIds.postgres,
    adminPassword: databasePassword,
    adminPasswordVersion: db.passwordVersion,
    version: db.version,
    skuName: azureCostDefaults(props, production).skuName,
    storageMb: db.storageMb,
    backupRetentionDays: db.backupRetentionDays ?? (production ? 35 : 7),
    highAvailability: db.highAvailability ?? production,
    geoRedundantBackup: db.geoRedundantBackup ?? production,
    zone: db.zone,
    protect: production,
  });
  const storage = new ArtifactStorage(scope, 'artifacts', {
    namePrefix: name,
    resourceGroupName: network.resourceGroupName,
    location: props.location,
    privateEndpointSubnetId: network.subnetId('privateEndpoints'),
    privateDnsZoneId: network.privateDnsZoneIds.blob,
    replication: a.replication ?? (production ? 'GZRS' : 'ZRS'),
    softDeleteDays: a.softDeleteDays ?? (production ? 30 : 7),
    deployerCidrs,
    protect: production,
  });
  const app = new TrackingApp(scope, 'tracking', {
    namePrefix: name,
    network,
    database,
    databasePassword,
    databasePasswordVersion: db.passwordVersion,
    storage,
    keyVault,
    image: t.image,
    cpu: azureCostDefaults(props, production).cpu,
    minReplicas: azureCostDefaults(props, production).minReplicas,
    maxReplicas: azureCostDefaults(props, production).maxReplicas,
    workers: t.workers,
    logRetentionDays: t.logRetentionDays ?? (production ? 365 : 30),
    adminUsername: t.adminUsername,
    zoneRedundant: production,
  });
  const logs = app.logAnalyticsWorkspaceId;
  sendDiagnostics(scope, 'database-diagnostics', database.server.id, logs);
  sendDiagnostics(scope, 'key-vault-diagnostics', keyVault.vault.id, logs);
  sendDiagnostics(scope, 'storage-diagnostics', `${storage.account.id}/blobServices/default`, logs);

  for (const team of props.teams ?? []) {
    // Keyed by principal, not position: reordering the list must not replace assignments.
    for (const principalId of team.principalIds) storage.grantPrefixReadWrite(principalId, `team-${team.name}-${principalId}`, `teams/${team.name}/`);
  }

  new TerraformOutput(scope, 'tracking_uri', { value: app.trackingUri, description: 'MLFLOW_TRACKING_URI for clients inside the VNet.' });
  new TerraformOutput(scope, 'artifact_container', { value: storage.artifactsUri });
  new TerraformOutput(scope, 'database_fqdn', { value: database.fqdn });
  new TerraformOutput(scope, 'admin_secret_id', {
    value: app.adminSecretId,
    description: 'Key Vault secret with the MLflow admin password (read it with az keyvault secret show; never printed here).',
  });
  new TerraformOutput(scope, 'log_analytics_workspace_id', { value: logs });
  new TerraformOutput(scope, 'teams', {
    description: 'Per team: artifact prefix in the container.',
    value: Object.fromEntries((props.teams ?? []).map((team) => [team.name, { artifact_prefix: `teams/${team.name}/` }])),
  });
  return workspace;
}
