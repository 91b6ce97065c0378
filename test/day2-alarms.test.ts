import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import { type Block, type Synthesized, configFrom, onlyResource, resourcesOf, synth, tempDirWith } from './helpers';
import { minimalAws, minimalAzure } from './fixtures/minimal';

/** Day-2 operations, item "alarms": CloudWatch alarms / Azure Monitor alerts and where they go. */

const aws = (environment: string, extra = '') => minimalAws({ environment, extra });
const azure = (environment: string, extra = '') => minimalAzure({ environment, extra });

const alarms = (json: Synthesized) => Object.values(resourcesOf(json, 'aws_cloudwatch_metric_alarm'));
const alarm = (json: Synthesized, suffix: string): Block => {
  const found = alarms(json).find((a) => String(a.alarm_name) === `t-${suffix}`);
  if (!found) throw new Error(`no alarm t-${suffix}`);
  return found;
};

describe('AWS alarms', () => {
  const prod = synth(configFrom(aws('prod', 'alarms:\n  emails: [oncall@example.com, ml@example.com]\n')));
  const dev = synth(configFrom(aws('dev')));

  it('watches the load balancer, the tasks and the database, each alarm notifying the topic on alarm and on OK', () => {
    expect(alarms(prod).map((a) => a.alarm_name).sort()).toEqual(
      ['5xx-rate', 'database-connections', 'database-cpu', 'database-free-storage', 'latency-p90', 'running-tasks', 'unhealthy-targets'].map((n) => `t-${n}`),
    );
    const topic = '${aws_sns_topic.alarms_topic_';
    for (const a of alarms(prod)) {
      expect(String((a.alarm_actions as string[])[0])).toContain(topic);
      expect(String((a.ok_actions as string[])[0])).toContain(topic);
    }
  });

  it('computes the 5xx rate with metric math over target and load balancer 5xx, 1% in production and 5% elsewhere', () => {
    const rate = alarm(prod, '5xx-rate');
    const queries = rate.metric_query as Block[];
    expect(queries.map((q) => q.id)).toEqual(['target5xx', 'elb5xx', 'requests', 'rate']);
    expect(queries[3]).toMatchObject({ return_data: true, expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / IF(requests > 0, requests, 1)' });
    expect(rate.threshold).toBe(1);
    expect(alarm(dev, '5xx-rate').threshold).toBe(5);
  });

  it('pages when fewer tasks run than the minimum (Container Insights), also when the metric is missing', () => {
    expect(alarm(prod, 'running-tasks')).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      metric_name: 'RunningTaskCount',
      comparison_operator: 'LessThanThreshold',
      threshold: 2,
      treat_missing_data: 'breaching',
    });
    expect(onlyResource(prod, 'aws_ecs_cluster').setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
  });

  it('sets the connection alarm from the instance class limit: db.t4g.medium (4 GiB, the production default) allows 360, 80% of it in production', () => {
    expect(alarm(prod, 'database-connections')).toMatchObject({ metric_name: 'DatabaseConnections', threshold: 288 });
    // db.t4g.micro (the non-production default): 1 GiB -> 90 connections, 90% of it outside production.
    expect(alarm(dev, 'database-connections').threshold).toBe(81);
  });

  it('alarms on free storage for RDS only: Aurora storage grows by itself', () => {
    expect(alarm(prod, 'database-free-storage')).toMatchObject({ metric_name: 'FreeStorageSpace', threshold: Math.floor(20 * 1024 ** 3 * 0.1) });
    const aurora = synth(configFrom(aws('dev').replace('database: {}', 'database: { engine: aurora-postgresql }')));
    expect(alarms(aurora).map((a) => a.alarm_name)).not.toContain('t-database-free-storage');
    expect(alarm(aurora, 'database-cpu').dimensions).toEqual({ DBClusterIdentifier: expect.stringContaining('aws_rds_cluster.') });
  });

  it('reports tasks that stop on a failure through EventBridge', () => {
    const rule = Object.values(resourcesOf(prod, 'aws_cloudwatch_event_rule')).find((r) => String(r.name).endsWith('-task-failures')) as Block;
    const pattern = JSON.parse(String(rule.event_pattern)) as { detail: Record<string, string[]> };
    expect(pattern.detail).toMatchObject({ group: ['service:mlflow'], lastStatus: ['STOPPED'], stopCode: ['EssentialContainerExited', 'TaskFailedToStart'] });
  });

  it('encrypts the topic with the platform logs key, whose policy lets CloudWatch (scoped to this account) and EventBridge use it', () => {
    const topic = onlyResource(prod, 'aws_sns_topic');
    expect(String(topic.kms_master_key_id)).toMatch(/aws_kms_key\.logs-key/);
    const key = Object.entries(resourcesOf(prod, 'aws_kms_key')).find(([k]) => k.startsWith('logs-key'))?.[1] as Block;
    const statements = (JSON.parse(String(key.policy)) as { Statement: Block[] }).Statement;
    const cw = statements.find((s) => s.Sid === 'CloudWatchAlarmsToEncryptedTopics') as Block;
    expect(cw).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
    expect(JSON.stringify(cw.Condition)).toContain('aws:SourceAccount');
    // EventBridge requests carry no source context: a condition on it would drop every event.
    expect(statements.find((s) => s.Sid === 'EventBridgeToEncryptedTopics')?.Condition).toBeUndefined();
  });

  it('subscribes each configured e-mail address, keyed by address', () => {
    const subs = resourcesOf(prod, 'aws_sns_topic_subscription');
    expect(Object.values(subs).map((s) => [s.protocol, s.endpoint])).toEqual([
      ['email', 'oncall@example.com'],
      ['email', 'ml@example.com'],
    ]);
    expect(Object.keys(subs).some((k) => k.includes('oncall-example-com'))).toBe(true);
  });

  it('creates no alarms when alarms.enabled is false', () => {
    const off = synth(configFrom(aws('dev', 'alarms:\n  enabled: false\n')));
    expect(alarms(off)).toEqual([]);
    expect(resourcesOf(off, 'aws_sns_topic')).toEqual({});
  });

  it('rejects an e-mail address that is not one (and any Terraform expression)', () => {
    expect(() => configFrom(aws('dev', 'alarms:\n  emails: ["oncall at example.com"]\n'))).toThrow(/alarms\.emails\[0\]: expected an e-mail address such as oncall@example\.com/);
    expect(() => configFrom(aws('dev', 'alarms:\n  emails: ["${var.x}@example.com"]\n'))).toThrow(/alarms\.emails\[0\]: "\$\{" is not allowed in config values/);
  });
});

describe('Azure alerts', () => {
  const prod = synth(configFrom(azure('prod', 'alarms:\n  emails: [oncall@example.com]\n')));
  const alerts = Object.values(resourcesOf(prod, 'azurerm_monitor_metric_alert'));
  const alert = (suffix: string) => alerts.find((a) => a.name === `t-${suffix}`) as Block;

  it('alerts on the same signals as AWS, through one action group with the configured receivers', () => {
    expect(alerts.map((a) => a.name).sort()).toEqual(
      ['5xx-count', 'database-connections', 'database-cpu', 'database-storage', 'latency', 'replicas'].map((n) => `t-${n}`),
    );
    expect(onlyResource(prod, 'azurerm_monitor_scheduled_query_rules_alert_v2').name).toBe('t-restarts');
    expect(onlyResource(prod, 'azurerm_monitor_action_group').email_receiver).toEqual([
      { name: 'oncall@example.com', email_address: 'oncall@example.com', use_common_alert_schema: true },
    ]);
    for (const a of alerts) expect(String((a.action as Block[])[0].action_group_id)).toContain('azurerm_monitor_action_group.');
  });

  it('counts 5xx responses of the container app and watches the flexible server metrics', () => {
    expect((alert('5xx-count').criteria as Block[])[0]).toMatchObject({
      metric_namespace: 'Microsoft.App/containerApps',
      metric_name: 'Requests',
      dimension: [{ name: 'statusCodeCategory', operator: 'Include', values: ['5xx'] }],
    });
    // GP_Standard_D2ds_v5: 844 user connections; 80% in production.
    expect((alert('database-connections').criteria as Block[])[0]).toMatchObject({ metric_name: 'active_connections', threshold: 675 });
    expect((alert('replicas').criteria as Block[])[0]).toMatchObject({ metric_name: 'Replicas', operator: 'LessThan', threshold: 2 });
  });

  it('watches the average response time in milliseconds (ResponseTime, "Average Response Time (Preview)", ms)', () => {
    expect((alert('latency').criteria as Block[])[0]).toMatchObject({ metric_name: 'ResponseTime', aggregation: 'Average', threshold: 3000 });
  });

  it('pages on every new restart: a log search over the restart events of the last 15 minutes, not the cumulative RestartCount metric', () => {
    // RestartCount ("Total Replica Restart Count") is cumulative per replica: a metric threshold on it fires once and stays fired.
    expect(alerts.some((a) => (a.criteria as Block[])[0].metric_name === 'RestartCount')).toBe(false);
    const rule = onlyResource(prod, 'azurerm_monitor_scheduled_query_rules_alert_v2');
    expect(rule).toMatchObject({ evaluation_frequency: 'PT5M', window_duration: 'PT15M', auto_mitigation_enabled: true, severity: 2, location: 'westeurope' });
    expect(String((rule.scopes as string[])[0])).toMatch(/^\$\{azurerm_log_analytics_workspace\./);
    expect(String(((rule.action as Block).action_groups as string[])[0])).toContain('azurerm_monitor_action_group.');
    const criteria = (rule.criteria as Block[])[0];
    expect(criteria).toMatchObject({ time_aggregation_method: 'Count', operator: 'GreaterThan', threshold: 0 });
    // Diagnostic setting destination (logsDestination azure-monitor): resource-specific table, columns without the _s suffix.
    const query = String(criteria.query);
    expect(query.split('\n')[0]).toBe('ContainerAppSystemLogs');
    expect(query).toContain('| where ContainerAppName == "t-mlflow"');
    expect(query).toMatch(/Reason in~ \("ContainerTerminated"/);
    expect(query).not.toMatch(/_CL|_s\b/);
    // The app the query filters on is the tracking container app of the stack.
    expect(onlyResource(prod, 'azurerm_container_app').name).toBe('t-mlflow');
  });
});

describe('policy warning: production alarms without a destination', () => {
  it('warns (naming alarms.emails) but still synthesizes', () => {
    const dir = tempDirWith({ 'p.yaml': aws('prod') });
    const out: string[] = [];
    const err: string[] = [];
    const outdir = path.join(dir, 'out');
    const code = runPlatform({ configLocation: path.join(dir, 'p.yaml'), outdir, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/warning: \S+p\.yaml: alarms\.emails: production alarms have no destination: set alarms\.emails \[MLP-OPS-1 aws_ecs_service\.\S+ in stack t\]/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 't', 'cdk.tf.json'))).toBe(true);
  });

  it('does not warn outside production or with a receiver', () => {
    for (const yaml of [aws('dev'), azure('prod', 'alarms:\n  emails: [oncall@example.com]\n')]) {
      const dir = tempDirWith({ 'p.yaml': yaml });
      const out: string[] = [];
      expect(runPlatform({ configLocation: path.join(dir, 'p.yaml'), outdir: path.join(dir, 'out'), out: (l) => out.push(l), err: () => undefined })).toBe(0);
      expect(out.join('\n')).not.toContain('warning');
    }
  });
});
