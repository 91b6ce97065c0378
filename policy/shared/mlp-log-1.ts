import { LOG_RETENTION_MIN } from '../helpers';
import type { Rule } from '../types';

/** MLP-LOG-1: Logs are encrypted and kept for a bounded, sufficient time. */
export const MLP_LOG_1: Rule = {
  id: 'MLP-LOG-1',
  title: 'Logs are encrypted and kept for a bounded, sufficient time',
  why: 'Logs hold request paths, user names and errors; unbounded retention costs money, too short loses evidence.',
  fix: 'CloudWatch: kms_key_id and retention_in_days (>= 30, >= 365 in production). Log Analytics: retention_in_days >= 30 (>= 365 in production).',
  appliesTo: ['aws_cloudwatch_log_group', 'azurerm_log_analytics_workspace'],
  check: ({ type, block }, ctx) => {
    const min = ctx.production ? LOG_RETENTION_MIN.production : LOG_RETENTION_MIN.other;
    const days = Number(block.retention_in_days ?? 0);
    if (type === 'aws_cloudwatch_log_group' && !block.kms_key_id) return 'the log group is not encrypted with a KMS key';
    return days >= min ? undefined : `retention is ${days || 'unlimited or unset'} days; expected at least ${min}`;
  },
};
