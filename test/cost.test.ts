import * as fs from 'node:fs';
import { estimateJson, estimateStack, fargateSplit, formatEstimate } from '../cli/cost/estimate';
import { PRICE_TABLE, UnknownRegionError } from '../cli/cost/prices';
import { costReport, estimateDeployments } from '../cli/cost/report';
import { COST_END, COST_START, README, renderCostTable } from '../cli/docs/readme';
import type { StackJson } from '../policy/types';
import { FIXTURE_PRICES } from './fixtures/cost/price-table';
import { configFrom, SHIPPED_CONFIGS } from './helpers';

const awsConfig = (name: string, region: string, environment = 'dev') =>
  configFrom(`name: ${name}
environment: ${environment}
cloud: aws
region: ${region}
database: {}
artifacts: {}
tracking:
  loadBalancer:
    certificateArn: arn:aws:acm:${region}:123456789012:certificate/x
`);
const azureConfig = (name: string, location: string, environment = 'dev') =>
  configFrom(`name: ${name}
environment: ${environment}
cloud: azure
location: ${location}
database: {}
artifacts: {}
tracking: {}
`);

const H = 730;
const aws = { region: 'xx-test-1', prices: FIXTURE_PRICES };
const azure = { region: 'testland', prices: FIXTURE_PRICES };

/** A synthetic AWS stack: not built from any shipped config. */
const AWS_STACK: StackJson = {
  resource: {
    aws_db_instance: { db: { instance_class: 'db.t4g.medium', multi_az: true, allocated_storage: 100, max_allocated_storage: 200 } },
    aws_ecs_task_definition: { td: { cpu: '1024', memory: '2048', runtime_platform: [{ cpu_architecture: 'X86_64' }] } },
    aws_ecs_service: {
      svc: {
        capacity_provider_strategy: [
          { capacity_provider: 'FARGATE', base: 1, weight: 1 },
          { capacity_provider: 'FARGATE_SPOT', weight: 1 },
        ],
        network_configuration: [{ assign_public_ip: false }],
      },
    },
    aws_appautoscaling_target: { t: { min_capacity: 3 } },
    aws_lb: { lb: { internal: false, subnets: ['a', 'b'] } },
    aws_nat_gateway: { a: {}, b: {} },
    aws_eip: { a: {}, b: {} },
    aws_vpc_endpoint: { s3: { vpc_endpoint_type: 'Gateway' }, logs: { vpc_endpoint_type: 'Interface', subnet_ids: ['a', 'b'] } },
    aws_kms_key: { k: {} },
    aws_secretsmanager_secret: { s: {} },
    aws_cloudwatch_log_group: { g: { retention_in_days: 365, log_group_class: 'INFREQUENT_ACCESS' }, h: { retention_in_days: 30 } },
    aws_s3_bucket: { b: {} },
  },
};

describe('cost estimator arithmetic on a hand-computed fixture (synthetic stack, fixture prices)', () => {
  it('prices an AWS stack component by component', () => {
    const e = estimateStack('fixed-aws', AWS_STACK, true, aws);
    const by = Object.fromEntries(e.lines.map((l) => [l.component, l.monthly]));
    expect(by).toEqual({
      'RDS PostgreSQL instance': 146, // 0.1 x 730 x 2 (Multi-AZ)
      'RDS storage': 20, // 100 GB x 0.1 x 2
      'Fargate tasks': 73, // 3 tasks: base 1 on FARGATE + half of the other 2 = 2 on demand: 2 x 730 x (1 x 0.04 + 2 x 0.005)
      'Fargate Spot tasks': 8.76, // 1 x 730 x (1 x 0.01 + 2 x 0.001)
      'Application Load Balancer': 21.9, // 730 x (0.02 + 1 LCU x 0.01)
      'NAT gateways': 75.5, // 2 x 730 x 0.05 + 50 GB (production) x 0.05
      'Public IPv4 addresses': 14.6, // (2 EIPs + 2 load balancer nodes) x 730 x 0.005
      'Interface endpoints': 14.6, // 2 endpoint-AZs x 730 x 0.01
      'KMS keys': 1,
      'Secrets Manager': 1, // (1 secret + the RDS-managed one) x 0.5
      'CloudWatch Logs ingestion': 7.5, // 20 GB split over 2 groups: 10 GB x 0.25 (Infrequent Access) + 10 GB x 0.5 (Standard)
      'CloudWatch Logs storage': 7.2, // 20 GB x 365/30.4 months x 0.03 = 7.203 -> 7.2
      'S3 artifacts': 2, // 100 GB x 0.02
    });
    expect(e.total).toBe(393.06);
    expect(e.region).toBe('xx-test-1');
    expect(e.unpriced).toEqual([]);
  });

  it('counts public task IPs and ARM64 rates', () => {
    const json: StackJson = {
      resource: {
        aws_ecs_task_definition: { td: { cpu: '512', memory: '1024', runtime_platform: [{ cpu_architecture: 'ARM64' }] } },
        aws_ecs_service: { svc: { network_configuration: [{ assign_public_ip: true }] } },
        aws_appautoscaling_target: { t: { min_capacity: 2 } },
      },
    };
    const by = Object.fromEntries(estimateStack('arm', json, false, aws).lines.map((l) => [l.component, l.monthly]));
    expect(by['Fargate tasks']).toBeCloseTo(2 * H * (0.5 * 0.03 + 1 * 0.004), 2); // 27.74
    expect(by['Public IPv4 addresses']).toBeCloseTo(2 * H * 0.005, 2); // 7.30
  });

  it('splits tasks over FARGATE and FARGATE_SPOT like ECS: base first, then by weight', () => {
    expect(fargateSplit(1, [{ capacity_provider: 'FARGATE_SPOT', weight: 1 }])).toEqual({ onDemand: 0, spot: 1 });
    expect(fargateSplit(4, [{ capacity_provider: 'FARGATE', base: 2, weight: 1 }, { capacity_provider: 'FARGATE_SPOT', weight: 1 }])).toEqual({ onDemand: 3, spot: 1 });
    expect(fargateSplit(2, [])).toEqual({ onDemand: 2, spot: 0 });
  });

  it('prices an Azure stack: HA doubles compute and storage, free grants and allowances come off', () => {
    const json: StackJson = {
      resource: {
        azurerm_postgresql_flexible_server: { pg: { sku_name: 'GP_Standard_D2ds_v5', high_availability: [{ mode: 'ZoneRedundant' }], storage_mb: 65536 } },
        azurerm_container_app: { app: { template: [{ min_replicas: 2, container: [{ cpu: 0.5, memory: '1Gi' }] }] } },
        azurerm_nat_gateway: { n: {} },
        azurerm_public_ip: { ip: {} },
        azurerm_private_endpoint: { a: {}, b: {} },
        azurerm_log_analytics_workspace: { w: { retention_in_days: 365 } },
        azurerm_storage_account: { s: { account_replication_type: 'ZRS' } },
      },
    };
    const e = estimateStack('fixed-azure', json, true, azure);
    const by = Object.fromEntries(e.lines.map((l) => [l.component, l.monthly]));
    expect(by).toEqual({
      'PostgreSQL flexible server': 292, // 0.2 x 730 x 2
      'PostgreSQL storage': 12.8, // 64 GB x 0.1 x 2
      // vCPU-s: 2 x 730 x 3600 x 0.5 = 2,628,000 - 180,000 free = 2,448,000 x 0.00002 = 48.96
      // GiB-s:  2 x 730 x 3600 x 1   = 5,256,000 - 360,000 free = 4,896,000 x 0.000002 = 9.792
      // requests: 5M - 2M free = 3M x 0.4 = 1.2
      'Container Apps': 59.95,
      'NAT gateway': 39, // 730 x 0.05 + 50 GB x 0.05
      'Public IPs': 3.65,
      'Private endpoints': 14.6,
      'Log Analytics ingestion': 45, // (20 - 5 free) GB x 3
      'Log Analytics retention': 21.97, // 20 GB x (365 - 31)/30.4 months = 219.7 GB x 0.1
      'Blob storage': 2.5, // 100 GB x 0.025
    });
    expect(e.total).toBe(491.47);
  });

  it('prices Log Analytics with the console table on the Basic plan and long-term retention', () => {
    const json: StackJson = {
      resource: {
        azurerm_log_analytics_workspace: { w: { retention_in_days: 90 } },
        azurerm_log_analytics_workspace_table: {
          console: { name: 'ContainerAppConsoleLogs', plan: 'Basic', total_retention_in_days: 365 },
          system: { name: 'ContainerAppSystemLogs', plan: 'Analytics', total_retention_in_days: 365 },
        },
      },
    };
    const e = estimateStack('logs', json, true, azure);
    const by = Object.fromEntries(e.lines.map((l) => [l.component, l.monthly]));
    expect(by).toEqual({
      // 20 GB (production): 75% console = 15 GB on Basic, 5 GB on Analytics (all inside the free 5 GB: no line)
      'Log Analytics Basic ingestion': 7.5, // 15 GB x 0.5
      'Log Analytics retention': 0.97, // 5 GB x (90 - 31)/30.4 months = 9.70 GB x 0.1
      // Analytics: 5 GB x (365 - 90) = 1375; Basic: 15 GB x (365 - 30 included) = 5025; 6400 GB-days / 30.4 = 210.5 GB x 0.02
      'Log Analytics long-term retention': 4.21,
    });
    expect(e.assumptions.join('\n')).toContain("75% of the logs are the tracking server's console output");
    // The same workspace without tables: every GB on Analytics, no long-term retention.
    const plain = estimateStack('logs', { resource: { azurerm_log_analytics_workspace: { w: { retention_in_days: 90 } } } }, true, azure);
    expect(Object.fromEntries(plain.lines.map((l) => [l.component, l.monthly]))).toEqual({
      'Log Analytics ingestion': 45, // (20 - 5 free) x 3
      'Log Analytics retention': 3.88, // 20 GB x 59/30.4 = 38.8 GB x 0.1
    });
  });

  it('prices CloudWatch Logs ingestion by log class', () => {
    const ia = { resource: { aws_cloudwatch_log_group: { g: { retention_in_days: 30, log_group_class: 'INFREQUENT_ACCESS' } } } };
    const standard = { resource: { aws_cloudwatch_log_group: { g: { retention_in_days: 30 } } } };
    const line = (json: StackJson) => estimateStack('l', json, false, aws).lines.find((l) => l.component === 'CloudWatch Logs ingestion');
    expect(line(ia)).toEqual({ component: 'CloudWatch Logs ingestion', monthly: 1.25, detail: 'assumed 5 GB/month ingested, Infrequent Access' }); // 5 GB x 0.25
    expect(line(standard)).toEqual({ component: 'CloudWatch Logs ingestion', monthly: 2.5, detail: 'assumed 5 GB/month ingested, Standard' }); // 5 GB x 0.5
  });

  it('an app that scales to zero is billed for the assumed active hours, inside the free grant here', () => {
    const json: StackJson = { resource: { azurerm_container_app: { app: { template: [{ min_replicas: 0, container: [{ cpu: 0.25, memory: '0.5Gi' }] }] } } } };
    const e = estimateStack('zero', json, false, azure);
    // 176 h x 3600 x 0.25 = 158,400 vCPU-s < 180,000; 316,800 GiB-s < 360,000; 1M requests < 2M: nothing to pay
    expect(e.lines).toEqual([]);
    expect(e.assumptions.join('\n')).toContain('scales to zero runs one replica 176 h a month');
  });

  it('a region without prices is an error naming the region, not a fallback', () => {
    expect(() => estimateStack('far', AWS_STACK, false, { region: 'ap-nowhere-9', prices: FIXTURE_PRICES })).toThrow(UnknownRegionError);
    expect(() => estimateStack('far', AWS_STACK, false, { region: 'ap-nowhere-9', prices: FIXTURE_PRICES })).toThrow(/no AWS prices for region ap-nowhere-9/);
    const pg = { resource: { azurerm_postgresql_flexible_server: { pg: { sku_name: 'B_Standard_B1ms' } } } };
    expect(() => estimateStack('far', pg, false, { region: 'marsnorth', prices: FIXTURE_PRICES })).toThrow(/no Azure prices for region marsnorth/);
  });

  it('lists resources the price table does not know instead of guessing', () => {
    const e = estimateStack('odd', { resource: { aws_db_instance: { db: { instance_class: 'db.x2g.16xlarge', allocated_storage: 20 } } } }, false, aws);
    expect(e.unpriced).toEqual(['aws_db_instance db.x2g.16xlarge']);
    expect(formatEstimate(e)).toContain('(no price in the table for aws_db_instance db.x2g.16xlarge: counted as $0)');
  });

  it('prints a line per component, the total and the assumptions in words', () => {
    const text = formatEstimate(estimateStack('s', { resource: { aws_kms_key: { a: {}, b: {} }, aws_s3_bucket: { b: {} } } }, false, aws));
    expect(text).toBe(
      [
        's (xx-test-1)',
        '  KMS keys           $2.00  2 customer-managed keys',
        '  S3 artifacts       $2.00  assumed 100 GB',
        '  Total              $4.00  per month',
        '  Assumes:',
        '    - 100 GB of artifacts',
      ].join('\n'),
    );
  });

  it('the JSON shape: stack, region, monthlyUsd, items of name/monthlyUsd/detail, assumptions', () => {
    const out = JSON.parse(costReport([estimateStack('fixed-aws', AWS_STACK, true, aws)], true, FIXTURE_PRICES)) as unknown[];
    expect(out).toHaveLength(1);
    const [first] = out as Record<string, unknown>[];
    expect(Object.keys(first ?? {}).sort()).toEqual(['assumptions', 'items', 'monthlyUsd', 'prices', 'region', 'stack', 'unpriced']);
    expect(first).toMatchObject({ stack: 'fixed-aws', region: 'xx-test-1', monthlyUsd: 393.06, prices: { checked: '2000-01-01', generated: false } });
    expect((first?.items as unknown[])[0]).toEqual({ name: 'RDS PostgreSQL instance', monthlyUsd: 146, detail: 'db.t4g.medium Multi-AZ (primary + standby)' });
    expect(first?.assumptions).toEqual(expect.arrayContaining(['100 GB of artifacts', '20 GB of logs ingested a month, split evenly over the log groups']));
    expect(estimateJson(estimateStack('empty', {}, false, aws), FIXTURE_PRICES)).toMatchObject({ region: 'xx-test-1', monthlyUsd: 0, items: [] });
  });
});

describe('cost of built deployments', () => {
  it('prices each deployment in its own region and names a region without prices', () => {
    const e = estimateDeployments([awsConfig('a', 'us-west-2'), azureConfig('z', 'eastus')]);
    expect(e.map((x) => [x.stack, x.region])).toEqual([
      ['a', 'us-west-2'],
      ['z', 'eastus'],
    ]);
    expect(() => estimateDeployments([awsConfig('far', 'ap-southeast-7')])).toThrow(/no AWS prices for region ap-southeast-7/);
  });

  it('the committed table has every region the issue asks for, with the day it was checked', () => {
    expect(Object.keys(PRICE_TABLE.aws)).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-1']));
    expect(Object.keys(PRICE_TABLE.azure)).toEqual(expect.arrayContaining(['eastus', 'westus2', 'westeurope']));
    expect(PRICE_TABLE.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  // The shipped configs' estimates are a snapshot, so a config edit shows its cost in review and
  // `npx jest -u` accepts it; `npm run docs` copies the same table into the README.
  it('estimates every shipped config (the README cost table; refresh it with `npm run docs`)', () => {
    expect(renderCostTable()).toMatchSnapshot();
  });

  it('README has the generated cost table with a row per shipped deployment', () => {
    const readme = fs.readFileSync(README, 'utf8');
    const table = readme.slice(readme.indexOf(COST_START), readme.indexOf(COST_END));
    expect(table.length).toBeGreaterThan(COST_START.length);
    const rows = [...table.matchAll(/^\| `([a-z0-9-]+)`(?: \([a-z0-9-]+\))? \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(SHIPPED_CONFIGS.map((f) => f.replace(/\.yaml$/, '')));
  });
});
