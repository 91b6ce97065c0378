/**
 * On-demand list prices in USD used by `npm run cost`. Copied by hand from the providers' public
 * price pages (AWS: eu-west-1; Azure: West Europe) — approximate figures, last checked 2025-06.
 * Prices change and differ by region: refresh this table before using an estimate for a budget.
 */
export const PRICE_TABLE_SOURCE =
  'AWS public price list (eu-west-1) and Azure retail prices (West Europe), on-demand list prices in USD, copied by hand, last checked 2025-06; approximate';

export const HOURS_PER_MONTH = 730;

export const AWS_PRICES = {
  /** RDS for PostgreSQL, single-AZ, per instance-hour (Multi-AZ doubles it). */
  rdsInstanceHour: {
    'db.t4g.micro': 0.018,
    'db.t4g.small': 0.036,
    'db.t4g.medium': 0.072,
    'db.t4g.large': 0.144,
    'db.m7g.large': 0.186,
    'db.m7g.xlarge': 0.372,
    'db.m7g.2xlarge': 0.744,
    'db.r7g.large': 0.269,
    'db.r7g.xlarge': 0.538,
  } as Record<string, number>,
  /** gp3 storage per GB-month (Multi-AZ doubles it). */
  rdsGp3GbMonth: 0.127,
  /** Aurora Serverless v2 per ACU-hour; Aurora storage per GB-month. */
  auroraAcuHour: 0.14,
  auroraStorageGbMonth: 0.11,
  /** Fargate Linux/x86 per vCPU-hour and per GB-hour. */
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  /** Application Load Balancer per hour, and per LCU-hour. */
  albHour: 0.0252,
  albLcuHour: 0.008,
  /** NAT gateway per hour and per GB processed. */
  natHour: 0.048,
  natGb: 0.048,
  /** Interface VPC endpoint per AZ-hour. */
  interfaceEndpointAzHour: 0.011,
  /** KMS customer-managed key per month; Secrets Manager secret per month. */
  kmsKeyMonth: 1,
  secretMonth: 0.4,
  /** CloudWatch Logs ingestion per GB. */
  logsIngestGb: 0.57,
  /** S3 Standard per GB-month. */
  s3GbMonth: 0.023,
  /** CloudWatch standard-resolution alarm per metric per month (a metric-math alarm pays per metric). */
  alarmMetricMonth: 0.1,
  /** AWS Backup warm storage per GB-month: RDS snapshots, S3 backups. */
  backupRdsGbMonth: 0.095,
  backupS3GbMonth: 0.05,
  /** Fargate ephemeral storage above the free 20 GB, per GB-hour. */
  fargateEphemeralGbHour: 0.000111,
};

export const AZURE_PRICES = {
  /** PostgreSQL flexible server compute per hour (zone-redundant HA doubles it). */
  postgresHour: {
    B_Standard_B1ms: 0.0207,
    B_Standard_B2s: 0.0828,
    B_Standard_B2ms: 0.166,
    GP_Standard_D2ds_v5: 0.178,
    GP_Standard_D4ds_v5: 0.356,
    GP_Standard_D8ds_v5: 0.712,
    MO_Standard_E2ds_v5: 0.238,
  } as Record<string, number>,
  /** PostgreSQL storage per GB-month (HA doubles it). */
  postgresStorageGbMonth: 0.137,
  /** Container Apps consumption, active usage, per vCPU-second and GiB-second (no free grant counted). */
  containerAppsVcpuSecond: 0.000024,
  containerAppsGibSecond: 0.000003,
  /** NAT gateway per hour and per GB processed; standard static public IP per hour. */
  natHour: 0.045,
  natGb: 0.045,
  publicIpHour: 0.005,
  /** Private endpoint per hour. */
  privateEndpointHour: 0.01,
  /** Log Analytics ingestion per GB (pay-as-you-go). */
  logAnalyticsIngestGb: 2.99,
  /** Azure Monitor metric alert rule, per monitored time series per month. */
  metricAlertSignalMonth: 0.1,
  /** Blob storage, hot tier, per GB-month by replication. */
  blobGbMonth: { LRS: 0.0196, ZRS: 0.0246, GRS: 0.0392, GZRS: 0.0443, RAGZRS: 0.0554 } as Record<string, number>,
};

/** Usage the synthesized stack cannot know: stated with every estimate. */
export const USAGE_ASSUMPTIONS = {
  artifactGb: 100,
  logsGbMonth: { production: 20, other: 5 },
  natGbMonth: { production: 50, other: 10 },
  albLcu: 1,
  /** How long the daily mlflow gc job runs. */
  gcMinutesPerDay: 15,
};

/** Managed alternatives for comparison (README). */
export const MANAGED_ALTERNATIVES = [
  {
    name: 'Amazon SageMaker managed MLflow (Small tracking server)',
    monthly: 0.642 * HOURS_PER_MONTH,
    note: 'per-hour tracking server (about $0.64/h for Small, more for Medium/Large) plus metadata storage; artifacts in your S3 bucket are billed separately',
  },
  {
    name: 'Databricks-managed MLflow',
    monthly: 0,
    note: 'included with a Databricks workspace: no separate MLflow charge, compute and storage billed as DBUs and cloud resources',
  },
] as const;
