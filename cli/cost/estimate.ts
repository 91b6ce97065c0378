import type { Block, StackJson } from '../../policy/types';
import { CONSOLE_LOG_TABLE } from '../../constructs/azure/log-tables';
import { FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB } from '../../stacks/config/resolve';
import {
  FREE_GRANTS,
  HOURS_PER_MONTH,
  PRICE_TABLE,
  USAGE_ASSUMPTIONS,
  awsRegionPrices,
  azureRegionPrices,
  type AwsRegionPrices,
  type AzureRegionPrices,
  type PriceTable,
} from './prices';

/** One line of an estimate. */
export interface CostLine {
  readonly component: string;
  readonly monthly: number;
  readonly detail: string;
}

export interface CostEstimate {
  readonly stack: string;
  /** Region whose prices were used; undefined for a stack without priced resources. */
  readonly region?: string;
  readonly lines: readonly CostLine[];
  readonly total: number;
  /** Resources the table has no price for (an unknown instance class): counted as 0, listed. */
  readonly unpriced: readonly string[];
  /** The usage assumptions that went into this estimate, in words. */
  readonly assumptions: readonly string[];
}

export interface EstimateOptions {
  /** Region of the deployment. @default the AWS provider region or the location of the first Azure resource */
  readonly region?: string;
  /** @default the committed table */
  readonly prices?: PriceTable;
}

const all = (json: StackJson, type: string): Block[] => Object.values(json.resource?.[type] ?? {});
const count = (json: StackJson, type: string) => all(json, type).length;
const money = (n: number) => Math.round(n * 100) / 100;

/** Names of the ECS task definitions a schedule runs (referenced by an aws_scheduler_schedule target): not always-on tasks. */
const scheduledTaskDefinitionNames = (json: StackJson): Set<string> =>
  new Set(all(json, 'aws_scheduler_schedule').flatMap((s) => [...JSON.stringify(s.target ?? {}).matchAll(/aws_ecs_task_definition\.([^.}]+)\./g)].map((m) => m[1])));
/** The task definitions of the service: every one no schedule runs. */
const serviceTaskDefinitions = (json: StackJson): Block[] => {
  const scheduled = scheduledTaskDefinitionNames(json);
  return Object.entries(json.resource?.aws_ecs_task_definition ?? {}).filter(([name]) => !scheduled.has(name)).map(([, td]) => td);
};
const H = HOURS_PER_MONTH;

/** What a pricing function gets: the stack, the prices, and `add` for a line. */
interface Pricing<P> {
  readonly json: StackJson;
  readonly p: P;
  readonly production: boolean;
  add(component: string, monthly: number, detail: string): void;
  unpriced(what: string): void;
  assume(text: string): void;
  usage(u: { production: number; other: number }): number;
}

/** Monthly cost of one synthesized stack, from its resources and the price table of its region. */
export function estimateStack(stack: string, json: StackJson, production: boolean, options: EstimateOptions = {}): CostEstimate {
  const table = options.prices ?? PRICE_TABLE;
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const assumptions = new Set<string>();
  const base = {
    json,
    production,
    add: (component: string, monthly: number, detail: string) => {
      if (monthly > 0) lines.push({ component, monthly: money(monthly), detail });
    },
    unpriced: (what: string) => unpriced.push(what),
    assume: (text: string) => assumptions.add(text),
    usage: (u: { production: number; other: number }) => (production ? u.production : u.other),
  };
  const types = Object.keys(json.resource ?? {});
  const region = options.region ?? regionOf(json);
  if (types.some((t) => t.startsWith('aws_'))) {
    AWS_PRICERS.forEach((price) => price({ ...base, p: awsRegionPrices(table, requireRegion(stack, region)) }));
  }
  if (types.some((t) => t.startsWith('azurerm_'))) {
    AZURE_PRICERS.forEach((price) => price({ ...base, p: azureRegionPrices(table, requireRegion(stack, region)) }));
  }
  if (count(json, 'azurerm_databricks_workspace') > 0) lines.push({ component: 'Databricks workspace', monthly: 0, detail: 'no fixed charge; clusters billed as DBUs + VMs' });
  const total = money(lines.reduce((sum, l) => sum + l.monthly, 0));
  return { stack, region, lines, total, unpriced, assumptions: [...assumptions] };
}

function requireRegion(stack: string, region: string | undefined): string {
  if (!region) throw new Error(`${stack}: cannot tell the region of the stack; pass it to the estimate`);
  return region;
}

/** The AWS provider region, or the location of the first Azure resource that has one. */
function regionOf(json: StackJson): string | undefined {
  const aws = (json.provider as Record<string, Block[] | undefined> | undefined)?.aws?.[0]?.region;
  if (typeof aws === 'string') return aws;
  for (const blocks of Object.values(json.resource ?? {})) {
    for (const b of Object.values(blocks)) if (typeof b.location === 'string' && !b.location.includes('${')) return b.location;
  }
  return undefined;
}

// ---------- AWS: one function per component; add a component by adding a function to the list ----------

type AwsPricing = Pricing<AwsRegionPrices>;

function rdsInstances({ json, p, add, unpriced }: AwsPricing): void {
  for (const db of all(json, 'aws_db_instance')) {
    const cls = String(db.instance_class);
    const hourly = p.rdsInstanceHour[cls];
    if (hourly === undefined) unpriced(`aws_db_instance ${cls}`);
    const copies = db.multi_az === true ? 2 : 1;
    add('RDS PostgreSQL instance', (hourly ?? 0) * H * copies, `${cls}${copies === 2 ? ' Multi-AZ (primary + standby)' : ''}`);
    add('RDS storage', Number(db.allocated_storage ?? 0) * p.rdsGp3GbMonth * copies, `${String(db.allocated_storage)} GB gp3${copies === 2 ? ' x 2' : ''} (grows up to ${String(db.max_allocated_storage)} GB)`);
  }
}

function auroraClusters({ json, p, add, assume }: AwsPricing): void {
  for (const cluster of all(json, 'aws_rds_cluster')) {
    const scaling = ((cluster.serverlessv2_scaling_configuration as Block[] | Block | undefined) ?? {}) as Block | Block[];
    const s = (Array.isArray(scaling) ? scaling[0] : scaling) ?? {};
    const instances = count(json, 'aws_rds_cluster_instance');
    const acu = Number(s.min_capacity ?? 0.5);
    add('Aurora Serverless v2', acu * instances * p.auroraAcuHour * H, `${instances} instance(s) at the ${acu} ACU minimum`);
    add('Aurora storage', USAGE_ASSUMPTIONS.auroraStorageGb * p.auroraStorageGbMonth, `assumed ${USAGE_ASSUMPTIONS.auroraStorageGb} GB`);
    assume(`Aurora: ${USAGE_ASSUMPTIONS.auroraStorageGb} GB stored, instances at their minimum capacity`);
  }
}

/** Tasks at the autoscaling minimum, split over FARGATE / FARGATE_SPOT as the service's capacity provider strategy says. */
export function fargateSplit(tasks: number, strategy: readonly Block[]): { onDemand: number; spot: number } {
  if (strategy.length === 0) return { onDemand: tasks, spot: 0 };
  let spot = 0;
  let rest = tasks;
  for (const s of strategy) {
    const b = Math.min(rest, Number(s.base ?? 0));
    if (s.capacity_provider === 'FARGATE_SPOT') spot += b;
    rest -= b;
  }
  const weight = (name: string) => strategy.filter((s) => s.capacity_provider === name).reduce((n, s) => n + Number(s.weight ?? 0), 0);
  const total = weight('FARGATE') + weight('FARGATE_SPOT');
  if (total > 0) spot += (rest * weight('FARGATE_SPOT')) / total;
  return { onDemand: tasks - spot, spot };
}

function fargateTasks({ json, p, add, assume }: AwsPricing): void {
  const service = all(json, 'aws_ecs_service')[0];
  for (const td of serviceTaskDefinitions(json)) {
    const target = all(json, 'aws_appautoscaling_target')[0];
    const tasks = Number(target?.min_capacity ?? service?.desired_count ?? 1);
    const vcpu = Number(td.cpu) / 1024;
    const gb = Number(td.memory) / 1024;
    const platform = ([td.runtime_platform].flat()[0] ?? {}) as Block;
    const arm = platform.cpu_architecture === 'ARM64';
    const { onDemand, spot } = fargateSplit(tasks, (service?.capacity_provider_strategy as Block[] | undefined) ?? []);
    const rate = arm ? p.fargate.arm : p.fargate.x86;
    const size = `${vcpu} vCPU / ${gb} GB`;
    add('Fargate tasks', onDemand * H * (vcpu * rate.vcpuHour + gb * rate.gbHour), `${onDemand} task(s) x ${size}${arm ? ' ARM64' : ''}, at the autoscaling minimum`);
    add('Fargate Spot tasks', spot * H * (vcpu * p.fargate.spot.vcpuHour + gb * p.fargate.spot.gbHour), `${spot} task(s) x ${size} on Fargate Spot (rate varies), at the autoscaling minimum`);
    assume('compute at the autoscaling minimum, running all month');
  }
}

function loadBalancers({ json, p, add }: AwsPricing): void {
  const albs = count(json, 'aws_lb');
  add('Application Load Balancer', albs * H * (p.albHour + USAGE_ASSUMPTIONS.albLcu * p.albLcuHour), `${albs} x (hourly + ${USAGE_ASSUMPTIONS.albLcu} LCU)`);
}

function natGateways({ json, p, add, usage }: AwsPricing): void {
  const nats = count(json, 'aws_nat_gateway');
  const gb = nats > 0 ? usage(USAGE_ASSUMPTIONS.natGbMonth) : 0;
  add('NAT gateways', nats * H * p.natHour + gb * p.natGb, `${nats} x hourly + ${gb} GB processed`);
}

/** $0.005/h for every public IPv4 address: Elastic IPs (NAT), internet-facing load balancer nodes, task public IPs. */
function publicIpv4({ json, p, add }: AwsPricing): void {
  const eips = count(json, 'aws_eip');
  const lbIps = all(json, 'aws_lb')
    .filter((lb) => lb.internal !== true)
    .reduce((n, lb) => n + ((lb.subnets as unknown[] | undefined)?.length ?? 2), 0);
  const service = all(json, 'aws_ecs_service')[0];
  const assigned = [service?.network_configuration].flat().some((n) => (n as Block | undefined)?.assign_public_ip === true);
  const taskIps = assigned ? Number(all(json, 'aws_appautoscaling_target')[0]?.min_capacity ?? service?.desired_count ?? 1) : 0;
  const ips = eips + lbIps + taskIps;
  const parts = [eips && `${eips} Elastic IP(s)`, lbIps && `${lbIps} load balancer node(s)`, taskIps && `${taskIps} task IP(s)`].filter(Boolean);
  add('Public IPv4 addresses', ips * H * p.publicIpv4Hour, parts.join(' + '));
}

function interfaceEndpoints({ json, p, add }: AwsPricing): void {
  const endpointAzs = all(json, 'aws_vpc_endpoint')
    .filter((e) => e.vpc_endpoint_type === 'Interface')
    .reduce((n, e) => n + ((e.subnet_ids as unknown[] | undefined)?.length ?? 1), 0);
  add('Interface endpoints', endpointAzs * H * p.interfaceEndpointAzHour, `${endpointAzs} endpoint-AZs`);
}

function keysAndSecrets({ json, p, add }: AwsPricing): void {
  const keys = count(json, 'aws_kms_key');
  add('KMS keys', keys * p.kmsKeyMonth, `${keys} customer-managed keys`);
  const secrets = count(json, 'aws_secretsmanager_secret') + all(json, 'aws_db_instance').concat(all(json, 'aws_rds_cluster')).length;
  add('Secrets Manager', secrets * p.secretMonth, `${secrets} secrets (incl. the RDS-managed one)`);
}

/**
 * CloudWatch Logs: the assumed GB a month, split evenly over the log groups, each at the ingestion
 * rate of its log class (Infrequent Access about half of Standard); storage at one rate (an upper
 * bound: the Infrequent Access storage rate is not lower than Standard's in the table).
 */
function cloudWatchLogs({ json, p, add, usage, assume }: AwsPricing): void {
  const groups = all(json, 'aws_cloudwatch_log_group');
  if (groups.length === 0) return;
  const gb = usage(USAGE_ASSUMPTIONS.logsGbMonth);
  const ia = groups.filter((g) => g.log_group_class === 'INFREQUENT_ACCESS').length;
  const perGroup = gb / groups.length;
  const ingest = perGroup * (ia * p.logsIngestIaGb + (groups.length - ia) * p.logsIngestGb);
  const classes = ia === groups.length ? 'Infrequent Access' : ia === 0 ? 'Standard' : `${ia} of ${groups.length} log groups Infrequent Access`;
  add('CloudWatch Logs ingestion', ingest, `assumed ${gb} GB/month ingested, ${classes}`);
  const days = Math.max(...groups.map((g) => Number(g.retention_in_days ?? 0)));
  const stored = gb * (days > 0 ? days / 30.4 : 12);
  add('CloudWatch Logs storage', stored * p.logsStorageGbMonth, `${Math.round(stored)} GB kept at steady state (${days} days, uncompressed: an upper bound)`);
  assume(`${gb} GB of logs ingested a month${groups.length > 1 && ia > 0 && ia < groups.length ? ', split evenly over the log groups' : ''}`);
}

function s3({ json, p, add, assume }: AwsPricing): void {
  if (count(json, 'aws_s3_bucket') === 0) return;
  add('S3 artifacts', USAGE_ASSUMPTIONS.artifactGb * p.s3GbMonth, `assumed ${USAGE_ASSUMPTIONS.artifactGb} GB`);
  assume(`${USAGE_ASSUMPTIONS.artifactGb} GB of artifacts`);
}

/** CloudWatch alarms: one price per metric (a metric-math alarm pays for each metric it queries). */
function alarms({ json, p, add }: AwsPricing): void {
  const metrics = all(json, 'aws_cloudwatch_metric_alarm').reduce(
    (n, a) => n + (Array.isArray(a.metric_query) ? (a.metric_query as Block[]).filter((q) => q.metric !== undefined).length : 1),
    0,
  );
  add('CloudWatch alarms', metrics * p.operations.alarmMetricMonth, `${metrics} alarm metrics`);
}

/** AWS Backup: one full copy of the database storage and the artifacts (later copies are incremental). */
function awsBackup({ json, p, add, assume }: AwsPricing): void {
  if (count(json, 'aws_backup_plan') === 0) return;
  const dbGb = all(json, 'aws_db_instance').reduce((n, d) => n + Number(d.allocated_storage ?? 0), 0) || USAGE_ASSUMPTIONS.auroraStorageGb;
  add(
    'AWS Backup',
    dbGb * p.operations.backupRdsGbMonth + USAGE_ASSUMPTIONS.artifactGb * p.operations.backupS3GbMonth,
    `assumed one full copy: ${dbGb} GB database + ${USAGE_ASSUMPTIONS.artifactGb} GB artifacts (incremental after)`,
  );
  assume('AWS Backup keeps one full copy of the database and the artifacts');
}

/** Fargate ephemeral storage above the free 20 GB, per task at the autoscaling minimum (on-demand rate, also for Spot tasks). */
function ephemeralStorage({ json, p, add }: AwsPricing): void {
  const service = all(json, 'aws_ecs_service')[0];
  const tasks = Number(all(json, 'aws_appautoscaling_target')[0]?.min_capacity ?? service?.desired_count ?? 1);
  for (const td of serviceTaskDefinitions(json)) {
    const storage = ([td.ephemeral_storage].flat()[0] ?? {}) as Block;
    // Without the block a task gets Fargate's own size: the one resolveAws resolves the field to.
    const extra = Number(storage.size_in_gib ?? FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB) - FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB;
    add('Fargate ephemeral storage', extra * tasks * H * p.operations.fargateEphemeralGbHour, `${extra} GB above the free ${FARGATE_DEFAULT_EPHEMERAL_STORAGE_GB} GB x ${tasks} task(s)`);
  }
}

/** The daily `mlflow gc` task: EventBridge Scheduler runs it with launch type FARGATE (on-demand, even when the service uses Spot). */
function scheduledGc({ json, p, add, assume }: AwsPricing): void {
  const [scheduled] = scheduledTaskDefinitionNames(json);
  const td = (scheduled === undefined ? undefined : json.resource?.aws_ecs_task_definition?.[scheduled]) ?? all(json, 'aws_ecs_task_definition')[0];
  if (!td || count(json, 'aws_scheduler_schedule') === 0) return;
  const platform = ([td.runtime_platform].flat()[0] ?? {}) as Block;
  const rate = platform.cpu_architecture === 'ARM64' ? p.fargate.arm : p.fargate.x86;
  const hours = (USAGE_ASSUMPTIONS.gcMinutesPerDay * 30) / 60;
  const vcpu = Number(td.cpu) / 1024;
  const gb = Number(td.memory) / 1024;
  add('Scheduled mlflow gc', hours * (vcpu * rate.vcpuHour + gb * rate.gbHour), `assumed ${USAGE_ASSUMPTIONS.gcMinutesPerDay} min/day of one task`);
  assume(`the daily mlflow gc job runs ${USAGE_ASSUMPTIONS.gcMinutesPerDay} minutes`);
}

/** Every AWS component, in print order. Another component is another function here. */
const AWS_PRICERS: readonly ((x: AwsPricing) => void)[] = [
  rdsInstances,
  auroraClusters,
  fargateTasks,
  loadBalancers,
  natGateways,
  publicIpv4,
  interfaceEndpoints,
  keysAndSecrets,
  cloudWatchLogs,
  alarms,
  awsBackup,
  ephemeralStorage,
  scheduledGc,
  s3,
];

// ---------- Azure ----------

type AzurePricing = Pricing<AzureRegionPrices>;

function postgres({ json, p, add, unpriced }: AzurePricing): void {
  for (const pg of all(json, 'azurerm_postgresql_flexible_server')) {
    const sku = String(pg.sku_name);
    const hourly = p.postgresHour[sku];
    if (hourly === undefined) unpriced(`azurerm_postgresql_flexible_server ${sku}`);
    const copies = [pg.high_availability].flat().some((h) => h) ? 2 : 1;
    add('PostgreSQL flexible server', (hourly ?? 0) * H * copies, `${sku}${copies === 2 ? ' zone-redundant HA (primary + standby)' : ''}`);
    const gb = Number(pg.storage_mb ?? 32768) / 1024;
    add('PostgreSQL storage', gb * p.postgresStorageGbMonth * copies, `${gb} GB${copies === 2 ? ' x 2' : ''}`);
  }
}

/**
 * Container Apps consumption plan: vCPU-seconds and GiB-seconds of running replicas, minus the monthly free
 * grant of the subscription (https://learn.microsoft.com/azure/container-apps/billing), at the active rate
 * (idle replicas are cheaper, but nothing here can promise a replica is idle). An app with min_replicas 0 runs
 * replicas only while requests arrive: `scaleToZeroActiveHours`.
 */
function containerApps({ json, p, add, assume, usage }: AzurePricing): void {
  let vcpuSeconds = 0;
  let gibSeconds = 0;
  const details: string[] = [];
  for (const app of all(json, 'azurerm_container_app')) {
    const template = ([app.template].flat()[0] ?? {}) as { min_replicas?: number; container?: { cpu: number; memory: string }[] };
    const min = Number(template.min_replicas ?? 1);
    const c = template.container?.[0];
    const cpu = Number(c?.cpu ?? 0);
    const gib = parseFloat(String(c?.memory ?? '0'));
    const replicaHours = min > 0 ? min * H : USAGE_ASSUMPTIONS.scaleToZeroActiveHours;
    if (min === 0) assume(`an app that scales to zero runs one replica ${USAGE_ASSUMPTIONS.scaleToZeroActiveHours} h a month`);
    else assume('compute at the autoscaling minimum, running all month');
    vcpuSeconds += replicaHours * 3600 * cpu;
    gibSeconds += replicaHours * 3600 * gib;
    details.push(min > 0 ? `${min} replica(s) x ${cpu} vCPU / ${gib} GiB, always on` : `scales to zero: ${replicaHours} replica-hours x ${cpu} vCPU / ${gib} GiB`);
  }
  if (details.length === 0) return;
  const free = FREE_GRANTS.containerApps;
  const requests = usage(USAGE_ASSUMPTIONS.requestsMillionMonth);
  const billed = {
    vcpu: Math.max(0, vcpuSeconds - free.vcpuSeconds),
    gib: Math.max(0, gibSeconds - free.gibSeconds),
    requests: Math.max(0, requests - free.requests / 1e6),
  };
  const monthly = billed.vcpu * p.containerApps.activeVcpuSecond + billed.gib * p.containerApps.gibSecond + billed.requests * p.containerApps.millionRequests;
  add('Container Apps', monthly, `${details.join('; ')}; after the free ${free.vcpuSeconds} vCPU-s, ${free.gibSeconds} GiB-s and ${free.requests / 1e6}M requests`);
  assume(`${requests}M requests a month; replicas billed at the active rate; the Container Apps free grant is not used by anything else in the subscription`);
}

function azureNetwork({ json, p, add, usage }: AzurePricing): void {
  const nats = count(json, 'azurerm_nat_gateway');
  const gb = nats > 0 ? usage(USAGE_ASSUMPTIONS.natGbMonth) : 0;
  add('NAT gateway', nats * H * p.natHour + gb * p.natGb, `${nats} x hourly + ${gb} GB processed`);
  add('Public IPs', count(json, 'azurerm_public_ip') * H * p.publicIpHour, `${count(json, 'azurerm_public_ip')} static`);
  add('Private endpoints', count(json, 'azurerm_private_endpoint') * H * p.privateEndpointHour, `${count(json, 'azurerm_private_endpoint')} endpoints`);
}

/**
 * Log Analytics (learn.microsoft.com/azure/azure-monitor/logs/cost-logs): Analytics ingestion beyond
 * the free 5 GB a month, interactive retention beyond the included 31 days, and long-term retention
 * up to the tables' total retention. With the console table (ContainerAppConsoleLogs) on the Basic
 * plan, its assumed share of the logs is ingested at the Basic rate instead (30 days of interactive
 * retention included; queries billed per GB scanned, not counted here).
 */
function logAnalytics({ json, p, add, usage, assume }: AzurePricing): void {
  const workspaces = all(json, 'azurerm_log_analytics_workspace');
  if (workspaces.length === 0) return;
  const gb = usage(USAGE_ASSUMPTIONS.logsGbMonth);
  const tables = all(json, 'azurerm_log_analytics_workspace_table');
  const basic = tables.some((t) => t.name === CONSOLE_LOG_TABLE && t.plan === 'Basic');
  const basicGb = basic ? gb * USAGE_ASSUMPTIONS.consoleLogShare : 0;
  const analyticsGb = gb - basicGb;
  const free = FREE_GRANTS.logAnalyticsGbMonth;
  add('Log Analytics ingestion', Math.max(0, analyticsGb - free) * p.logAnalyticsIngestGb, `assumed ${analyticsGb} GB/month on the Analytics plan, the first ${free} GB free`);
  add('Log Analytics Basic ingestion', basicGb * p.logAnalyticsBasicIngestGb, `assumed ${basicGb} GB/month of console logs on the Basic plan`);
  const days = Math.max(...workspaces.map((w) => Number(w.retention_in_days ?? 30)));
  const included = FREE_GRANTS.logAnalyticsIncludedRetentionDays;
  const interactive = analyticsGb * (Math.max(0, days - included) / 30.4);
  add('Log Analytics retention', interactive * p.logAnalyticsRetentionGbMonth, `${Math.round(interactive)} GB kept beyond the included ${included} days (${days}-day interactive retention)`);
  const total = Math.max(days, ...tables.map((t) => Number(t.total_retention_in_days ?? 0)));
  const longTerm = (analyticsGb * Math.max(0, total - days) + basicGb * Math.max(0, total - FREE_GRANTS.logAnalyticsBasicRetentionDays)) / 30.4;
  add('Log Analytics long-term retention', longTerm * p.logAnalyticsLongTermGbMonth, `${Math.round(longTerm)} GB kept long-term (${total}-day total retention)`);
  assume(`${gb} GB of logs ingested a month; the 5 GB Log Analytics allowance is not used by other workspaces of the billing account`);
  if (basic) assume(`${USAGE_ASSUMPTIONS.consoleLogShare * 100}% of the logs are the tracking server's console output; Basic-plan queries (billed per GB scanned) not counted`);
}

function blobStorage({ json, p, add, assume }: AzurePricing): void {
  for (const account of all(json, 'azurerm_storage_account')) {
    const replication = String(account.account_replication_type);
    add('Blob storage', USAGE_ASSUMPTIONS.artifactGb * (p.blobGbMonth[replication] ?? 0), `assumed ${USAGE_ASSUMPTIONS.artifactGb} GB, ${replication}`);
    assume(`${USAGE_ASSUMPTIONS.artifactGb} GB of artifacts`);
  }
}

/** The daily `mlflow gc` Container Apps job (consumption plan, active rate; the free grant is counted for the app). */
function scheduledGcJob({ json, p, add, assume }: AzurePricing): void {
  const hours = (USAGE_ASSUMPTIONS.gcMinutesPerDay * 30) / 60;
  for (const job of all(json, 'azurerm_container_app_job')) {
    const c = (([job.template].flat()[0] ?? {}) as { container?: { cpu: number; memory: string }[] }).container?.[0];
    const perSecond = Number(c?.cpu ?? 0) * p.containerApps.activeVcpuSecond + parseFloat(String(c?.memory ?? '0')) * p.containerApps.gibSecond;
    add('Scheduled mlflow gc', hours * 3600 * perSecond, `assumed ${USAGE_ASSUMPTIONS.gcMinutesPerDay} min/day of one replica`);
    assume(`the daily mlflow gc job runs ${USAGE_ASSUMPTIONS.gcMinutesPerDay} minutes`);
  }
}

/** Azure Monitor metric alert rules, one time series each. */
function monitorAlerts({ json, p, add }: AzurePricing): void {
  const signals = count(json, 'azurerm_monitor_metric_alert');
  add('Azure Monitor alerts', signals * p.operations.metricAlertSignalMonth, `${signals} metric alert rules, one time series each`);
}

/** Every Azure component, in print order. */
const AZURE_PRICERS: readonly ((x: AzurePricing) => void)[] = [postgres, containerApps, azureNetwork, logAnalytics, monitorAlerts, scheduledGcJob, blobStorage];

/** Printable lines: one per component, the total, then the assumptions. */
export function formatEstimate(e: CostEstimate): string {
  const width = Math.max(...e.lines.map((l) => l.component.length), 5);
  const rows = e.lines.map((l) => `  ${l.component.padEnd(width)}  ${`$${l.monthly.toFixed(2)}`.padStart(10)}  ${l.detail}`);
  const unpriced = e.unpriced.map((u) => `  (no price in the table for ${u}: counted as $0)`);
  const assumptions = e.assumptions.length > 0 ? ['  Assumes:', ...e.assumptions.map((a) => `    - ${a}`)] : [];
  const title = e.region ? `${e.stack} (${e.region})` : e.stack;
  return [title, ...rows, ...unpriced, `  ${'Total'.padEnd(width)}  ${`$${e.total.toFixed(2)}`.padStart(10)}  per month`, ...assumptions].join('\n');
}

/** The `npm run cost -- --json` shape of one estimate. */
export interface CostJson {
  readonly stack: string;
  readonly region: string | null;
  readonly monthlyUsd: number;
  readonly items: readonly { readonly name: string; readonly monthlyUsd: number; readonly detail: string }[];
  readonly unpriced: readonly string[];
  readonly assumptions: readonly string[];
  readonly prices: { readonly checked: string; readonly generated: boolean; readonly source: string };
}

export function estimateJson(e: CostEstimate, table: PriceTable = PRICE_TABLE): CostJson {
  return {
    stack: e.stack,
    region: e.region ?? null,
    monthlyUsd: e.total,
    items: e.lines.map((l) => ({ name: l.component, monthlyUsd: l.monthly, detail: l.detail })),
    unpriced: e.unpriced,
    assumptions: e.assumptions,
    prices: { checked: table.checked, generated: table.generated, source: table.source },
  };
}
