import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ContainerApp } from '@cdktf/provider-azurerm/lib/container-app';
import type { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { ContainerAppJob } from '@cdktf/provider-azurerm/lib/container-app-job';
import { ContainerAppEnvironment } from '@cdktf/provider-azurerm/lib/container-app-environment';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import {
  allowedHosts,
  CONTAINER_PORT,
  DEFAULT_ADMIN_USERNAME,
  DEFAULT_MLFLOW_IMAGE,
  INIT_ENV,
  migrateScript,
  SCRATCH_PATH,
  SERVER_DB_ROLE,
  serverEnvironment,
  scratchEnvironment,
  serverScript,
  teamAdminPasswordEnv,
} from '../shared/mlflow-server';
import type { ArtifactStorage } from './artifact-storage';
import type { FlexiblePostgres } from './database';
import { serverTuning } from '../shared/server-tuning';
import { sendDiagnostics } from './diagnostics';
import { configureLogTables } from './log-tables';
import { ephemeralPassword } from './ephemeral-password';
import type { IGrantable } from './grants';
import type { PrivateKeyVault } from './key-vault';
import { checkWholeNumber } from './validate';
import type { IAzureNetwork } from './network';

export interface TrackingAppProps {
  readonly namePrefix: string;
  readonly network: IAzureNetwork;
  readonly database: FlexiblePostgres;
  /** The Key Vault secret holding the database admin password (the server's password comes from it). */
  readonly databasePasswordSecret: KeyVaultSecret;
  readonly storage: ArtifactStorage;
  readonly keyVault: PrivateKeyVault;
  /** @default ghcr.io/mlflow/mlflow:v3.17.0-full */
  readonly image?: string;
  /** vCPUs per replica, 0.25 to 4 in steps of 0.25 (the Consumption profile); memory is 2 GiB per vCPU. @default 1 */
  readonly cpu?: number;
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default 3 */
  readonly maxReplicas?: number;
  /** Server worker processes. @default 2 per vCPU */
  readonly workers?: number;
  /** Log Analytics interactive retention, days. @default 30 */
  readonly logRetentionDays?: number;
  /**
   * Interactive plus long-term (archived) retention of the platform's log tables, days
   * (constructs/azure/log-tables.ts). @default logRetentionDays
   */
  readonly logTotalRetentionDays?: number;
  /** Table plan of the console logs (ContainerAppConsoleLogs). @default Analytics */
  readonly consoleLogPlan?: 'Analytics' | 'Basic';
  /** @default admin */
  readonly adminUsername?: string;
  /** Zone redundancy of the environment. @default false */
  readonly zoneRedundant?: boolean;
  /**
   * Who may reach the app's ingress (IPv4 CIDRs), like the AWS load balancer's allowedCidrs.
   * @default the VNet's address space
   */
  readonly allowedCidrs?: readonly string[];
  /** Send MLflow's usage telemetry. @default false */
  readonly telemetry?: boolean;
  /** Teams: an MLflow workspace each, with a generated team-admin credential. @default none */
  readonly teams?: readonly string[];
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
export class TrackingApp extends Construct implements IGrantable {
  public readonly trackingUri: string;
  /** The app's user-assigned identity (what storage and Key Vault grant their roles to). */
  public readonly principalId: string;
  public readonly grantName = 'tracking-server';
  public readonly principalType = 'ServicePrincipal';
  public readonly logAnalyticsWorkspaceId: string;
  public readonly adminSecretId: string;
  /** Per team: the Key Vault secret with its team-admin password (versionless id). */
  public readonly teamAdminSecretIds: Readonly<Record<string, string>>;
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
    checkTrackingAppProps(this, props);
    const net = props.network;
    const rg = { resourceGroupName: net.resourceGroupName, location: net.location };
    const cpu = props.cpu ?? 1;
    const image = props.image ?? DEFAULT_MLFLOW_IMAGE;

    const logs = this.logWorkspace(props, rg);
    this.logAnalyticsWorkspaceId = logs.id;

    const environment = this.environmentWithDns(props, rg, logs.id);

    const identity = new UserAssignedIdentity(this, 'identity', { ...rg, name: `id-${props.namePrefix}-mlflow` });
    this.principalId = identity.principalId;
    const access = [props.storage.grantReadWrite(this), props.keyVault.grantSecretsUser(this)];

    const teams = props.teams ?? [];
    const secrets = this.generatedSecrets(props, teams);
    this.adminSecretId = secrets['admin-password'].versionlessId;
    this.teamAdminSecretIds = Object.fromEntries(teams.map((team) => [team, secrets[`team-admin-${team}`].versionlessId]));

    const fqdn = `${props.namePrefix}-mlflow.${environment.defaultDomain}`;
    this.trackingUri = `https://${fqdn}`;
    const hosts = allowedHosts([fqdn], net.subnetCidr('containerApps'));
    const storeUri = `postgresql://${props.database.fqdn}:5432/${props.database.databaseName}?sslmode=require`;
    const env = [
      ...scratchEnvironment({ telemetry: props.telemetry }),
      { name: 'PGHOST', value: props.database.fqdn },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGDATABASE', value: props.database.databaseName },
      { name: 'PGSSLMODE', value: 'require' },
      { name: 'MLFLOW_BACKEND_STORE_URI', value: storeUri },
      // DefaultAzureCredential picks the user-assigned identity for blob access.
      { name: 'AZURE_CLIENT_ID', value: identity.clientId },
      { name: 'MLFLOW_ADMIN_USERNAME', value: props.adminUsername ?? DEFAULT_ADMIN_USERNAME },
    ];
    const workers = props.workers ?? Math.max(2, Math.round(cpu * 2));
    const memory = `${cpu * 2}Gi`;

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
        // Only these ranges pass the ingress; everything else in the VNet (and peered networks) is
        // refused. All rules Allow: with Allow rules everything else is denied, and Allow and Deny
        // cannot be mixed (azurerm 4.55 docs r/container_app ip_security_restriction; Azure docs,
        // "Set up IP ingress restrictions in Azure Container Apps"). Named by CIDR, not position.
        ipSecurityRestriction: (props.allowedCidrs ?? [net.vnetCidr]).map((cidr) => ({
          name: `allow-${cidr.replace(/[./]/g, '-')}`,
          action: 'Allow',
          ipAddressRange: cidr,
          description: 'MLflow clients',
        })),
      },
      template: {
        minReplicas: props.minReplicas ?? 1,
        maxReplicas: props.maxReplicas ?? 3,
        volume: [{ name: 'tmp', storageType: 'EmptyDir' }],
        ...this.containers(props, { image, cpu, memory, env, teams, workers, hosts }),
        httpScaleRule: [{ name: 'concurrent-requests', concurrentRequests: '50' }],
      },
      // Secrets are readable, the blob role exists and the databases and TLS settings are in place
      // before the first revision starts (its migrate init container connects at once).
      dependsOn: [...access, ...props.database.ready],
    });
    this.appId = app.id;
    this.jobBase = {
      props,
      environmentId: environment.id,
      identityId: identity.id,
      image,
      cpu,
      memory,
      // A job connects like the server: its own database role, never an admin credential.
      env: [...env, { name: 'PGUSER', value: SERVER_DB_ROLE }, { name: 'PGPASSWORD', secretName: 'server-db-password' }],
      secret: [{ name: 'server-db-password', keyVaultSecretId: secrets['server-db-password'].versionlessId, identity: identity.id }],
      dependsOn: access,
    };
  }

  /** The Log Analytics workspace and its platform tables' plans and retention (log-tables.ts). */
  private logWorkspace(props: TrackingAppProps, rg: { resourceGroupName: string; location: string }): LogAnalyticsWorkspace {
    const retentionDays = props.logRetentionDays ?? 30;
    const logs = new LogAnalyticsWorkspace(this, 'logs', { ...rg, name: `log-${props.namePrefix}`, sku: 'PerGB2018', retentionInDays: retentionDays });
    configureLogTables(this, { workspaceId: logs.id, retentionDays, totalRetentionDays: props.logTotalRetentionDays, consolePlan: props.consoleLogPlan });
    return logs;
  }

  /** The migrate init container (database admin and generated credentials) and the server container. */
  private containers(
    props: TrackingAppProps,
    c: {
      image: string;
      cpu: number;
      memory: string;
      env: { name: string; value?: string; secretName?: string }[];
      teams: readonly string[];
      workers: number;
      hosts: string[];
    },
  ) {
    const { image, cpu, memory, env, teams, workers, hosts } = c;
    // The scratch volume: an EmptyDir, writable by the image's user.
    const tmp = [{ name: 'tmp', path: SCRATCH_PATH }];
    return {
    initContainer: [
      {
        name: 'migrate',
        image,
        cpu,
        memory,
        command: ['/bin/sh', '-c', migrateScript()],
        // The database admin and every generated credential reach only this step.
        env: [
          ...env,
          { name: 'PGUSER', value: props.database.adminLogin },
          { name: 'PGPASSWORD', secretName: 'db-password' },
          { name: INIT_ENV.adminPassword, secretName: 'admin-password' },
          { name: INIT_ENV.serverDbPassword, secretName: 'server-db-password' },
          ...(teams.length ? [{ name: INIT_ENV.teams, value: teams.join(',') }] : []),
          ...teams.map((team) => ({ name: teamAdminPasswordEnv(team), secretName: `team-admin-${team}` })),
        ],
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
          serverScript({ artifactsDestination: props.storage.artifactsUri, workers }),
        ],
        env: [
          ...env,
          { name: 'PGUSER', value: SERVER_DB_ROLE },
          { name: 'PGPASSWORD', secretName: 'server-db-password' },
          { name: 'MLFLOW_FLASK_SERVER_SECRET_KEY', secretName: 'flask-secret-key' },
          ...serverEnvironment({ allowedHosts: hosts, corsOrigin: this.trackingUri }),
          // Container Apps ingress ends a request after 240 s (not configurable): keep-alive beyond it.
          ...serverTuning({ pool: props.databasePool, idleTimeoutSeconds: 240 }),
        ],
        volumeMounts: tmp,
        livenessProbe: [{ transport: 'HTTP', port: CONTAINER_PORT, path: '/health', initialDelay: 30, intervalSeconds: 30 }],
        readinessProbe: [{ transport: 'HTTP', port: CONTAINER_PORT, path: '/health', intervalSeconds: 10 }],
      },
    ],
    };
  }

  /** The internal Container Apps environment, its diagnostics and the private DNS records of its default domain. */
  private environmentWithDns(
    props: TrackingAppProps,
    rg: { resourceGroupName: string; location: string },
    logsId: string,
  ): ContainerAppEnvironment {
    const net = props.network;
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
    sendDiagnostics(this, 'environment-diagnostics', environment.id, logsId);

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
    return environment;
  }

  /**
   * The app's Key Vault secrets by container-app secret name: the database admin's password (the
   * secret the flexible server's password is read back from), and generated ones for the server's database role, the
   * MLflow admin, the Flask key and each team admin (keyed by team name, so adding or removing a
   * team never touches another team's secret).
   */
  private generatedSecrets(props: TrackingAppProps, teams: readonly string[]): Record<string, KeyVaultSecret> {
    const kv = props.keyVault;
    // Each value's ephemeral block is named after this construct's path and the secret's id.
    const generated = (id: string, name: string, length?: number) => kv.addWriteOnlySecret(id, name, ephemeralPassword(this, id, length), 1);
    return {
      'db-password': props.databasePasswordSecret,
      'server-db-password': generated('server-database-password', 'mlflow-server-database-password'),
      'admin-password': generated('admin-password', 'mlflow-admin-password'),
      'flask-secret-key': generated('flask-secret-key', 'mlflow-flask-secret-key', 64),
      ...Object.fromEntries(teams.map((team) => [`team-admin-${team}`, generated(`team-admin-${team}`, `mlflow-team-${team}-admin-password`)])),
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

/**
 * Props the app cannot honour. Replicas: azurerm 4.55 internal/services/containerapps/helpers/
 * container_apps.go (min_replicas 0-300, max_replicas 1-300); log retention: r/log_analytics_workspace
 * (30-730 days); CPU: the Consumption workload profile gives a replica at most 4 vCPU and 8 GiB
 * (Azure docs, "Workload profiles in Azure Container Apps"), in the sizes the config schema lists.
 */
function checkTrackingAppProps(scope: Construct, props: TrackingAppProps): void {
  const path = scope.node.path;
  if (props.cpu !== undefined && !(props.cpu >= 0.25 && props.cpu <= 4 && Number.isInteger(props.cpu * 4))) {
    throw new Error(`${path}: cpu must be 0.25 to 4 vCPUs in steps of 0.25, got ${props.cpu}`);
  }
  checkWholeNumber(scope, 'minReplicas', props.minReplicas, 0, 300);
  checkWholeNumber(scope, 'maxReplicas', props.maxReplicas, 1, 300);
  if ((props.minReplicas ?? 1) > (props.maxReplicas ?? 3)) {
    throw new Error(`${path}: minReplicas (${props.minReplicas ?? 1}) must not exceed maxReplicas (${props.maxReplicas ?? 3})`);
  }
  checkWholeNumber(scope, 'workers', props.workers, 1, 32);
  checkWholeNumber(scope, 'logRetentionDays', props.logRetentionDays, 30, 730);
  if (props.allowedCidrs !== undefined && props.allowedCidrs.length === 0) {
    throw new Error(`${path}: allowedCidrs must name at least one range (leave it out for the VNet's)`);
  }
  const teams = props.teams ?? [];
  const duplicate = teams.find((t, i) => teams.indexOf(t) !== i);
  if (duplicate !== undefined) throw new Error(`${path}: team ${duplicate} is listed twice`);
}
