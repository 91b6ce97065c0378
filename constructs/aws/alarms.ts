import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { type AlarmThresholds, alarmThresholds } from '../shared/alarm-thresholds';
import type { EncryptionKey } from './encryption-key';
import { policyJson } from './iam';

/** The database the alarms watch. */
export interface AlarmedDatabase {
  /** RDS instance (postgres) or Aurora cluster. */
  readonly kind: 'instance' | 'cluster';
  /** DBInstanceIdentifier or DBClusterIdentifier. */
  readonly identifier: string;
  /** The connection limit (constructs/shared/db-connections.ts). */
  readonly maxConnections: number;
  /** Allocated storage in GiB (RDS only: Aurora storage grows by itself). @default no storage alarm */
  readonly allocatedStorageGb?: number;
}

export interface TrackingAlarmsProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  /** Encrypts the topic; its policy must allow alarm notifications (EncryptionKey allowAlarmNotifications). */
  readonly key: EncryptionKey;
  /** E-mail subscriptions (each must be confirmed by its owner). @default none */
  readonly emails?: readonly string[];
  /** `arn_suffix` of the load balancer and of its target group. */
  readonly loadBalancerArnSuffix: string;
  readonly targetGroupArnSuffix: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  /** Running tasks below this page. */
  readonly minTasks: number;
  readonly database: AlarmedDatabase;
  /** Stricter thresholds. @default true */
  readonly production?: boolean;
}

/**
 * CloudWatch alarms for the tracking platform, one KMS-encrypted SNS topic they notify (alarm and
 * OK), optional e-mail subscriptions, and an EventBridge rule that reports tasks that stopped on a
 * failure (crash loops show here before the running-count alarm).
 */
export class TrackingAlarms extends Construct {
  public readonly topicArn: string;
  /** Alarm names, for the runbook and tests. */
  public readonly alarmNames: string[] = [];
  private readonly props: TrackingAlarmsProps;
  private readonly thresholds: AlarmThresholds;

  constructor(scope: Construct, id: string, props: TrackingAlarmsProps) {
    super(scope, id);
    this.props = props;
    this.thresholds = alarmThresholds(props.production ?? true);
    const topic = new SnsTopic(this, 'topic', { name: `${props.namePrefix}-alarms`, kmsMasterKeyId: props.key.arn });
    this.topicArn = topic.arn;
    (props.emails ?? []).forEach(
      (email) => new SnsTopicSubscription(this, `email-${email.replace(/[^A-Za-z0-9]/g, '-')}`, { topicArn: topic.arn, protocol: 'email', endpoint: email }),
    );
    this.addLoadBalancerAlarms();
    this.addServiceAlarms(topic);
    this.addDatabaseAlarms();
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: topic.arn,
      policy: policyJson([
        {
          Sid: 'CloudWatchAlarms',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
        {
          Sid: 'TaskFailureEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
  }

  private alarm(id: string, description: string, config: Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmDescription'>): void {
    const name = `${this.props.namePrefix}-${id}`;
    this.alarmNames.push(name);
    new CloudwatchMetricAlarm(this, id, {
      alarmName: name,
      alarmDescription: `${description} (runbook: Alarms, ${id})`,
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      treatMissingData: 'notBreaching',
      ...config,
    });
  }

  private addLoadBalancerAlarms(): void {
    const { loadBalancerArnSuffix: lb, targetGroupArnSuffix: tg } = this.props;
    const t = this.thresholds;
    const albMetric = (id: string, metricName: string) => ({
      id,
      metric: { namespace: 'AWS/ApplicationELB', metricName, period: 60, stat: 'Sum', dimensions: { LoadBalancer: lb } },
    });
    this.alarm('5xx-rate', `More than ${t.errorRatePercent}% of requests fail with a 5xx`, {
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.errorRatePercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      metricQuery: [
        albMetric('target5xx', 'HTTPCode_Target_5XX_Count'),
        albMetric('elb5xx', 'HTTPCode_ELB_5XX_Count'),
        albMetric('requests', 'RequestCount'),
        { id: 'rate', label: '5xx rate (%)', returnData: true, expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / IF(requests > 0, requests, 1)' },
      ],
    });
    const dimensions = { LoadBalancer: lb, TargetGroup: tg };
    this.alarm('latency-p90', `90% of requests take longer than ${t.latencyP90Seconds} s`, {
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      extendedStatistic: 'p90',
      period: 300,
      evaluationPeriods: 2,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.latencyP90Seconds,
      dimensions,
    });
    this.alarm('unhealthy-targets', 'A tracking task fails the load balancer health check', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'UnHealthyHostCount',
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      dimensions,
    });
  }

  private addServiceAlarms(topic: SnsTopic): void {
    const p = this.props;
    // Container Insights (enabled on the cluster) publishes RunningTaskCount per service.
    this.alarm('running-tasks', `Fewer than ${p.minTasks} tracking task(s) running`, {
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      statistic: 'Minimum',
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: 'LessThanThreshold',
      threshold: p.minTasks,
      treatMissingData: 'breaching',
      dimensions: { ClusterName: p.clusterName, ServiceName: p.serviceName },
    });
    // Task restarts: every task of the service that stops because a container failed.
    const rule = new CloudwatchEventRule(this, 'task-failures', {
      name: `${p.namePrefix}-mlflow-task-failures`,
      description: 'An MLflow task stopped because its container exited or it failed to start',
      eventPattern: JSON.stringify({
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: {
          clusterArn: [p.clusterArn],
          group: [`service:${p.serviceName}`],
          lastStatus: ['STOPPED'],
          stopCode: ['EssentialContainerExited', 'TaskFailedToStart'],
        },
      }),
    });
    new CloudwatchEventTarget(this, 'task-failures-target', { rule: rule.name, arn: topic.arn });
  }

  private addDatabaseAlarms(): void {
    const db = this.props.database;
    const t = this.thresholds;
    const dimensions: Record<string, string> = { [db.kind === 'instance' ? 'DBInstanceIdentifier' : 'DBClusterIdentifier']: db.identifier };
    const rds = { namespace: 'AWS/RDS', dimensions, statistic: 'Average', period: 300, evaluationPeriods: 2 };
    this.alarm('database-cpu', `Database CPU above ${t.databaseCpuPercent}%`, {
      ...rds,
      metricName: 'CPUUtilization',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.databaseCpuPercent,
    });
    const connections = Math.floor((db.maxConnections * t.connectionsPercent) / 100);
    this.alarm('database-connections', `Database connections above ${t.connectionsPercent}% of the limit (${db.maxConnections})`, {
      ...rds,
      statistic: 'Maximum',
      metricName: 'DatabaseConnections',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: connections,
    });
    if (db.kind === 'instance' && db.allocatedStorageGb) {
      const bytes = Math.floor(db.allocatedStorageGb * 1024 ** 3 * (t.freeStoragePercent / 100));
      this.alarm('database-free-storage', `Less than ${t.freeStoragePercent}% of the initial storage free (autoscaling at its ceiling?)`, {
        ...rds,
        statistic: 'Minimum',
        metricName: 'FreeStorageSpace',
        comparisonOperator: 'LessThanThreshold',
        threshold: bytes,
      });
    }
  }
}
