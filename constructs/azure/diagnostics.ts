import type { Construct } from 'constructs';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';

/** Sends every log category and all metrics of a resource to a Log Analytics workspace. */
export function sendDiagnostics(scope: Construct, id: string, targetResourceId: string, workspaceId: string, metrics = true): MonitorDiagnosticSetting {
  return new MonitorDiagnosticSetting(scope, id, {
    name: 'to-log-analytics',
    targetResourceId,
    logAnalyticsWorkspaceId: workspaceId,
    enabledLog: [{ categoryGroup: 'allLogs' }],
    enabledMetric: metrics ? [{ category: 'AllMetrics' }] : undefined,
  });
}
