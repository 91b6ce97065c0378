import * as fs from 'node:fs';
import { estimateStack, formatEstimate } from '../stacks/cost/estimate';
import { COST_END, COST_START, README, renderCostTable } from '../stacks/docs';
import { SHIPPED_CONFIGS } from './helpers';
import type { StackJson } from '../stacks/policy/types';

const H = 730;

describe('cost estimator on fixed stacks', () => {
  it('prices an AWS stack component by component', () => {
    const json: StackJson = {
      resource: {
        aws_db_instance: { db: { instance_class: 'db.t4g.medium', multi_az: true, allocated_storage: 100 } },
        aws_ecs_task_definition: { td: { cpu: '1024', memory: '2048' } },
        aws_appautoscaling_target: { t: { min_capacity: 2 } },
        aws_lb: { lb: {} },
        aws_nat_gateway: { a: {}, b: {} },
        aws_vpc_endpoint: { s3: { vpc_endpoint_type: 'Gateway' }, logs: { vpc_endpoint_type: 'Interface', subnet_ids: ['a', 'b'] } },
        aws_kms_key: { k: {} },
        aws_secretsmanager_secret: { s: {} },
      },
    };
    const e = estimateStack('fixed-aws', json, false);
    const by = Object.fromEntries(e.lines.map((l) => [l.component, l.monthly]));
    expect(by['RDS PostgreSQL instance']).toBeCloseTo(0.072 * H * 2, 2);
    expect(by['RDS storage']).toBeCloseTo(100 * 0.127 * 2, 2);
    expect(by['Fargate tasks']).toBeCloseTo(2 * H * (0.04048 + 2 * 0.004445), 2);
    expect(by['Application Load Balancer']).toBeCloseTo(H * (0.0252 + 0.008), 2);
    expect(by['NAT gateways']).toBeCloseTo(2 * H * 0.048 + 10 * 0.048, 2);
    expect(by['Interface endpoints']).toBeCloseTo(2 * H * 0.011, 2);
    expect(by['KMS keys']).toBe(1);
    expect(by['Secrets Manager']).toBeCloseTo(2 * 0.4, 2);
    expect(e.total).toBeCloseTo(Object.values(by).reduce((a, b) => a + b, 0), 1);
    expect(e.unpriced).toEqual([]);
  });

  it('prices an Azure stack, doubling HA compute and storage', () => {
    const json: StackJson = {
      resource: {
        azurerm_postgresql_flexible_server: { pg: { sku_name: 'GP_Standard_D2ds_v5', high_availability: { mode: 'ZoneRedundant' }, storage_mb: 65536 } },
        azurerm_container_app: { app: { template: { min_replicas: 2, container: [{ cpu: 1, memory: '2Gi' }] } } },
        azurerm_private_endpoint: { a: {}, b: {} },
        azurerm_storage_account: { s: { account_replication_type: 'ZRS' } },
      },
    };
    const by = Object.fromEntries(estimateStack('fixed-azure', json, true).lines.map((l) => [l.component, l.monthly]));
    expect(by['PostgreSQL flexible server']).toBeCloseTo(0.178 * H * 2, 2);
    expect(by['PostgreSQL storage']).toBeCloseTo(64 * 0.137 * 2, 2);
    expect(by['Container Apps']).toBeCloseTo(2 * H * 3600 * (0.000024 + 2 * 0.000003), 2);
    expect(by['Private endpoints']).toBeCloseTo(2 * H * 0.01, 2);
    expect(by['Blob storage']).toBeCloseTo(100 * 0.0246, 2);
  });

  it('lists resources the price table does not know instead of guessing', () => {
    const e = estimateStack('odd', { resource: { aws_db_instance: { db: { instance_class: 'db.x2g.16xlarge', allocated_storage: 20 } } } }, false);
    expect(e.unpriced).toEqual(['aws_db_instance db.x2g.16xlarge']);
    expect(formatEstimate(e)).toContain('(no price in the table for aws_db_instance db.x2g.16xlarge: counted as $0)');
  });

  it('prints a line per component and a total', () => {
    const text = formatEstimate(estimateStack('s', { resource: { aws_kms_key: { a: {}, b: {} } } }, false));
    expect(text).toBe(['s', '  KMS keys       $2.00  2 customer-managed keys', '  Total          $2.00  per month'].join('\n'));
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
    const rows = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(SHIPPED_CONFIGS.map((f) => f.replace(/\.yaml$/, '')));
  });
});
