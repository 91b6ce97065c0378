/**
 * Defaults of the sizing and cost fields, resolved once: the config checks and the stack sections
 * both read them from here. Lean by default (README "Cost"): a non-production deployment runs the
 * smallest sizes that work, production the smallest that stay highly available. Every value can be
 * set back in the config.
 */

/** Network and tracking fields of an AWS deployment that have cost defaults. */
interface AwsCostFields {
  readonly network?: { readonly azCount?: number; readonly natGateways?: 'single' | 'per-az' | 'none'; readonly interfaceEndpoints?: boolean; readonly taskSubnets?: 'private' | 'public' };
  readonly database?: { readonly instanceClass?: string };
  readonly tracking?: { readonly cpu?: number; readonly memory?: number; readonly minTasks?: number; readonly maxTasks?: number; readonly spot?: boolean };
}

export interface AwsCostDefaults {
  readonly azCount: number;
  readonly natGateways: 'single' | 'per-az' | 'none';
  readonly interfaceEndpoints: boolean;
  /** Where the tracking tasks run: private subnets (egress through NAT or endpoints) or public subnets with a public IPv4. */
  readonly taskSubnets: 'private' | 'public';
  readonly instanceClass: string;
  readonly cpu: number;
  readonly memory: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Fargate Spot capacity (non-production only). */
  readonly spot: boolean;
}

/**
 * AWS. Non-production: 2 AZs, no NAT gateway (tasks in the public subnets with a public IPv4 reach
 * ghcr.io through the internet gateway), db.t4g.micro, 0.5 vCPU / 1 GB tasks on Fargate Spot.
 * Production: 2 AZs, a NAT gateway per AZ, db.t4g.medium Multi-AZ, two 0.5 vCPU / 2 GB tasks on
 * on-demand Fargate. A config that sets natGateways or interfaceEndpoints keeps private tasks.
 */
export function awsCostDefaults(d: AwsCostFields, production: boolean): AwsCostDefaults {
  const n = d.network ?? {};
  const networkChosen = n.natGateways !== undefined || n.interfaceEndpoints !== undefined;
  const taskSubnets = n.taskSubnets ?? (production || networkChosen ? 'private' : 'public');
  const natGateways = n.natGateways ?? (production ? 'per-az' : taskSubnets === 'public' ? 'none' : 'single');
  return {
    azCount: n.azCount ?? 2,
    natGateways,
    interfaceEndpoints: n.interfaceEndpoints ?? (natGateways === 'none' && taskSubnets === 'private'),
    taskSubnets,
    instanceClass: d.database?.instanceClass ?? (production ? 'db.t4g.medium' : 'db.t4g.micro'),
    cpu: d.tracking?.cpu ?? 512,
    memory: d.tracking?.memory ?? (production ? 2048 : 1024),
    minTasks: d.tracking?.minTasks ?? (production ? 2 : 1),
    maxTasks: d.tracking?.maxTasks ?? (production ? 6 : 3),
    spot: d.tracking?.spot ?? !production,
  };
}

/** Sizing fields of an Azure deployment that have cost defaults. */
interface AzureCostFields {
  readonly database?: { readonly skuName?: string };
  readonly tracking?: { readonly cpu?: number; readonly minReplicas?: number; readonly maxReplicas?: number };
}

export interface AzureCostDefaults {
  readonly skuName: string;
  readonly cpu: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/**
 * Azure. Non-production: Burstable B1ms PostgreSQL, up to two 0.5 vCPU replicas that scale to zero.
 * Production: GP_Standard_D2ds_v5 with a zone-redundant standby, two 0.5 vCPU replicas.
 */
export function azureCostDefaults(d: AzureCostFields, production: boolean): AzureCostDefaults {
  return {
    skuName: d.database?.skuName ?? (production ? 'GP_Standard_D2ds_v5' : 'B_Standard_B1ms'),
    cpu: d.tracking?.cpu ?? 0.5,
    minReplicas: d.tracking?.minReplicas ?? (production ? 2 : 0),
    // Non-production: 2, so the pools of B1ms's 35 user connections fit (constructs/shared/db-connections.ts).
    maxReplicas: d.tracking?.maxReplicas ?? (production ? 6 : 2),
  };
}

/** CloudWatch Logs log class of a log group (`log_group_class`). */
export type AwsLogClass = 'standard' | 'infrequent-access';

/**
 * AWS log class of the server's and the VPC flow logs' log groups: Infrequent Access in every
 * environment (about half the ingestion price; no Live Tail, metric or subscription filters, which
 * this platform does not use: README "Cost"). Changing it replaces the log group.
 */
export function awsLogClassDefault(chosen: AwsLogClass | undefined): AwsLogClass {
  return chosen ?? 'infrequent-access';
}

/** The Terraform value of a log class. */
export function awsLogGroupClass(logClass: AwsLogClass): 'STANDARD' | 'INFREQUENT_ACCESS' {
  return logClass === 'standard' ? 'STANDARD' : 'INFREQUENT_ACCESS';
}

/** Log fields of an Azure deployment's tracking section. */
interface AzureLogFields {
  readonly logRetentionDays?: number;
  readonly logTotalRetentionDays?: number;
  readonly consoleLogPlan?: 'analytics' | 'basic';
}

export interface AzureLogDefaults {
  /** Interactive retention of the workspace (and its tables), days. */
  readonly logRetentionDays: number;
  /** Interactive plus long-term retention of the platform's tables, days. */
  readonly logTotalRetentionDays: number;
  readonly consoleLogPlan: 'analytics' | 'basic';
}

/**
 * Azure Log Analytics. Non-production: 30 days, Analytics plan (5 GB a month fits the free
 * allowance; a Basic table would cost more). Production: 90 days interactive and 365 in total
 * (long-term retention at a fraction of the interactive price), the console-log table on the Basic
 * plan (about a fifth of the Analytics ingestion price; queries billed per GB scanned, no alerts).
 */
export function azureLogDefaults(t: AzureLogFields | undefined, production: boolean): AzureLogDefaults {
  const logRetentionDays = t?.logRetentionDays ?? (production ? 90 : 30);
  return {
    logRetentionDays,
    logTotalRetentionDays: t?.logTotalRetentionDays ?? Math.max(logRetentionDays, production ? 365 : logRetentionDays),
    consoleLogPlan: t?.consoleLogPlan ?? (production ? 'basic' : 'analytics'),
  };
}
