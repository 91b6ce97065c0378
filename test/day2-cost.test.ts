import { estimateStack } from '../cli/cost/estimate';
import type { StackJson } from '../policy/types';

/** The committed table's eu-west-1 / westeurope prices (cli/cost/price-table.ts). */
const regionFor = (json: StackJson) => (Object.keys(json.resource ?? {}).some((t) => t.startsWith('aws_')) ? 'eu-west-1' : 'westeurope');

/** Day-2 operations in `npm run cost`: alarms, backups, ephemeral storage, Azure alerts. */
describe('cost of day-2 operations', () => {
  const by = (json: StackJson) => Object.fromEntries(estimateStack('x', json, true, { region: regionFor(json) }).lines.map((l) => [l.component, l.monthly]));

  it('prices alarms per metric (a metric-math alarm pays for each metric it reads)', () => {
    const json: StackJson = { resource: { aws_cloudwatch_metric_alarm: { a: {}, b: { metric_query: [{ metric: {} }, { metric: {} }, { expression: 'a+b' }] } } } };
    expect(by(json)['CloudWatch alarms']).toBeCloseTo(3 * 0.1, 2);
  });

  it('prices AWS Backup as one full copy of the database and the assumed artifacts', () => {
    const json: StackJson = { resource: { aws_backup_plan: { p: {} }, aws_db_instance: { d: { instance_class: 'db.m7g.large', allocated_storage: 50 } } } };
    expect(by(json)['AWS Backup']).toBeCloseTo(50 * 0.095 + 100 * 0.05, 2);
  });

  it('prices ephemeral storage above the free 20 GB for the minimum tasks', () => {
    const json: StackJson = { resource: { aws_ecs_task_definition: { t: { cpu: '1024', memory: '2048', ephemeral_storage: { size_in_gib: 50 } } }, aws_appautoscaling_target: { s: { min_capacity: 2 } } } };
    expect(by(json)['Fargate ephemeral storage']).toBeCloseTo(30 * 2 * 730 * 0.000111, 2);
    expect(by({ resource: { aws_ecs_task_definition: { t: { cpu: '1024', memory: '2048' } } } })['Fargate ephemeral storage']).toBeUndefined();
  });

  it('prices Azure metric alerts per rule', () => {
    expect(by({ resource: { azurerm_monitor_metric_alert: { a: {}, b: {} } } })['Azure Monitor alerts']).toBeCloseTo(0.2, 2);
  });
});

describe('cost of the scheduled mlflow gc', () => {
  const by = (json: StackJson) => Object.fromEntries(estimateStack('x', json, false, { region: regionFor(json) }).lines.map((l) => [l.component, l.monthly]));
  it('prices 15 minutes a day of one task or replica of the server size', () => {
    const awsJson: StackJson = { resource: { aws_ecs_task_definition: { t: { cpu: '1024', memory: '2048' } }, aws_scheduler_schedule: { s: {} } } };
    expect(by(awsJson)['Scheduled mlflow gc']).toBeCloseTo(7.5 * (0.04048 + 2 * 0.004445), 2);
    const azureJson: StackJson = { resource: { azurerm_container_app_job: { j: { template: { container: [{ cpu: 1, memory: '2Gi' }] } } } } };
    expect(by(azureJson)['Scheduled mlflow gc']).toBeCloseTo(7.5 * 3600 * (0.000024 + 2 * 0.000003), 2);
  });

  it("AWS: the gc's own task definition is priced as the gc only, never as an always-on service task", () => {
    const json: StackJson = {
      resource: {
        aws_ecs_task_definition: { service: { cpu: '1024', memory: '2048', ephemeral_storage: { size_in_gib: 50 } }, gc: { cpu: '4096', memory: '8192' } },
        aws_scheduler_schedule: { s: { target: { input: '{"TaskDefinition":"${aws_ecs_task_definition.gc.arn}"}' } } },
      },
    };
    const lines = estimateStack('x', json, false, { region: 'eu-west-1' }).lines;
    expect(lines.filter((l) => l.component === 'Fargate tasks').map((l) => l.detail)).toEqual([expect.stringContaining('1 vCPU / 2 GB')]);
    expect(lines.filter((l) => l.component === 'Fargate ephemeral storage')).toHaveLength(1);
    expect(by(json)['Scheduled mlflow gc']).toBeCloseTo(7.5 * (4 * 0.04048 + 8 * 0.004445), 2);
  });
});
