import type { Construct } from 'constructs';
import { LogAnalyticsWorkspaceTable } from '@cdktf/provider-azurerm/lib/log-analytics-workspace-table';

/**
 * The Log Analytics tables this platform writes to: the Container Apps environment's console and
 * system logs (resource-specific tables of the `azure-monitor` logs destination), the database's and
 * Key Vault's resource logs (AzureDiagnostics, the diagnostic settings' default destination), the
 * blob service's StorageBlobLogs and every resource's AllMetrics (AzureMetrics).
 */
export const PLATFORM_LOG_TABLES = ['ContainerAppConsoleLogs', 'ContainerAppSystemLogs', 'AzureDiagnostics', 'StorageBlobLogs', 'AzureMetrics'] as const;

/** The table of the tracking server's stdout/stderr: the high-volume one, and the one a Basic plan may take. */
export const CONSOLE_LOG_TABLE = 'ContainerAppConsoleLogs';

export interface LogTablesProps {
  /** Resource id of the Log Analytics workspace. */
  readonly workspaceId: string;
  /** Interactive retention of the workspace, days (the tables' interactive retention). */
  readonly retentionDays: number;
  /**
   * Interactive plus long-term retention of every table in PLATFORM_LOG_TABLES, days.
   * @default retentionDays (no long-term retention)
   */
  readonly totalRetentionDays?: number;
  /** Table plan of ContainerAppConsoleLogs. @default Analytics */
  readonly consolePlan?: 'Analytics' | 'Basic';
}

/**
 * Table settings of the platform's log tables (azurerm 4.55 `azurerm_log_analytics_workspace_table`:
 * it updates a table that exists in every workspace, never creates or deletes one; deleting the
 * resource sets the table back to the workspace's retention). Nothing is declared when every table
 * keeps the workspace's settings. A Basic table takes no `retention_in_days` (the provider's
 * CustomizeDiff refuses it; the Basic plan's interactive retention is fixed), only the total.
 * Ids are the table names: adding a table never touches another.
 */
export function configureLogTables(scope: Construct, props: LogTablesProps): LogAnalyticsWorkspaceTable[] {
  const total = props.totalRetentionDays ?? props.retentionDays;
  const plan = props.consolePlan ?? 'Analytics';
  if (total === props.retentionDays && plan === 'Analytics') return [];
  return PLATFORM_LOG_TABLES.map(
    (name) =>
      new LogAnalyticsWorkspaceTable(scope, `log-table-${name}`, {
        workspaceId: props.workspaceId,
        name,
        plan: name === CONSOLE_LOG_TABLE ? plan : 'Analytics',
        totalRetentionInDays: total,
      }),
  );
}
