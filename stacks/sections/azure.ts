import { TerraformOutput } from 'cdktf';
import { addTrackingOutputs } from './outputs';
import type { Construct } from 'constructs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ArtifactStorage } from '../../constructs/azure/artifact-storage';
import { FlexiblePostgres } from '../../constructs/azure/database';
import { InjectedDatabricksWorkspace } from '../../constructs/azure/databricks-workspace';
import { sendDiagnostics } from '../../constructs/azure/diagnostics';
import { ephemeralPassword } from '../../constructs/azure/ephemeral-password';
import { PrivateKeyVault } from '../../constructs/azure/key-vault';
import { AzureNetwork } from '../../constructs/azure/network';
import { TeamAccess } from '../../constructs/azure/team-access';
import { TrackingApp } from '../../constructs/azure/tracking-app';
import type { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { teamArtifactPrefix } from '../../constructs/shared/mlflow-server';
import type { AzureSections } from '../config/azure';
import { TrackingAlerts } from '../../constructs/azure/alerts';
import { gcScript } from '../../constructs/shared/gc-script';
import { azureConnectionPlan, type OperationsSections } from '../config/operations';
import { type ResolvedAzure, type ResolvedAzureDatabase, resolveAzure } from '../config/resolve';

export interface AzurePlatformProps extends AzureSections, OperationsSections {
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
 * The Azure tracking platform and the VNet-injected Databricks workspace. Every config-driven
 * construct prop comes from resolveAzure (stacks/config/resolve.ts), never from a default written
 * here or a construct's own fallback.
 */
export function addAzurePlatform(scope: Construct, props: AzurePlatformProps): CreatedWorkspace | undefined {
  const { production, name } = props;
  const r = resolveAzure(props, production);
  const network = new AzureNetwork(scope, 'network', {
    namePrefix: name,
    location: props.location,
    existingResourceGroupName: r.network.resourceGroupName,
    vnetCidr: r.network.vnetCidr,
    subnets: r.network.subnets,
    dnsLinkedVnetIds: r.network.dnsLinkedVnetIds,
  });

  let workspace: CreatedWorkspace | undefined;
  if (r.databricksWorkspace) {
    const ws = new InjectedDatabricksWorkspace(scope, 'databricks-workspace', {
      name: r.databricksWorkspace.name,
      managedResourceGroupName: r.databricksWorkspace.managedResourceGroupName,
      network,
      protect: r.derived.protect,
    });
    workspace = { host: ws.host, azureWorkspaceResourceId: ws.workspace.id };
    new TerraformOutput(scope, 'databricks_workspace_url', { value: ws.host });
  }

  const { database: db, tracking: t, artifacts: a } = r;
  if (!db || !t || !a) return workspace;

  const client = new DataAzurermClientConfig(scope, 'client', {});
  const deployerCidrs = r.network.deployerCidrs;
  const keyVault = new PrivateKeyVault(scope, 'key-vault', {
    namePrefix: name,
    network,
    tenantId: client.tenantId,
    deployerObjectId: client.objectId,
    deployerCidrs,
    softDeleteRetentionDays: r.derived.keyVaultSoftDeleteDays,
    protect: r.derived.protect,
  });
  const { database, databasePasswordSecret } = addDatabase(scope, props, r, { network, keyVault, db });
  const storage = new ArtifactStorage(scope, 'artifacts', {
    namePrefix: name,
    network,
    replication: a.replication,
    softDeleteDays: a.softDeleteDays,
    pointInTimeRestoreDays: a.pointInTimeRestoreDays,
    deployerCidrs,
    protect: r.derived.protect,
  });
  const connections = azureConnectionPlan(r, props.tracking?.maxReplicas !== undefined);
  // The config loader rejected a plan that does not fit; a construct-level caller gets the same message.
  if (!connections?.ok) throw new Error(connections ? `${connections.path.join('.')}: ${connections.message}` : 'database and tracking: expected both');
  const app = new TrackingApp(scope, 'tracking', {
    namePrefix: name,
    network,
    database,
    databasePasswordSecret,
    storage,
    keyVault,
    image: t.image,
    cpu: t.cpu,
    minReplicas: t.minReplicas,
    maxReplicas: t.maxReplicas,
    workers: t.workers,
    logRetentionDays: t.logRetentionDays,
    logTotalRetentionDays: t.logTotalRetentionDays,
    consoleLogPlan: t.consoleLogPlan === 'basic' ? 'Basic' : 'Analytics',
    adminUsername: t.adminUsername,
    zoneRedundant: r.derived.zoneRedundant,
    allowedCidrs: t.ingress.allowedCidrs,
    telemetry: t.telemetry,
    teams: r.teams.map((team) => team.name),
    databasePool: connections.sizing,
  });
  addAzureOperations(scope, props, r, { app, storage, database, network, connectionLimit: connections.sizing.limit, minReplicas: t.minReplicas });
  const logs = app.logAnalyticsWorkspaceId;
  sendDiagnostics(scope, 'database-diagnostics', database.server.id, logs);
  sendDiagnostics(scope, 'key-vault-diagnostics', keyVault.vault.id, logs);
  sendDiagnostics(scope, 'storage-diagnostics', `${storage.account.id}/blobServices/default`, logs);

  for (const team of r.teams) {
    new TeamAccess(scope, `team-${team.name}`, { team: team.name, principalIds: team.principalIds, artifacts: storage });
  }

  addAzureOutputs(scope, r, { app, storage, database });
  return workspace;
}

interface AzurePlatformParts {
  readonly app: TrackingApp;
  readonly storage: ArtifactStorage;
  readonly database: FlexiblePostgres;
}

/** The scheduled `mlflow gc` job and the alerts of the platform (day-2 operations). */
function addAzureOperations(
  scope: Construct,
  props: AzurePlatformProps,
  r: ResolvedAzure,
  x: AzurePlatformParts & { readonly network: AzureNetwork; readonly connectionLimit: number; readonly minReplicas: number },
): void {
  const retention = r.retention;
  if (retention.gcEnabled) {
    x.app.addScheduledJob('gc', {
      cronExpression: `0 ${retention.hourUtc} * * *`,
      command: gcScript({ artifactsDestination: x.storage.artifactsUri, olderThanDays: retention.deletedRunsDays }),
    });
  }
  const alarmConfig = r.alarms;
  if (alarmConfig.enabled) {
    new TrackingAlerts(scope, 'alerts', {
      namePrefix: props.name,
      resourceGroupName: x.network.resourceGroupName,
      containerAppId: x.app.appId,
      containerAppName: `${props.name}-mlflow`,
      logAnalyticsWorkspaceId: x.app.logAnalyticsWorkspaceId,
      location: x.network.location,
      databaseId: x.database.server.id,
      maxConnections: x.connectionLimit,
      minReplicas: x.minReplicas,
      emails: alarmConfig.emails,
      production: props.production,
    });
  }
}

/** The stack outputs `client-config` and `smoke` read. */
function addAzureOutputs(scope: Construct, r: ResolvedAzure, x: AzurePlatformParts): void {
  addTrackingOutputs(
    scope,
    {
      tracking_uri: { value: x.app.trackingUri, description: 'MLFLOW_TRACKING_URI for clients inside the VNet.' },
      artifact_root: { value: x.storage.artifactsUri, description: 'Where the server stores artifacts (its --artifacts-destination).' },
      database_host: { value: x.database.fqdn, description: 'Host name of the PostgreSQL server.' },
      admin_secret: {
        value: x.app.adminSecretId,
        description: 'Key Vault secret (id) with the MLflow admin password (read it with az keyvault secret show; never printed here).',
      },
      logs: { value: x.app.logAnalyticsWorkspaceId, description: "The tracking server's Log Analytics workspace (id)." },
    },
    { artifact_container: 'artifact_root', database_fqdn: 'database_host', admin_secret_id: 'admin_secret', log_analytics_workspace_id: 'logs' },
  );
  new TerraformOutput(scope, 'teams', {
    description: 'Per team: MLflow workspace, team-admin secret (admin_secret; admin_secret_id is deprecated) and artifact prefix in the container.',
    value: Object.fromEntries(
      r.teams.map((team) => [
        team.name,
        { workspace: team.name, admin_secret: x.app.teamAdminSecretIds[team.name], admin_secret_id: x.app.teamAdminSecretIds[team.name], artifact_prefix: teamArtifactPrefix(team.name) },
      ]),
    ),
  });
}

/**
 * The PostgreSQL server and its admin password secret.
 *
 * One password, one source of truth: Key Vault. A fresh ephemeral random value is written to the
 * vault (write-only, sent on create and when passwordVersion changes); the server's write-only
 * password is then read back FROM THE VAULT (ephemeral azurerm_key_vault_secret, pinned to the
 * version just written), never from the random value. Each Terraform run draws a new random value,
 * so feeding it to both would go wrong after a partial failure: secret written, server failed;
 * the re-run keeps the stored secret (its version did not change) but creates the server with the
 * new value. Reading back from the vault, the re-run creates the server with the password the vault
 * holds, whichever step failed; a failed rotation (version bumped) converges the same way. The app
 * reads the vault too (Key Vault reference), so all three agree (README, "re-run the apply").
 */
function addDatabase(
  scope: Construct,
  props: AzurePlatformProps,
  r: ResolvedAzure,
  x: { readonly network: AzureNetwork; readonly keyVault: PrivateKeyVault; readonly db: ResolvedAzureDatabase },
): { database: FlexiblePostgres; databasePasswordSecret: KeyVaultSecret } {
  const { name } = props;
  const { network, keyVault, db } = x;
  const databasePasswordSecret = keyVault.addWriteOnlySecret(
    'database-password',
    'postgres-admin-password',
    ephemeralPassword(scope, 'database-password'),
    db.passwordVersion,
  );
  const database = new FlexiblePostgres(scope, 'database', {
    namePrefix: name,
    network,
    adminPassword: keyVault.ephemeralValue(databasePasswordSecret),
    adminPasswordVersion: db.passwordVersion,
    // The server only once its password is in the vault (and after the zone link: FlexiblePostgres).
    dependsOn: [databasePasswordSecret],
    version: db.version,
    skuName: db.skuName,
    storageMb: db.storageMb,
    backupRetentionDays: db.backupRetentionDays,
    highAvailability: db.highAvailability,
    geoRedundantBackup: db.geoRedundantBackup,
    zone: db.zone,
    protect: r.derived.protect,
  });
  return { database, databasePasswordSecret };
}
