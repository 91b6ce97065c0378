import type { Block, StackJson } from '../policy/types';
import { AWS_PRICES, AZURE_PRICES, HOURS_PER_MONTH, USAGE_ASSUMPTIONS } from './prices';

/** One line of an estimate. */
export interface CostLine {
  readonly component: string;
  readonly monthly: number;
  readonly detail: string;
}

export interface CostEstimate {
  readonly stack: string;
  readonly lines: readonly CostLine[];
  readonly total: number;
  /** Resources the table has no price for (an unknown instance class): counted as 0, listed. */
  readonly unpriced: readonly string[];
}

const all = (json: StackJson, type: string): Block[] => Object.values(json.resource?.[type] ?? {});
const count = (json: StackJson, type: string) => all(json, type).length;
const money = (n: number) => Math.round(n * 100) / 100;

/** Monthly cost of one synthesized stack, from its resources and the price table. */
export function estimateStack(stack: string, json: StackJson, production: boolean): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const add = (component: string, monthly: number, detail: string) => {
    if (monthly > 0) lines.push({ component, monthly: money(monthly), detail });
  };
  const usage = (u: { production: number; other: number }) => (production ? u.production : u.other);
  const H = HOURS_PER_MONTH;

  // ---------- AWS ----------
  for (const db of all(json, 'aws_db_instance')) {
    const cls = String(db.instance_class);
    const hourly = AWS_PRICES.rdsInstanceHour[cls];
    if (hourly === undefined) unpriced.push(`aws_db_instance ${cls}`);
    const copies = db.multi_az === true ? 2 : 1;
    add('RDS PostgreSQL instance', (hourly ?? 0) * H * copies, `${cls}${copies === 2 ? ' Multi-AZ' : ''}`);
    add('RDS storage', Number(db.allocated_storage ?? 0) * AWS_PRICES.rdsGp3GbMonth * copies, `${String(db.allocated_storage)} GB gp3 (grows up to ${String(db.max_allocated_storage)} GB)`);
  }
  for (const cluster of all(json, 'aws_rds_cluster')) {
    const scaling = (cluster.serverlessv2_scaling_configuration ?? {}) as { min_capacity?: number };
    const instances = count(json, 'aws_rds_cluster_instance');
    const acu = Number(scaling.min_capacity ?? 0.5);
    add('Aurora Serverless v2', acu * instances * AWS_PRICES.auroraAcuHour * H, `${instances} instance(s) at the ${acu} ACU minimum`);
    add('Aurora storage', 20 * AWS_PRICES.auroraStorageGbMonth, 'assumed 20 GB');
  }
  for (const td of all(json, 'aws_ecs_task_definition')) {
    const target = all(json, 'aws_appautoscaling_target')[0];
    const tasks = Number(target?.min_capacity ?? 1);
    const vcpu = Number(td.cpu) / 1024;
    const gb = Number(td.memory) / 1024;
    add('Fargate tasks', tasks * H * (vcpu * AWS_PRICES.fargateVcpuHour + gb * AWS_PRICES.fargateGbHour), `${tasks} task(s) x ${vcpu} vCPU / ${gb} GB, at the autoscaling minimum`);
  }
  const albs = count(json, 'aws_lb');
  add('Application Load Balancer', albs * H * (AWS_PRICES.albHour + USAGE_ASSUMPTIONS.albLcu * AWS_PRICES.albLcuHour), `${albs} x (hourly + ${USAGE_ASSUMPTIONS.albLcu} LCU)`);
  const nats = count(json, 'aws_nat_gateway');
  add('NAT gateways', nats * H * AWS_PRICES.natHour + (nats > 0 ? usage(USAGE_ASSUMPTIONS.natGbMonth) * AWS_PRICES.natGb : 0), `${nats} x hourly + ${usage(USAGE_ASSUMPTIONS.natGbMonth)} GB processed`);
  const endpointAzs = all(json, 'aws_vpc_endpoint')
    .filter((e) => e.vpc_endpoint_type === 'Interface')
    .reduce((n, e) => n + ((e.subnet_ids as unknown[] | undefined)?.length ?? 1), 0);
  add('Interface endpoints', endpointAzs * H * AWS_PRICES.interfaceEndpointAzHour, `${endpointAzs} endpoint-AZs`);
  const keys = count(json, 'aws_kms_key');
  add('KMS keys', keys * AWS_PRICES.kmsKeyMonth, `${keys} customer-managed keys`);
  const secrets = count(json, 'aws_secretsmanager_secret') + all(json, 'aws_db_instance').concat(all(json, 'aws_rds_cluster')).length;
  add('Secrets Manager', secrets * AWS_PRICES.secretMonth, `${secrets} secrets (incl. the RDS-managed one)`);
  if (count(json, 'aws_cloudwatch_log_group') > 0) {
    add('CloudWatch Logs', usage(USAGE_ASSUMPTIONS.logsGbMonth) * AWS_PRICES.logsIngestGb, `assumed ${usage(USAGE_ASSUMPTIONS.logsGbMonth)} GB/month ingested`);
  }
  addOperationsLines(json, add);
  if (count(json, 'aws_s3_bucket') > 0) add('S3 artifacts', USAGE_ASSUMPTIONS.artifactGb * AWS_PRICES.s3GbMonth, `assumed ${USAGE_ASSUMPTIONS.artifactGb} GB`);

  // ---------- Azure ----------
  for (const pg of all(json, 'azurerm_postgresql_flexible_server')) {
    const sku = String(pg.sku_name);
    const hourly = AZURE_PRICES.postgresHour[sku];
    if (hourly === undefined) unpriced.push(`azurerm_postgresql_flexible_server ${sku}`);
    const copies = pg.high_availability ? 2 : 1;
    add('PostgreSQL flexible server', (hourly ?? 0) * H * copies, `${sku}${copies === 2 ? ' zone-redundant HA' : ''}`);
    const gb = Number(pg.storage_mb ?? 32768) / 1024;
    add('PostgreSQL storage', gb * AZURE_PRICES.postgresStorageGbMonth * copies, `${gb} GB`);
  }
  for (const app of all(json, 'azurerm_container_app')) {
    const template = app.template as { min_replicas?: number; container?: { cpu: number; memory: string }[] };
    const replicas = Number(template.min_replicas ?? 1);
    const c = template.container?.[0];
    const cpu = Number(c?.cpu ?? 0);
    const gib = parseFloat(String(c?.memory ?? '0'));
    const seconds = H * 3600;
    add('Container Apps', replicas * seconds * (cpu * AZURE_PRICES.containerAppsVcpuSecond + gib * AZURE_PRICES.containerAppsGibSecond), `${replicas} replica(s) x ${cpu} vCPU / ${gib} GiB, always on`);
  }
  const azNats = count(json, 'azurerm_nat_gateway');
  add('NAT gateway', azNats * H * AZURE_PRICES.natHour + (azNats > 0 ? usage(USAGE_ASSUMPTIONS.natGbMonth) * AZURE_PRICES.natGb : 0), `${azNats} x hourly + ${usage(USAGE_ASSUMPTIONS.natGbMonth)} GB processed`);
  add('Public IPs', count(json, 'azurerm_public_ip') * H * AZURE_PRICES.publicIpHour, `${count(json, 'azurerm_public_ip')} static`);
  add('Private endpoints', count(json, 'azurerm_private_endpoint') * H * AZURE_PRICES.privateEndpointHour, `${count(json, 'azurerm_private_endpoint')} endpoints`);
  if (count(json, 'azurerm_log_analytics_workspace') > 0) {
    add('Log Analytics', usage(USAGE_ASSUMPTIONS.logsGbMonth) * AZURE_PRICES.logAnalyticsIngestGb, `assumed ${usage(USAGE_ASSUMPTIONS.logsGbMonth)} GB/month ingested`);
  }
  for (const account of all(json, 'azurerm_storage_account')) {
    const replication = String(account.account_replication_type);
    add('Blob storage', USAGE_ASSUMPTIONS.artifactGb * (AZURE_PRICES.blobGbMonth[replication] ?? 0), `assumed ${USAGE_ASSUMPTIONS.artifactGb} GB, ${replication}`);
  }
  if (count(json, 'azurerm_databricks_workspace') > 0) lines.push({ component: 'Databricks workspace', monthly: 0, detail: 'no fixed charge; clusters billed as DBUs + VMs' });

  const total = money(lines.reduce((sum, l) => sum + l.monthly, 0));
  return { stack, lines, total, unpriced };
}

/** Day-2 operations: alarms, backups, ephemeral storage. */
function addOperationsLines(json: StackJson, add: (component: string, monthly: number, detail: string) => void): void {
  const alarmMetrics = all(json, 'aws_cloudwatch_metric_alarm').reduce(
    (n, a) => n + (Array.isArray(a.metric_query) ? (a.metric_query as Block[]).filter((q) => q.metric !== undefined).length : 1),
    0,
  );
  add('CloudWatch alarms', alarmMetrics * AWS_PRICES.alarmMetricMonth, `${alarmMetrics} alarm metrics`);
  if (count(json, 'aws_backup_plan') > 0) {
    const dbGb = all(json, 'aws_db_instance').reduce((n, d) => n + Number(d.allocated_storage ?? 0), 0) || 20;
    add(
      'AWS Backup',
      dbGb * AWS_PRICES.backupRdsGbMonth + USAGE_ASSUMPTIONS.artifactGb * AWS_PRICES.backupS3GbMonth,
      `assumed one full copy: ${dbGb} GB database + ${USAGE_ASSUMPTIONS.artifactGb} GB artifacts (incremental after)`,
    );
  }
  for (const td of all(json, 'aws_ecs_task_definition')) {
    const extra = Number((td.ephemeral_storage as Block | undefined)?.size_in_gib ?? 20) - 20;
    const tasks = Number(all(json, 'aws_appautoscaling_target')[0]?.min_capacity ?? 1);
    add('Fargate ephemeral storage', extra * tasks * HOURS_PER_MONTH * AWS_PRICES.fargateEphemeralGbHour, `${extra} GB above the free 20 GB x ${tasks} task(s)`);
  }
  const gcHours = USAGE_ASSUMPTIONS.gcMinutesPerDay * 30 / 60;
  const td = all(json, 'aws_ecs_task_definition')[0];
  if (td && count(json, 'aws_scheduler_schedule') > 0) {
    const vcpu = Number(td.cpu) / 1024;
    const gb = Number(td.memory) / 1024;
    add('Scheduled mlflow gc', gcHours * (vcpu * AWS_PRICES.fargateVcpuHour + gb * AWS_PRICES.fargateGbHour), `assumed ${USAGE_ASSUMPTIONS.gcMinutesPerDay} min/day of one task`);
  }
  for (const job of all(json, 'azurerm_container_app_job')) {
    const c = (job.template as { container?: { cpu: number; memory: string }[] }).container?.[0];
    const perSecond = Number(c?.cpu ?? 0) * AZURE_PRICES.containerAppsVcpuSecond + parseFloat(String(c?.memory ?? '0')) * AZURE_PRICES.containerAppsGibSecond;
    add('Scheduled mlflow gc', gcHours * 3600 * perSecond, `assumed ${USAGE_ASSUMPTIONS.gcMinutesPerDay} min/day of one replica`);
  }
  const signals = count(json, 'azurerm_monitor_metric_alert');
  add('Azure Monitor alerts', signals * AZURE_PRICES.metricAlertSignalMonth, `${signals} metric alert rules, one time series each`);
}

/** Printable lines: one per component, then the total. */
export function formatEstimate(e: CostEstimate): string {
  const width = Math.max(...e.lines.map((l) => l.component.length), 5);
  const rows = e.lines.map((l) => `  ${l.component.padEnd(width)}  ${`$${l.monthly.toFixed(2)}`.padStart(10)}  ${l.detail}`);
  const unpriced = e.unpriced.map((u) => `  (no price in the table for ${u}: counted as $0)`);
  return [`${e.stack}`, ...rows, ...unpriced, `  ${'Total'.padEnd(width)}  ${`$${e.total.toFixed(2)}`.padStart(10)}  per month`].join('\n');
}
