/** Fargate per vCPU-hour and per GB-hour. */
export interface FargateRate {
  readonly vcpuHour: number;
  readonly gbHour: number;
}

/**
 * Prices of the day-2 operations resources (alarms, AWS Backup, Fargate ephemeral storage). Not in the
 * offer files `npm run prices` reads yet: entered by hand and carried over by the generator.
 */
export interface AwsOperationsPrices {
  /** CloudWatch standard-resolution alarm, per metric per month (a metric-math alarm pays per metric). */
  readonly alarmMetricMonth: number;
  /** AWS Backup warm storage per GB-month: RDS snapshots, S3 backups. */
  readonly backupRdsGbMonth: number;
  readonly backupS3GbMonth: number;
  /** Fargate ephemeral storage above the free 20 GB, per GB-hour. */
  readonly fargateEphemeralGbHour: number;
}

/** Azure Monitor prices of the day-2 operations resources; entered by hand like AwsOperationsPrices. */
export interface AzureOperationsPrices {
  /** Metric alert rule, per monitored time series per month. */
  readonly metricAlertSignalMonth: number;
}

/** Hand-entered operations prices (us-east-1 / eastus list prices) for a region the committed table does not have yet. */
export const HAND_ENTERED_OPERATIONS = {
  aws: { alarmMetricMonth: 0.1, backupRdsGbMonth: 0.095, backupS3GbMonth: 0.05, fargateEphemeralGbHour: 0.000111 } satisfies AwsOperationsPrices,
  azure: { metricAlertSignalMonth: 0.1 } satisfies AzureOperationsPrices,
};

/** On-demand list prices of one AWS region, USD. */
export interface AwsRegionPrices {
  /** RDS for PostgreSQL, Single-AZ, per instance-hour (Multi-AZ bills a standby: twice). */
  readonly rdsInstanceHour: Readonly<Record<string, number>>;
  /** RDS gp3 storage per GB-month, Single-AZ (Multi-AZ twice). */
  readonly rdsGp3GbMonth: number;
  readonly auroraAcuHour: number;
  readonly auroraStorageGbMonth: number;
  /** Fargate Linux: x86_64, ARM64 (Graviton) and Fargate Spot (x86_64 only). */
  readonly fargate: { readonly x86: FargateRate; readonly arm: FargateRate; readonly spot: FargateRate };
  readonly albHour: number;
  readonly albLcuHour: number;
  readonly natHour: number;
  readonly natGb: number;
  /** Every public IPv4 address (NAT Elastic IPs, internet-facing load balancer nodes, task public IPs). */
  readonly publicIpv4Hour: number;
  readonly interfaceEndpointAzHour: number;
  readonly kmsKeyMonth: number;
  readonly secretMonth: number;
  /** CloudWatch Logs ingestion per GB, Standard log class (custom logs, first tier). */
  readonly logsIngestGb: number;
  /** CloudWatch Logs ingestion per GB, Infrequent Access log class. */
  readonly logsIngestIaGb: number;
  /** CloudWatch Logs archived storage per GB-month. */
  readonly logsStorageGbMonth: number;
  readonly s3GbMonth: number;
  readonly operations: AwsOperationsPrices;
}

/** Pay-as-you-go list prices of one Azure region, USD. */
export interface AzureRegionPrices {
  /** PostgreSQL flexible server compute per hour (a zone-redundant standby bills the same again). */
  readonly postgresHour: Readonly<Record<string, number>>;
  readonly postgresStorageGbMonth: number;
  /** Container Apps consumption plan: active and idle vCPU-second, GiB-second (same active and idle), per million requests. */
  readonly containerApps: {
    readonly activeVcpuSecond: number;
    readonly idleVcpuSecond: number;
    readonly gibSecond: number;
    readonly millionRequests: number;
  };
  readonly natHour: number;
  readonly natGb: number;
  readonly publicIpHour: number;
  readonly privateEndpointHour: number;
  /** Log Analytics, Analytics Logs pay-as-you-go ingestion per GB. */
  readonly logAnalyticsIngestGb: number;
  /** Interactive retention beyond the included 31 days, per GB-month. */
  readonly logAnalyticsRetentionGbMonth: number;
  /** Basic table plan ingestion per GB (30 days of interactive retention included). */
  readonly logAnalyticsBasicIngestGb: number;
  /** Long-term retention (the "Data Archive" meter), per GB-month, any plan. */
  readonly logAnalyticsLongTermGbMonth: number;
  /** Hot block blob storage per GB-month by replication. */
  readonly blobGbMonth: Readonly<Record<string, number>>;
  readonly operations: AzureOperationsPrices;
}

export interface PriceTable {
  /** Day the prices were fetched or checked (YYYY-MM-DD). */
  readonly checked: string;
  /** True only when `npm run prices` wrote the file from the providers' price data. */
  readonly generated: boolean;
  readonly source: string;
  readonly aws: Readonly<Record<string, AwsRegionPrices>>;
  readonly azure: Readonly<Record<string, AzureRegionPrices>>;
}

/** Free grants and allowances that are the same everywhere (documented, not in the price APIs). */
export const FREE_GRANTS = {
  /**
   * Container Apps consumption plan, per subscription and calendar month:
   * https://learn.microsoft.com/azure/container-apps/billing ("The following resources are free during each calendar month, per subscription").
   */
  containerApps: { vcpuSeconds: 180_000, gibSeconds: 360_000, requests: 2_000_000 },
  /** Log Analytics pay-as-you-go: the first 5 GB a month per billing account are free (https://learn.microsoft.com/azure/azure-monitor/logs/cost-logs). */
  logAnalyticsGbMonth: 5,
  /** Log Analytics: interactive retention up to 31 days is included (same page). */
  logAnalyticsIncludedRetentionDays: 31,
  /** Log Analytics Basic plan: 30 days of interactive retention are included in its ingestion price (same page). */
  logAnalyticsBasicRetentionDays: 30,
} as const;

/** A deployment whose region has no prices in the table. */
export class UnknownRegionError extends Error {
  constructor(cloud: 'aws' | 'azure', region: string, known: readonly string[]) {
    super(`no ${cloud === 'aws' ? 'AWS' : 'Azure'} prices for region ${region} (the table has ${known.join(', ')}); add it with \`npm run prices -- --${cloud}-region ${region}\``);
    this.name = 'UnknownRegionError';
  }
}

export function awsRegionPrices(table: PriceTable, region: string): AwsRegionPrices {
  const p = table.aws[region];
  if (!p) throw new UnknownRegionError('aws', region, Object.keys(table.aws));
  return p;
}

export function azureRegionPrices(table: PriceTable, region: string): AzureRegionPrices {
  const p = table.azure[region];
  if (!p) throw new UnknownRegionError('azure', region, Object.keys(table.azure));
  return p;
}
