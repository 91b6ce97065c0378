import * as path from 'node:path';
import { loadDeployments } from '../stacks/config/load';
import { estimateStack } from '../cli/cost/estimate';
import { checkStack } from '../policy/check';
import { RULES_BY_ID } from '../policy';
import type { Rule } from '../policy/types';
import { type Block, SHIPPED_CONFIGS, type Synthesized, configFrom, onlyResource, rejectionsOf, resourcesOf, serviceTaskDefinition, synthOnce } from './helpers';

const aws = (environment: string, extra = '', network = '') => `name: lean-${environment}
environment: ${environment}
cloud: aws
region: eu-west-1
${network ? `network:\n${network}` : ''}
database: {}
artifacts: {}
tracking:
  loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
${extra}`;

const azure = (environment: string, tracking = '{}', database = '{}') => `name: lean-az-${environment}
environment: ${environment}
cloud: azure
location: westeurope
database: ${database}
artifacts: {}
tracking: ${tracking}
`;

const HA: Rule[] = ['MLP-HA-1', 'MLP-DB-5'].map((id) => {
  const rule = RULES_BY_ID.get(id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
});

/** Private tasks without NAT reach no public registry: the image must be in ECR (stacks/config/aws.ts checkImageReachable). */
const ECR_IMAGE = '  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow:v3.17.0-full\n';

describe('AWS lean defaults', () => {
  const dev = synthOnce(configFrom(aws('dev')));
  const prod = synthOnce(configFrom(aws('prod')));

  it('non-production: no NAT gateway, tasks with a public IPv4 in the public subnets, on Fargate Spot, db.t4g.micro, 0.5 vCPU / 1 GB', () => {
    expect(resourcesOf(dev, 'aws_nat_gateway')).toEqual({});
    expect(resourcesOf(dev, 'aws_eip')).toEqual({});
    // No interface endpoints either: the tasks reach ghcr.io, Secrets Manager and CloudWatch Logs through the internet gateway.
    expect(Object.values(resourcesOf(dev, 'aws_vpc_endpoint')).map((e) => e.vpc_endpoint_type)).toEqual(['Gateway']);
    const service = onlyResource(dev, 'aws_ecs_service');
    expect(service.network_configuration).toMatchObject({ assign_public_ip: true });
    expect(JSON.stringify(service.network_configuration)).toMatch(/public-subnet/);
    expect(service.launch_type).toBeUndefined();
    expect(service.capacity_provider_strategy).toEqual([{ capacity_provider: 'FARGATE_SPOT', weight: 1 }]);
    expect(onlyResource(dev, 'aws_ecs_cluster_capacity_providers')).toMatchObject({ capacity_providers: ['FARGATE', 'FARGATE_SPOT'] });
    expect(service.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_ecs_cluster_capacity_providers\./)]));
    expect(serviceTaskDefinition(dev)).toMatchObject({ cpu: '512', memory: '1024', runtime_platform: { cpu_architecture: 'X86_64' } });
    expect(onlyResource(dev, 'aws_db_instance')).toMatchObject({ instance_class: 'db.t4g.micro', multi_az: false });
    // The task security group still admits the load balancer only.
    const ingress = Object.values(resourcesOf(dev, 'aws_vpc_security_group_ingress_rule')).filter((r) => String(r.security_group_id).includes('task'));
    expect(ingress.length).toBeGreaterThan(0);
    expect(ingress.every((r) => r.referenced_security_group_id !== undefined && r.cidr_ipv4 === undefined)).toBe(true);
  });

  it('production: 2 AZs, a NAT gateway each, private on-demand tasks, db.t4g.medium Multi-AZ, two 0.5 vCPU / 2 GB tasks', () => {
    expect(Object.keys(resourcesOf(prod, 'aws_subnet'))).toHaveLength(6);
    expect(Object.keys(resourcesOf(prod, 'aws_nat_gateway'))).toHaveLength(2);
    const service = onlyResource(prod, 'aws_ecs_service');
    expect(service).toMatchObject({ launch_type: 'FARGATE', network_configuration: { assign_public_ip: false } });
    expect(service.capacity_provider_strategy).toBeUndefined();
    expect(resourcesOf(prod, 'aws_ecs_cluster_capacity_providers')).toEqual({});
    expect(serviceTaskDefinition(prod)).toMatchObject({ cpu: '512', memory: '2048' });
    expect(onlyResource(prod, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: 6 });
    expect(onlyResource(prod, 'aws_db_instance')).toMatchObject({ instance_class: 'db.t4g.medium', multi_az: true });
  });

  it('every default can be set back in the config', () => {
    const old = synthOnce(
      configFrom(
        aws('dev', '  cpu: 1024\n  memory: 2048\n  spot: false\n', '  azCount: 3\n  natGateways: single\n').replace('database: {}', 'database: { instanceClass: db.t4g.medium }'),
      ),
    );
    expect(Object.keys(resourcesOf(old, 'aws_nat_gateway'))).toHaveLength(1);
    expect(Object.keys(resourcesOf(old, 'aws_subnet'))).toHaveLength(9);
    expect(onlyResource(old, 'aws_ecs_service')).toMatchObject({ launch_type: 'FARGATE', network_configuration: { assign_public_ip: false } });
    expect(serviceTaskDefinition(old)).toMatchObject({ cpu: '1024', memory: '2048' });
    expect(onlyResource(old, 'aws_db_instance')).toMatchObject({ instance_class: 'db.t4g.medium' });
    // natGateways: none as before: private tasks with interface endpoints.
    const endpoints = synthOnce(configFrom(aws('dev', ECR_IMAGE, '  natGateways: none\n')));
    expect(onlyResource(endpoints, 'aws_ecs_service')).toMatchObject({ network_configuration: { assign_public_ip: false } });
    expect(Object.values(resourcesOf(endpoints, 'aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Interface').length).toBeGreaterThan(0);
  });

  // Task egress on 443 (TrackingService httpsEgress): public task subnets pull the image from ghcr.io
  // through the internet gateway; private tasks without NAT stay limited to the endpoints. The gc
  // task (EventBridge Scheduler ecs:runTask) gets the same subnets and public-IP setting.
  it('public tasks keep internet egress on 443, private tasks without NAT only the endpoints; the gc task follows the service', () => {
    const httpsEgress = (json: Synthesized) =>
      Object.entries(resourcesOf(json, 'aws_vpc_security_group_egress_rule'))
        .filter(([k]) => k.startsWith('tracking_tasks-egress-https'))
        .map(([, r]) => r.cidr_ipv4 ?? (r.prefix_list_id ? 'prefix-list' : undefined));
    const gcNetwork = (json: Synthesized) =>
      (JSON.parse(String(([onlyResource(json, 'aws_scheduler_schedule').target].flat()[0] as Block).input)) as {
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: string[]; AssignPublicIp: string } };
      }).NetworkConfiguration.AwsvpcConfiguration;
    expect(httpsEgress(dev)).toEqual(['0.0.0.0/0']);
    expect(gcNetwork(dev)).toMatchObject({ AssignPublicIp: 'ENABLED', Subnets: [expect.stringMatching(/public-subnet-0/), expect.stringMatching(/public-subnet-1/)] });
    const endpoints = synthOnce(configFrom(aws('dev', ECR_IMAGE, '  natGateways: none\n')));
    expect(httpsEgress(endpoints)).toEqual(['10.0.0.0/16', 'prefix-list']);
    expect(gcNetwork(endpoints)).toMatchObject({ AssignPublicIp: 'DISABLED', Subnets: [expect.stringMatching(/private-subnet-0/), expect.stringMatching(/private-subnet-1/)] });
  });

  it('rejects Spot, public tasks in production, and private tasks with no way out', () => {
    expect(rejectionsOf(aws('prod', '  spot: true\n'), 'p.yaml')).toContainEqual(expect.stringMatching(/tracking\.spot: production runs on on-demand Fargate/));
    expect(rejectionsOf(aws('prod', '', '  taskSubnets: public\n'), 'p.yaml')).toContainEqual(expect.stringMatching(/network\.taskSubnets: production tasks run in private subnets/));
    expect(rejectionsOf(aws('dev', '', '  taskSubnets: private\n  natGateways: none\n  interfaceEndpoints: false\n'), 'd.yaml')).toContainEqual(
      expect.stringMatching(/network\.natGateways: tasks in private subnets need a NAT gateway or interface endpoints/),
    );
  });
});

describe('Azure lean defaults', () => {
  const dev = synthOnce(configFrom(azure('dev')));
  const prod = synthOnce(configFrom(azure('prod')));
  const template = (json: ReturnType<typeof synthOnce>) => onlyResource(json, 'azurerm_container_app').template as { min_replicas: number; container: { cpu: number; memory: string }[] };

  it('non-production: Burstable B1ms without HA, 0.5 vCPU replicas that scale to zero', () => {
    const pg = onlyResource(dev, 'azurerm_postgresql_flexible_server');
    expect(pg.sku_name).toBe('B_Standard_B1ms');
    expect(pg.high_availability).toBeUndefined();
    expect(template(dev)).toMatchObject({ min_replicas: 0, container: [{ cpu: 0.5, memory: '1Gi' }] });
  });

  it('production: GP_Standard_D2ds_v5 zone-redundant, two 0.5 vCPU replicas in a zone-redundant environment', () => {
    expect(onlyResource(prod, 'azurerm_postgresql_flexible_server')).toMatchObject({ sku_name: 'GP_Standard_D2ds_v5', high_availability: { mode: 'ZoneRedundant' } });
    expect(template(prod)).toMatchObject({ min_replicas: 2, container: [{ cpu: 0.5, memory: '1Gi' }] });
    expect(onlyResource(prod, 'azurerm_container_app_environment').zone_redundancy_enabled).toBe(true);
  });

  it('rejects a production app that scales to zero and Burstable with HA', () => {
    expect(rejectionsOf(azure('prod', '{ minReplicas: 0 }'), 'p.yaml')).toContainEqual(expect.stringMatching(/tracking\.minReplicas: production runs at least 2 replicas/));
    expect(rejectionsOf(azure('prod', '{}', '{ skuName: B_Standard_B1ms }'), 'p.yaml')).toContainEqual(expect.stringMatching(/Burstable SKUs do not support high availability/));
  });
});

describe('high availability of production (MLP-HA-1, MLP-DB-5)', () => {
  it.each([
    ['AWS production defaults', aws('prod')],
    ['Azure production defaults', azure('prod')],
  ])('%s pass the HA rules', (_what, yaml) => {
    const config = configFrom(yaml);
    expect(checkStack(synthOnce(config), config, HA).violations).toEqual([]);
  });

  it('every shipped production config passes the HA rules (contract check)', () => {
    const production = SHIPPED_CONFIGS.flatMap((f) => loadDeployments(path.join('config', f))).filter((d) => d.production && d.cloud !== undefined);
    expect(production.length).toBeGreaterThan(0);
    for (const config of production) expect(checkStack(synthOnce(config), config, HA).violations).toEqual([]);
  });

  it('flags a built production stack whose service is Spot-only', () => {
    const config = configFrom(aws('prod'));
    const json = synthOnce(config);
    const service = onlyResource(json, 'aws_ecs_service');
    delete service.launch_type;
    service.capacity_provider_strategy = [{ capacity_provider: 'FARGATE_SPOT', weight: 1 }, { capacity_provider: 'FARGATE', weight: 0 }];
    expect(checkStack(json, config, HA).violations.map((v) => v.message)).toEqual(['runs on Fargate Spot only']);
  });

  it('the lean non-production defaults cost less than the production ones in the same region', () => {
    const cost = (yaml: string) => {
      const config = configFrom(yaml);
      return estimateStack(config.name, synthOnce(config), config.production, { region: 'eu-west-1' }).total;
    };
    expect(cost(aws('dev'))).toBeLessThan(cost(aws('prod')));
  });
});

describe('log defaults (README "Cost", docs/runbook.md "Cost defaults")', () => {
  const classes = (json: Synthesized) => Object.values(resourcesOf(json, 'aws_cloudwatch_log_group')).map((g) => [g.name, g.log_group_class]);

  // aws 6.25 cloudwatch_log_group log_group_class: STANDARD | INFREQUENT_ACCESS (ForceNew in
  // internal/service/logs/group.go); CloudWatch Logs CreateLogGroup: the class cannot be changed later.
  it('AWS: the server and flow-log groups use Infrequent Access in every environment', () => {
    for (const env of ['dev', 'prod']) {
      const json = synthOnce(configFrom(aws(env)));
      expect(classes(json)).toEqual([
        [expect.stringMatching(/vpc-flow-logs$/), 'INFREQUENT_ACCESS'],
        [expect.stringMatching(/tracking$/), 'INFREQUENT_ACCESS'],
      ]);
      // Nothing on the stack needs what Infrequent Access lacks (metric filters, subscription filters).
      expect(Object.keys(json.resource ?? {}).filter((t) => /log_metric_filter|log_subscription_filter/.test(t))).toEqual([]);
    }
  });

  it('AWS: each log class is a config field that turns Standard back on', () => {
    const json = synthOnce(configFrom(aws('prod', '  logClass: standard\n', '  flowLogClass: standard\n')));
    expect(classes(json).map(([, c]) => c)).toEqual(['STANDARD', 'STANDARD']);
    expect(rejectionsOf(aws('dev', '  logClass: cold\n'), 'd.yaml')).toContainEqual(expect.stringMatching(/tracking\.logClass/));
  });

  it('Azure non-production: 30 days on the Analytics plan, no table settings (5 GB fit the free allowance)', () => {
    const json = synthOnce(configFrom(azure('dev')));
    expect(onlyResource(json, 'azurerm_log_analytics_workspace').retention_in_days).toBe(30);
    expect(resourcesOf(json, 'azurerm_log_analytics_workspace_table')).toEqual({});
  });

  // azurerm 4.55 r/log_analytics_workspace_table: plan Analytics | Basic; retention_in_days cannot be
  // set on Basic (CustomizeDiff in log_analytics_workspace_table_resource.go); total 4-730 or whole years.
  it('Azure production: 90 days interactive, 365 in total on every platform table, console logs on the Basic plan', () => {
    const json = synthOnce(configFrom(azure('prod')));
    const workspace = Object.keys(resourcesOf(json, 'azurerm_log_analytics_workspace'))[0];
    expect(onlyResource(json, 'azurerm_log_analytics_workspace').retention_in_days).toBe(90);
    const tables = Object.values(resourcesOf(json, 'azurerm_log_analytics_workspace_table'));
    expect(tables.map((t) => [t.name, t.plan, t.total_retention_in_days, t.retention_in_days])).toEqual([
      ['ContainerAppConsoleLogs', 'Basic', 365, undefined],
      // The restart alert queries ContainerAppSystemLogs: log search alerts need the Analytics plan.
      ['ContainerAppSystemLogs', 'Analytics', 365, undefined],
      ['AzureDiagnostics', 'Analytics', 365, undefined],
      ['StorageBlobLogs', 'Analytics', 365, undefined],
      ['AzureMetrics', 'Analytics', 365, undefined],
    ]);
    expect(tables.every((t) => t.workspace_id === `\${azurerm_log_analytics_workspace.${workspace}.id}`)).toBe(true);
    const criteria = (onlyResource(json, 'azurerm_monitor_scheduled_query_rules_alert_v2').criteria as Block[])[0];
    expect(String(criteria.query).split('\n')[0]).toBe('ContainerAppSystemLogs');
  });

  it('Azure: the log fields turn the old behaviour back on, and a total shorter than the interactive retention is refused', () => {
    const json = synthOnce(configFrom(azure('prod', '{ logRetentionDays: 365, consoleLogPlan: analytics }')));
    expect(onlyResource(json, 'azurerm_log_analytics_workspace').retention_in_days).toBe(365);
    expect(resourcesOf(json, 'azurerm_log_analytics_workspace_table')).toEqual({});
    expect(rejectionsOf(azure('prod', '{ logRetentionDays: 180, logTotalRetentionDays: 90 }'), 'p.yaml')).toContainEqual(
      expect.stringMatching(/tracking\.logTotalRetentionDays: must be at least logRetentionDays \(180\)/),
    );
    expect(rejectionsOf(azure('dev', '{ logTotalRetentionDays: 800 }'), 'd.yaml')).toContainEqual(expect.stringMatching(/tracking\.logTotalRetentionDays: expected 30 to 730 or one of 1095/));
  });
});
