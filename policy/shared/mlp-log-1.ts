import { PLATFORM_LOG_TABLES } from '../../constructs/azure/log-tables';
import { LOG_RETENTION_MIN, referencing } from '../helpers';
import type { Block, Rule } from '../types';

/** Total (interactive + long-term) retention of a Log Analytics table; without a total, its interactive retention. */
const totalDays = (table: Block) => Number(table.total_retention_in_days ?? table.retention_in_days ?? 0);

/** MLP-LOG-1: Logs are encrypted and kept for a bounded, sufficient time. */
export const MLP_LOG_1: Rule = {
  id: 'MLP-LOG-1',
  title: 'Logs are encrypted and kept for a bounded, sufficient time',
  why: 'Logs hold request paths, user names and errors; unbounded retention costs money, too short loses evidence.',
  fix:
    'CloudWatch: kms_key_id and retention_in_days (>= 30, >= 365 in production). Log Analytics: retention_in_days >= 30; in production >= 365, ' +
    `or total_retention_in_days >= 365 (long-term retention) on every table the platform writes (${PLATFORM_LOG_TABLES.join(', ')}).`,
  appliesTo: ['aws_cloudwatch_log_group', 'azurerm_log_analytics_workspace', 'azurerm_log_analytics_workspace_table'],
  check: ({ type, block, address }, ctx) => {
    const min = ctx.production ? LOG_RETENTION_MIN.production : LOG_RETENTION_MIN.other;
    if (type === 'azurerm_log_analytics_workspace_table') {
      const days = totalDays(block);
      return days >= min ? undefined : `total retention of table ${String(block.name)} is ${days || 'unset'} days; expected at least ${min}`;
    }
    const days = Number(block.retention_in_days ?? 0);
    if (type === 'aws_cloudwatch_log_group') {
      if (!block.kms_key_id) return 'the log group is not encrypted with a KMS key';
      return days >= min ? undefined : `retention is ${days || 'unlimited or unset'} days; expected at least ${min}`;
    }
    // A workspace: at least 30 days interactive; in production 365 days interactive, or long-term
    // retention on every table the platform writes to.
    if (days < LOG_RETENTION_MIN.other) return `retention is ${days || 'unset'} days; expected at least ${LOG_RETENTION_MIN.other}`;
    if (days >= min) return undefined;
    const tables = referencing(ctx.json, 'azurerm_log_analytics_workspace_table', 'workspace_id', address);
    const short = PLATFORM_LOG_TABLES.filter((name) => !tables.some((t) => t.name === name && totalDays(t) >= min));
    return short.length === 0 ? undefined : `retention is ${days} days and ${short.join(', ')} keep(s) no ${min}-day total retention; expected at least ${min}`;
  },
};
