import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ContainerApp } from '@cdktf/provider-azurerm/lib/container-app';
import { ContainerAppJob } from '@cdktf/provider-azurerm/lib/container-app-job';
import { ContainerAppEnvironment } from '@cdktf/provider-azurerm/lib/container-app-environment';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { CONTAINER_PORT, DEFAULT_MLFLOW_IMAGE, MIGRATE_SCRIPT, privateIpPattern, serverScript } from '../shared/mlflow-server';
import type { ArtifactStorage } from './artifact-storage';
import type { FlexiblePostgres } from './database';
import { serverTuning } from '../shared/server-tuning';
import { sendDiagnostics } from './diagnostics';
import { ephemeralPassword } from './ephemeral-password';
import type { PrivateKeyVault } from './key-vault';
import type { AzureNetwork } from './network';

export interface TrackingAppProps {
  readonly namePrefix: string;
  readonly network: AzureNetwork;
  readonly database: FlexiblePostgres;
  /** Expression of the database admin password (ephemeral), stored in Key Vault write-only. */
  readonly databasePassword: string;
  readonly databasePasswordVersion: number;
  readonly storage: ArtifactStorage;
  readonly keyVault: PrivateKeyVault;
  /** @default ghcr.io/mlflow/mlflow:v3.14.0-full */
  readonly image?: string;
  /** vCPUs per replica; memory is 2 GiB per vCPU. @default 1 */
  readonly cpu?: number;
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default 3 */
  readonly maxReplicas?: number;
  /** Server worker processes. @default 2 per vCPU */
  readonly workers?: number;
  /** Log Analytics retention, days. @default 30 */
  readonly logRetentionDays?: number;
  /** @default admin */
  readonly adminUsername?: string;
  /** Zone redundancy of the environment. @default false */
  readonly zoneRedundant?: boolean;
  /**
   * SQLAlchemy pool of every server worker (constructs/shared/db-connections.ts sizes it).
   * @default MLflow's defaults (5 + 10 overflow per engine)
   */
  readonly databasePool?: { readonly poolSize: number; readonly maxOverflow: number };
}

/**
 * The MLflow tracking server on Azure Container Apps in an internal, VNet-integrated environment:
 * reachable from the VNet only (its default domain resolves through a private DNS zone), a
 * user-assigned identity for storage and Key Vault, secrets as Key Vault references, migrations
 * as an init container, the same `mlflow server` behaviour as on AWS.
 */
export class TrackingApp extends Construct {
  public readonly trackingUri: string;
  public readonly identityPrincipalId: string;
  public readonly logAnalyticsWorkspaceId: string;
  public readonly adminSecretId: string;
  /** Resource id of the container app (metric alerts). */
  public readonly appId: string;
  /** What a scheduled job needs to run like the server (addScheduledJob). */
  private readonly jobBase: {
    props: TrackingAppProps;
    environmentId: string;
    identityId: string;
    image: string;
    cpu: number;
    memory: string;
    env: { name: string; value?: string; secretName?: string }[];
    secret: { name: string; keyVaultSecretId: string; identity: string }[];
    dependsOn: ITerraformDependable[];
  };

  constructor(scope: Construct, id: string, props: TrackingAppProps) {
    super(scope, id);
    const net = props.network;
    const rg = { resourceGroupName: net.resourceGroupName, location: net.location };
    const cpu = props.cpu ?? 1;
    const image = props.image ?? DEFAULT_MLFLOW_IMAGE;

    const logs = new LogAnalyticsWorkspace(this, 'logs', {
      ...rg,
      name: `log-${props.namePrefix}`,
      sku: 'PerGB2018',
      retentionInDays: props.logRetentionDays ?? 30,
    });
    this.logAnalyticsWorkspaceId = logs.id;

    const environment = new ContainerAppEnvironment(this, 'environment', {
      ...rg,
      name: `cae-${props.namePrefix}`,
      infrastructureSubnetId: net.subnetId('containerApps'),
      infrastructureResourceGroupName: `rg-${props.namePrefix}-aca-infra`,
      internalLoadBalancerEnabled: true,
      zoneRedundancyEnabled: props.zoneRedundant ?? false,
      workloadProfile: [{ name: 'Consumption', workloadProfileType: 'Consumption' }],
      // Logs go through the diagnostic setting below, like every other resource.
      logsDestination: 'azure-monitor',
    });
    sendDiagnostics(this, 'environment-diagnostics', environment.id, logs.id);

    // The environment's default domain resolves to its internal load balancer inside the VNet.
    const zone = net.privateZone('container-apps', environment.defaultDomain);
    for (const [recordId, name] of [['wildcard', '*'], ['apex', '@']] as const) {
      new PrivateDnsARecord(this, `${recordId}-record`, {
        name,
        zoneName: zone.name,
        resourceGroupName: net.resourceGroupName,
        ttl: 300,
        records: [environment.staticIpAddress],
      });
    }

    const identity = new UserAssignedIdentity(this, 'identity', { ...rg, name: `id-${props.namePrefix}-mlflow` });
    this.identityPrincipalId = identity.principalId;
    const access = [
      props.storage.grantReadWrite(identity.principalId, 'tracking-server'),
      props.keyVault.grantSecretsUser(identity.principalId, 'tracking-server'),
    ];

    const kv = props.keyVault;
    const secrets = {
      'db-password': kv.addWriteOnlySecret('database-password', 'postgres-admin-password', props.databasePassword, props.databasePasswordVersion),
      'admin-password': kv.addWriteOnlySecret('admin-password', 'mlflow-admin-password', ephemeralPassword(this, 'mlflow_admin_password'), 1),
      'flask-secret-key': kv.addWriteOnlySecret('flask-secret-key', 'mlflow-flask-secret-key', ephemeralPassword(this, 'mlflow_flask_secret_key', 64), 1),
    };
    this.adminSecretId = secrets['admin-password'].versionlessId;

    const fqdn = `${props.namePrefix}-mlflow.${environment.defaultDomain}`;
    this.trackingUri = `https://${fqdn}`;
    const allowedHosts = [fqdn, privateIpPattern(net.subnetCidr('containerApps')), 'localhost'];
    const storeUri = `postgresql://${props.database.fqdn}:5432/${props.database.databaseName}?sslmode=require`;
    const env = [
      { name: 'HOME', value: '/tmp' },
      { name: 'PGHOST', value: props.database.fqdn },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGDATABASE', value: props.database.databaseName },
      { name: 'PGUSER', value: props.database.adminLogin },
      { name: 'PGSSLMODE', value: 'require' },
      { name: 'PGPASSWORD', secretName: 'db-password' },
      { name: 'MLFLOW_BACKEND_STORE_URI', value: storeUri },
      // DefaultAzureCredential picks the user-assigned identity for blob access.
      { name: 'AZURE_CLIENT_ID', value: identity.clientId },
    ];
    const workers = props.workers ?? Math.max(2, Math.round(cpu * 2));
    const memory = `${cpu * 2}Gi`;
    const tmp = [{ name: 'tmp', path: '/tmp' }];

    const app = new ContainerApp(this, 'app', {
      name: `${props.namePrefix}-mlflow`,
      resourceGroupName: net.resourceGroupName,
      containerAppEnvironmentId: environment.id,
      revisionMode: 'Single',
      workloadProfileName: 'Consumption',
      identity: { type: 'UserAssigned', identityIds: [identity.id] },
      secret: Object.entries(secrets).map(([name, secret]) => ({ name, keyVaultSecretId: secret.versionlessId, identity: identity.id })),
      ingress: {
        // "External" to an internal environment means reachable from the VNet, never the internet.
        externalEnabled: true,
        targetPort: CONTAINER_PORT,
        transport: 'http',
        allowInsecureConnections: false,
        trafficWeight: [{ latestRevision: true, percentage: 100 }],
      },
      template: {
        minReplicas: props.minReplicas ?? 1,
        maxReplicas: props.maxReplicas ?? 3,
        volume: [{ name: 'tmp', storageType: 'EmptyDir' }],
        initContainer: [
          {
            name: 'migrate',
            image,
            cpu,
            memory,
            command: ['/bin/sh', '-c', MIGRATE_SCRIPT],
            env,
            volumeMounts: tmp,
          },
        ],
        container: [
          {
            name: 'mlflow',
            image,
            cpu,
            memory,
            command: [
              '/bin/sh',
              '-c',
              serverScript({ artifactsDestination: props.storage.artifactsUri, workers, adminUsername: props.adminUsername ?? 'admin' }),
            ],
            env: [
              ...env,
              { name: 'MLFLOW_ADMIN_PASSWORD', secretName: 'admin-password' },
              { name: 'MLFLOW_FLASK_SERVER_SECRET_KEY', secretName: 'flask-secret-key' },
              { name: 'MLFLOW_SERVER_ALLOWED_HOSTS', value: allowedHosts.join(',') },
              { name: 'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS', value: this.trackingUri },
              { name: 'MLFLOW_AUTH_CONFIG_PATH', value: '/tmp/basic_auth.ini' },
              // Container Apps ingress ends a request after 240 s (not configurable): keep-alive beyond it.
              ...serverTuning({ pool: props.databasePool, idleTimeoutSeconds: 240 }),
            ],
            volumeMounts: tmp,
            livenessProbe: [{ transport: 'HTTP', port: CONTAINER_PORT, path: '/health', initialDelay: 30, intervalSeconds: 30 }],
            readinessProbe: [{ transport: 'HTTP', port: CONTAINER_PORT, path: '/health', intervalSeconds: 10 }],
          },
        ],
        httpScaleRule: [{ name: 'concurrent-requests', concurrentRequests: '50' }],
      },
      // Secrets are readable and the blob role exists before the first revision starts.
      dependsOn: access,
    });
    this.appId = app.id;
    this.jobBase = {
      props,
      environmentId: environment.id,
      identityId: identity.id,
      image,
      cpu,
      memory,
      env,
      secret: Object.entries(secrets).map(([name, secret]) => ({ name, keyVaultSecretId: secret.versionlessId, identity: identity.id })),
      dependsOn: access,
    };
  }

  /**
   * A Container Apps job on a cron schedule (UTC) that runs `command` (a shell script) in the server's
   * image with the server's environment, secrets and identity, in the same environment (its logs go
   * where the server's go). `id` keeps the address stable.
   */
  public addScheduledJob(id: string, p: { readonly cronExpression: string; readonly command: string; readonly timeoutSeconds?: number }): ContainerAppJob {
    const b = this.jobBase;
    return new ContainerAppJob(this, id, {
      name: `${b.props.namePrefix}-mlflow-${id}`.slice(0, 32).replace(/-+$/, ''),
      resourceGroupName: b.props.network.resourceGroupName,
      location: b.props.network.location,
      containerAppEnvironmentId: b.environmentId,
      workloadProfileName: 'Consumption',
      replicaTimeoutInSeconds: p.timeoutSeconds ?? 3600,
      replicaRetryLimit: 1,
      scheduleTriggerConfig: { cronExpression: p.cronExpression, parallelism: 1, replicaCompletionCount: 1 },
      identity: { type: 'UserAssigned', identityIds: [b.identityId] },
      secret: b.secret,
      template: {
        volume: [{ name: 'tmp', storageType: 'EmptyDir' }],
        container: [
          {
            name: id,
            image: b.image,
            cpu: b.cpu,
            memory: b.memory,
            command: ['/bin/sh', '-c', p.command],
            env: b.env,
            volumeMounts: [{ name: 'tmp', path: '/tmp' }],
          },
        ],
      },
      dependsOn: b.dependsOn,
    });  }
}
