import { Construct } from 'constructs';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorMetricAlert, type MonitorMetricAlertCriteria } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { alarmThresholds } from '../shared/alarm-thresholds';
import { checkWholeNumber } from './validate';

export interface TrackingAlertsProps {
  readonly namePrefix: string;
  readonly resourceGroupName: string;
  /** Resource id of the tracking container app (Microsoft.App/containerApps). */
  readonly containerAppId: string;
  /** Name of the tracking container app (the `ContainerAppName` of its system log records). */
  readonly containerAppName: string;
  /** Resource id of the Log Analytics workspace the environment's diagnostic setting sends its logs to. */
  readonly logAnalyticsWorkspaceId: string;
  /** Region of the log search alert rule (the workspace's). */
  readonly location: string;
  /** Resource id of the PostgreSQL flexible server. */
  readonly databaseId: string;
  /** The server's user connection limit (constructs/shared/db-connections.ts). */
  readonly maxConnections: number;
  /** Running replicas below this alert. */
  readonly minReplicas: number;
  /** E-mail receivers of the action group. @default none */
  readonly emails?: readonly string[];
  /** Stricter thresholds. @default true */
  readonly production?: boolean;
}

/**
 * Azure Monitor metric alerts for the same signals as the AWS alarms, with one action group:
 * server errors, response time, replicas below the minimum, replica restarts, database CPU, storage
 * and connections. Metric names: "Supported metrics for Microsoft.App/containerApps" and
 * "Microsoft.DBforPostgreSQL/flexibleServers" (Azure Monitor reference). Azure metric alerts cannot
 * divide one metric by another: the error alert counts 5xx responses instead of a rate.
 */
export class TrackingAlerts extends Construct {
  public readonly actionGroupId: string;
  public readonly alertNames: string[] = [];

  constructor(scope: Construct, id: string, props: TrackingAlertsProps) {
    super(scope, id);
    checkWholeNumber(this, 'maxConnections', props.maxConnections, 1);
    checkWholeNumber(this, 'minReplicas', props.minReplicas, 0, 300);
    const t = alarmThresholds(props.production ?? true);
    const group = new MonitorActionGroup(this, 'action-group', {
      name: `ag-${props.namePrefix}-mlflow`,
      resourceGroupName: props.resourceGroupName,
      shortName: 'mlflow',
      emailReceiver: (props.emails ?? []).map((email) => ({ name: email, emailAddress: email, useCommonAlertSchema: true })),
    });
    this.actionGroupId = group.id;
    const alert = (alertId: string, description: string, scope: string, criteria: MonitorMetricAlertCriteria, window = 'PT5M') => {
      const name = `${props.namePrefix}-${alertId}`;
      this.alertNames.push(name);
      new MonitorMetricAlert(this, alertId, {
        name,
        resourceGroupName: props.resourceGroupName,
        scopes: [scope],
        description: `${description} (runbook: Alarms, ${alertId})`,
        severity: 2,
        frequency: 'PT1M',
        windowSize: window,
        autoMitigate: true,
        criteria: [criteria],
        action: [{ actionGroupId: group.id }],
      });
    };
    const app = props.containerAppId;
    const apps = 'Microsoft.App/containerApps';
    const errors = props.production === false ? 50 : 10;
    alert('5xx-count', `More than ${errors} requests failed with a 5xx in 5 minutes`, app, {
      metricNamespace: apps,
      metricName: 'Requests',
      aggregation: 'Total',
      operator: 'GreaterThan',
      threshold: errors,
      dimension: [{ name: 'statusCodeCategory', operator: 'Include', values: ['5xx'] }],
    });
    // ResponseTime: "Average Response Time (Preview)", milliseconds, aggregation Average (Azure Monitor
    // reference, "Supported metrics for Microsoft.App/containerApps",
    // learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-app-containerapps-metrics).
    alert('latency', `Average response time above ${t.latencyP90Seconds} s`, app, {
      metricNamespace: apps,
      metricName: 'ResponseTime',
      aggregation: 'Average',
      operator: 'GreaterThan',
      threshold: t.latencyP90Seconds * 1000,
    }, 'PT15M');
    // An app that scales to zero has no replica floor to watch.
    if (props.minReplicas > 0) {
      alert('replicas', `Fewer than ${props.minReplicas} replica(s) running`, app, {
        metricNamespace: apps,
        metricName: 'Replicas',
        aggregation: 'Minimum',
        operator: 'LessThan',
        threshold: props.minReplicas,
      });
    }
    this.restartAlert(props, group.id);
    const pg = 'Microsoft.DBforPostgreSQL/flexibleServers';
    alert('database-cpu', `Database CPU above ${t.databaseCpuPercent}%`, props.databaseId, {
      metricNamespace: pg,
      metricName: 'cpu_percent',
      aggregation: 'Average',
      operator: 'GreaterThan',
      threshold: t.databaseCpuPercent,
    }, 'PT15M');
    alert('database-storage', `Database storage more than ${100 - t.freeStoragePercent}% used`, props.databaseId, {
      metricNamespace: pg,
      metricName: 'storage_percent',
      aggregation: 'Maximum',
      operator: 'GreaterThan',
      threshold: 100 - t.freeStoragePercent,
    });
    const connections = Math.floor((props.maxConnections * t.connectionsPercent) / 100);
    alert('database-connections', `Database connections above ${t.connectionsPercent}% of the limit (${props.maxConnections})`, props.databaseId, {
      metricNamespace: pg,
      metricName: 'active_connections',
      aggregation: 'Maximum',
      operator: 'GreaterThan',
      threshold: connections,
    });
  }

  /**
   * Replica restarts. The RestartCount metric ("Total Replica Restart Count") is cumulative per
   * replica, so a threshold on it fires once and stays fired. Instead a log search alert counts the
   * container restart events of the app in the last 15 minutes: every new restart pages again, and
   * the alert resolves once 15 minutes pass without one. The environment's diagnostic setting
   * (logsDestination azure-monitor, constructs/azure/tracking-app.ts) writes system logs to the
   * resource-specific table `ContainerAppSystemLogs` (columns without the `_s` suffix of the legacy
   * `ContainerAppSystemLogs_CL` table the log-analytics destination writes).
   */
  private restartAlert(props: TrackingAlertsProps, actionGroupId: string): void {
    const name = `${props.namePrefix}-restarts`;
    this.alertNames.push(name);
    new MonitorScheduledQueryRulesAlertV2(this, 'restarts', {
      name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      scopes: [props.logAnalyticsWorkspaceId],
      description: 'A tracking container restarted or was terminated (runbook: Alarms, restarts)',
      severity: 2,
      evaluationFrequency: 'PT5M',
      windowDuration: 'PT15M',
      autoMitigationEnabled: true,
      criteria: [
        {
          query: restartQuery(props.containerAppName),
          timeAggregationMethod: 'Count',
          operator: 'GreaterThan',
          threshold: 0,
          failingPeriods: { numberOfEvaluationPeriods: 1, minimumFailingPeriodsToTriggerAlert: 1 },
        },
      ],
      action: { actionGroups: [actionGroupId] },
    });
  }
}

/** KQL: the container restart and termination events of one container app. */
export function restartQuery(containerAppName: string): string {
  return [
    'ContainerAppSystemLogs',
    `| where ContainerAppName == "${containerAppName}"`,
    '| where Reason in~ ("ContainerTerminated", "ContainerCrashing", "ContainerBackOff", "BackOff") or Reason contains "Restart"',
  ].join('\n');
}
