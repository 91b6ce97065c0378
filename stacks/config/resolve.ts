import { DEFAULT_RATE_LIMIT } from '../../constructs/aws/rate-limited-web-acl';
import { DEFAULT_IDLE_TIMEOUT_SECONDS } from '../../constructs/aws/tracking-service';
import { defaultWorkers } from '../../constructs/shared/db-connections';
import { type AwsArtifactsConfig, type AwsDatabaseConfig, type AwsNetworkConfig, type AwsTeamConfig, type AwsTrackingConfig, awsNetworkSchema } from './aws';
import {
  type AzureSections,
  type AzureArtifactsConfig,
  type AzureDatabaseConfig,
  type AzureNetworkConfig,
  type AzureSubnetRole,
  type AzureTeamConfig,
  type AzureTrackingConfig,
  type DatabricksWorkspaceConfig,
  azureNetworkSchema,
  resolveSubnets,
} from './azure';
import { type DatabricksConfig, isProductionEnvironment } from './databricks';
import { awsCostDefaults, awsLogClassDefault, azureCostDefaults, azureLogDefaults } from './defaults';
import { type AlarmsConfig, type BackupConfig, type RetentionConfig, resolveAlarms, resolveBackup, resolveRetention } from './operations';
import { isProduction } from './production';
import type { BackendConfig } from './schema';

/**
 * Every config field's default, resolved once per cloud: the config checks (stacks/config/aws.ts,
 * azure.ts, schema.ts), the stack sections (stacks/sections/*.ts) and the README's config tables
 * (`npm run docs`, cli/docs/config-tables.ts) all read the values from here, so a default is
 * written in exactly one place: a zod `.default()` in the schema, `defaults.ts` (sizing and cost),
 * operations.ts (alarms, backup, retention) or this file.
 *
 * The resolved types are complete: `Resolved<T, Keep>` makes every field of a config section
 * required, so a new schema field does not compile until its resolver sets it, or lists it in
 * `Keep` (a field without a default, whose absence means something: "create a new one", "use the
 * load balancer's DNS name"). Those fields are listed, with what their absence means, in
 * PASS_THROUGH below (the README shows the text; test/config-resolve.test.ts checks that every
 * leaf of the schema is resolved or listed).
 */

/** `T` with every field present, except the `Keep` fields, which stay optional. */
export type Resolved<T, Keep extends keyof T = never> = { readonly [K in Exclude<keyof T, Keep>]-?: Exclude<T[K], undefined> } & {
  readonly [K in Keep]?: T[K];
};

/** Fields without a default, and what their absence means. Keys are field paths (`[]` for list items). */
export const PASS_THROUGH: Readonly<Record<'deployment' | 'aws' | 'azure' | 'databricks', Readonly<Record<string, string>>>> = {
  deployment: {
    name: 'required',
    environment: 'required',
    cloud: 'none: a governance-only deployment (databricks only)',
    region: 'required with cloud: aws',
    location: 'required with cloud: azure',
    'backend.bucket': 'required',
    'backend.region': 'required',
    'backend.kmsKeyId': 'the bucket default',
    'backend.resourceGroupName': 'none',
    'backend.storageAccountName': 'required',
    'backend.containerName': 'required',
    'suppressions[].rule': 'required',
    'suppressions[].resource': 'required',
    'suppressions[].reason': 'required',
  },
  aws: {
    'network.existing': 'none: a new VPC',
    'network.existing.vpcId': 'required with existing',
    'network.existing.vpcCidr': 'required with existing',
    'network.existing.publicSubnetIds': 'required with existing',
    'network.existing.privateSubnetIds': 'required with existing',
    'network.existing.isolatedSubnetIds': 'required with existing',
    'tracking.loadBalancer.certificateArn': 'required unless allowPlainHttp',
    'tracking.domainName': 'the load balancer DNS name',
    'tracking.hostedZoneId': 'none: no DNS record',
    'teams[].name': 'required',
    'teams[].trustedPrincipals': 'required',
  },
  azure: {
    'network.resourceGroupName': 'a new rg-<name>',
    'teams[].name': 'required',
    'teams[].principalIds': 'required',
  },
  databricks: {
    host: 'DATABRICKS_HOST, or the workspace created in the same stack',
    'environments[].name': 'required',
    'environments[].servicePrincipals[].applicationId': 'none: a new Databricks-managed principal named displayName',
    'environments[].servicePrincipals[].displayName': 'required without applicationId',
    'unityCatalog.storageRoot': 'the metastore root',
    'unityCatalog.account': 'none: reference existing account groups by name',
    'unityCatalog.account.id': 'required with account',
    'unityCatalog.account.workspaceId': 'required with account',
  },
};

/** The operations sections shared by AWS and Azure. */
export interface OperationsInput {
  readonly alarms?: AlarmsConfig;
  readonly backup?: BackupConfig;
  readonly retention?: RetentionConfig;
}

/** Resolved operations sections, plus the gc hour (not a config field). */
export interface ResolvedOperations {
  readonly alarms: Resolved<AlarmsConfig>;
  readonly backup: Resolved<BackupConfig>;
  readonly retention: Resolved<RetentionConfig> & { readonly hourUtc: number };
}

function resolveOperations(d: OperationsInput, production: boolean): ResolvedOperations {
  return { alarms: resolveAlarms(d.alarms), backup: resolveBackup(d.backup, production), retention: resolveRetention(d.retention) };
}

// ---------------------------------------------------------------------------------------------
// Every deployment

/** The default state key of a stack: one key per stack. */
export const defaultStateKey = (stackName: string): string => `mlflow-platform/${stackName}.tfstate`;

type Variant<T extends BackendConfig['type']> = Extract<BackendConfig, { type: T }>;

/** The state backend with its defaults: the local path and the state key follow the stack name. */
export type ResolvedBackend =
  | Resolved<Variant<'local'>>
  | Resolved<Variant<'s3'>, 'kmsKeyId'>
  | Resolved<Variant<'azurerm'>, 'resourceGroupName'>;

/** Resolves the defaults of the state backend of stack `name`. */
export function resolveBackend(backend: BackendConfig, name: string): ResolvedBackend {
  switch (backend.type) {
    case 'local':
      return { type: 'local', path: backend.path ?? `terraform.${name}.tfstate` };
    case 's3':
      return { ...backend, key: backend.key ?? defaultStateKey(name) };
    case 'azurerm':
      return { ...backend, key: backend.key ?? defaultStateKey(name) };
  }
}

/** The fields every deployment has. */
export interface SharedInput {
  readonly name: string;
  readonly environment: string;
  readonly production?: boolean;
  readonly backend: BackendConfig;
}

/** Resolves the fields every deployment has: production (from the environment's name unless set) and the backend. */
export function resolveShared(d: SharedInput): { readonly production: boolean; readonly backend: ResolvedBackend } {
  return { production: isProduction({ environment: d.environment, production: d.production }), backend: resolveBackend(d.backend, d.name) };
}

// ---------------------------------------------------------------------------------------------
// AWS

type LoadBalancerConfig = AwsTrackingConfig['loadBalancer'];

export type ResolvedAwsNetwork = Resolved<AwsNetworkConfig, 'existing'>;
export type ResolvedAwsDatabase = Resolved<AwsDatabaseConfig>;
export type ResolvedAwsArtifacts = Resolved<AwsArtifactsConfig>;
export type ResolvedAwsTracking = Resolved<Omit<AwsTrackingConfig, 'loadBalancer'>, 'domainName' | 'hostedZoneId'> & {
  readonly loadBalancer: Resolved<LoadBalancerConfig, 'certificateArn'>;
};

/** The AWS sections of a deployment config, as validated. */
export interface AwsInput extends OperationsInput {
  readonly network?: AwsNetworkConfig;
  readonly database?: AwsDatabaseConfig;
  readonly artifacts?: AwsArtifactsConfig;
  readonly tracking?: AwsTrackingConfig;
  readonly teams?: readonly AwsTeamConfig[];
}

/** An AWS deployment with every default resolved. A section the config omits stays absent. */
export interface ResolvedAws extends ResolvedOperations {
  readonly production: boolean;
  /** The network: created (or looked up) whenever the config has a network or tracking section. */
  readonly network: ResolvedAwsNetwork;
  readonly database?: ResolvedAwsDatabase;
  readonly artifacts?: ResolvedAwsArtifacts;
  readonly tracking?: ResolvedAwsTracking;
  readonly teams: readonly AwsTeamConfig[];
  /** Derived from `production`, not config fields. */
  readonly derived: {
    /** prevent_destroy and the provider-side guards on data-bearing resources. */
    readonly protect: boolean;
    /** Load balancer and bucket access logs. */
    readonly accessLogRetentionDays: number;
  };
}

/** Resolves every default of an AWS deployment, once. */
export function resolveAws(d: AwsInput, production: boolean): ResolvedAws {
  const sizing = awsCostDefaults(d, production);
  // An absent section takes the schema's own defaults.
  const n = d.network ?? awsNetworkSchema.parse({});
  const networkVpcCidr = n.vpcCidr;
  const vpcCidr = n.existing?.vpcCidr ?? networkVpcCidr;
  return {
    production,
    network: {
      vpcCidr: networkVpcCidr,
      azCount: sizing.azCount,
      subnetPrefixLength: n.subnetPrefixLength ?? prefixOf(networkVpcCidr) + 4,
      natGateways: sizing.natGateways,
      interfaceEndpoints: sizing.interfaceEndpoints,
      taskSubnets: sizing.taskSubnets,
      flowLogRetentionDays: n.flowLogRetentionDays ?? (production ? 365 : 90),
      flowLogClass: awsLogClassDefault(n.flowLogClass),
      existing: n.existing,
    },
    database: d.database && resolveAwsDatabase(d.database, sizing.instanceClass, production),
    artifacts: d.artifacts && { noncurrentVersionDays: d.artifacts.noncurrentVersionDays ?? (production ? 365 : 30) },
    tracking: d.tracking && resolveAwsTracking(d.tracking, sizing, vpcCidr, production),
    teams: d.teams ?? [],
    ...resolveOperations(d, production),
    derived: { protect: production, accessLogRetentionDays: production ? 365 : 90 },
  };
}

function resolveAwsDatabase(db: AwsDatabaseConfig, instanceClass: string, production: boolean): ResolvedAwsDatabase {
  return {
    engine: db.engine,
    engineVersion: db.engineVersion,
    instanceClass,
    allocatedStorageGb: db.allocatedStorageGb,
    maxAllocatedStorageGb: db.maxAllocatedStorageGb,
    minCapacity: db.minCapacity ?? (production ? 1 : 0.5),
    maxCapacity: db.maxCapacity ?? (production ? 16 : 4),
    backupRetentionDays: db.backupRetentionDays ?? (production ? 14 : 7),
    multiAz: db.multiAz ?? production,
    deletionProtection: db.deletionProtection ?? production,
  };
}

/** Fargate's own ephemeral storage per task (GiB), what a task gets when the task definition sets none. */
export const FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB = 20;

function resolveAwsTracking(t: AwsTrackingConfig, sizing: ReturnType<typeof awsCostDefaults>, vpcCidr: string, production: boolean): ResolvedAwsTracking {
  const lb = t.loadBalancer;
  return {
    image: t.image,
    cpu: sizing.cpu,
    memory: sizing.memory,
    spot: sizing.spot,
    minTasks: sizing.minTasks,
    maxTasks: sizing.maxTasks,
    workers: t.workers ?? defaultWorkers(sizing.cpu / 1024),
    loadBalancer: {
      internetFacing: lb.internetFacing,
      allowedCidrs: lb.allowedCidrs ?? [vpcCidr],
      certificateArn: lb.certificateArn,
      sslPolicy: lb.sslPolicy,
      allowPlainHttp: lb.allowPlainHttp,
      rateLimit: lb.rateLimit ?? DEFAULT_RATE_LIMIT,
    },
    domainName: t.domainName,
    hostedZoneId: t.hostedZoneId,
    logRetentionDays: t.logRetentionDays ?? (production ? 365 : 90),
    logClass: awsLogClassDefault(t.logClass),
    adminUsername: t.adminUsername,
    telemetry: t.telemetry,
    uploadIdleTimeoutSeconds: t.uploadIdleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
    ephemeralStorageGb: t.ephemeralStorageGb ?? (production ? 50 : FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB),
  };
}

/** The prefix length of a CIDR (a malformed one has its own validation message; NaN here). */
function prefixOf(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

// ---------------------------------------------------------------------------------------------
// Azure

export type ResolvedAzureNetwork = Resolved<Omit<AzureNetworkConfig, 'subnets'>, 'resourceGroupName'> & {
  /** Every subnet of the deployment (the Databricks ones only with a workspace): configured or the default layout. */
  readonly subnets: Partial<Record<AzureSubnetRole, string>>;
};
export type ResolvedAzureDatabase = Resolved<AzureDatabaseConfig>;
export type ResolvedAzureArtifacts = Resolved<AzureArtifactsConfig> & {
  /** Container point-in-time restore (derived: with backups on, one day less than soft delete). */
  readonly pointInTimeRestoreDays?: number;
};
export type ResolvedAzureTracking = Resolved<Omit<AzureTrackingConfig, 'ingress'>> & {
  readonly ingress: Resolved<NonNullable<AzureTrackingConfig['ingress']>>;
};
export type ResolvedDatabricksWorkspace = Resolved<DatabricksWorkspaceConfig>;

/** The Azure sections of a deployment config, as validated. */
export interface AzureInput extends Omit<AzureSections, 'databricks'>, OperationsInput {
  readonly name: string;
}

/** An Azure deployment with every default resolved. A section the config omits stays absent. */
export interface ResolvedAzure extends ResolvedOperations {
  readonly production: boolean;
  readonly network: ResolvedAzureNetwork;
  readonly database?: ResolvedAzureDatabase;
  readonly artifacts?: ResolvedAzureArtifacts;
  readonly tracking?: ResolvedAzureTracking;
  readonly teams: readonly AzureTeamConfig[];
  readonly databricksWorkspace?: ResolvedDatabricksWorkspace;
  /** Derived from `production`, not config fields. */
  readonly derived: {
    readonly protect: boolean;
    /** Key Vault soft delete. */
    readonly keyVaultSoftDeleteDays: number;
    /** Zone-redundant Container Apps environment. */
    readonly zoneRedundant: boolean;
  };
}

/** Resolves every default of an Azure deployment, once. */
export function resolveAzure(d: AzureInput, production: boolean): ResolvedAzure {
  const sizing = azureCostDefaults(d, production);
  // An absent section takes the schema's own defaults.
  const n = d.network ?? azureNetworkSchema.parse({});
  const vnetCidr = n.vnetCidr;
  const operations = resolveOperations(d, production);
  const ws = d.databricksWorkspace;
  return {
    production,
    network: {
      resourceGroupName: n.resourceGroupName,
      vnetCidr,
      subnets: resolveSubnets(n, ws !== undefined),
      deployerCidrs: n.deployerCidrs,
      dnsLinkedVnetIds: n.dnsLinkedVnetIds,
    },
    database: d.database && {
      version: d.database.version,
      skuName: sizing.skuName,
      storageMb: d.database.storageMb,
      backupRetentionDays: d.database.backupRetentionDays ?? (production ? 35 : 7),
      highAvailability: d.database.highAvailability ?? production,
      geoRedundantBackup: d.database.geoRedundantBackup ?? production,
      zone: d.database.zone,
      passwordVersion: d.database.passwordVersion,
    },
    artifacts: d.artifacts && resolveAzureArtifacts(d.artifacts, operations.backup.enabled, production),
    tracking: d.tracking && {
      image: d.tracking.image,
      cpu: sizing.cpu,
      minReplicas: sizing.minReplicas,
      maxReplicas: sizing.maxReplicas,
      workers: d.tracking.workers ?? defaultWorkers(sizing.cpu),
      ...azureLogDefaults(d.tracking, production),
      adminUsername: d.tracking.adminUsername,
      ingress: { allowedCidrs: d.tracking.ingress?.allowedCidrs ?? [vnetCidr] },
      telemetry: d.tracking.telemetry,
    },
    teams: d.teams ?? [],
    databricksWorkspace: ws && {
      name: ws.name ?? `dbw-${d.name}`,
      managedResourceGroupName: ws.managedResourceGroupName ?? `rg-${d.name}-databricks-managed`,
      minNodes: ws.minNodes,
    },
    ...operations,
    derived: { protect: production, keyVaultSoftDeleteDays: production ? 90 : 7, zoneRedundant: production },
  };
}

function resolveAzureArtifacts(a: AzureArtifactsConfig, backupEnabled: boolean, production: boolean): ResolvedAzureArtifacts {
  const softDeleteDays = a.softDeleteDays ?? (production ? 30 : 7);
  return {
    replication: a.replication ?? (production ? 'GZRS' : 'ZRS'),
    softDeleteDays,
    // azurerm 4.55 storage_account restore_policy: days must be less than delete_retention_policy days.
    pointInTimeRestoreDays: backupEnabled ? softDeleteDays - 1 : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Databricks

const AZURE_ACCOUNTS = 'https://accounts.azuredatabricks.net';
const AWS_ACCOUNTS = 'https://accounts.cloud.databricks.com';

type DatabricksEnvironment = DatabricksConfig['environments'][number];
type UnityCatalogConfig = NonNullable<DatabricksConfig['unityCatalog']>;
type AccountConfig = NonNullable<UnityCatalogConfig['account']>;

export type ResolvedDatabricks = Resolved<Omit<DatabricksConfig, 'environments' | 'unityCatalog'>, 'host'> & {
  readonly environments: readonly Resolved<DatabricksEnvironment>[];
  readonly unityCatalog?: Resolved<Omit<UnityCatalogConfig, 'account'>, 'storageRoot'> & { readonly account?: Resolved<AccountConfig> };
};

/** Where the deployment's workspace is, for the defaults that depend on it. */
export interface DatabricksContext {
  readonly cloud?: 'aws' | 'azure';
  /** The stack creates the (Azure) workspace. */
  readonly createsWorkspace: boolean;
}

/** Resolves every default of the `databricks` section, once. */
export function resolveDatabricks(c: DatabricksConfig, x: DatabricksContext): ResolvedDatabricks {
  const uc = c.unityCatalog;
  const onAzure = x.createsWorkspace || c.host?.includes('azuredatabricks.net') === true || x.cloud === 'azure';
  return {
    host: c.host,
    registry: c.registry,
    experimentsRoot: c.experimentsRoot,
    environments: c.environments.map((env) => ({ name: env.name, production: isProductionEnvironment(env), servicePrincipals: env.servicePrincipals })),
    models: c.models,
    unityCatalog: uc && {
      catalog: uc.catalog,
      storageRoot: uc.storageRoot,
      account: uc.account && { id: uc.account.id, host: uc.account.host ?? (onAzure ? AZURE_ACCOUNTS : AWS_ACCOUNTS), workspaceId: uc.account.workspaceId },
    },
  };
}
