import { resourcesOfTypes } from '../helpers';
import type { Rule } from '../types';

/** MLP-OPS-1: Production alarms reach someone. */
export const MLP_OPS_1: Rule = {
  id: 'MLP-OPS-1',
  level: 'warning',
  title: 'Production alarms reach someone',
  why: 'An alarm nobody receives pages nobody: a production outage would go unnoticed until users report it.',
  fix: 'Set alarms.emails in the deployment config (or subscribe on-call tooling to the alarm topic / action group and suppress this warning with the reason).',
  appliesTo: ['aws_ecs_service', 'azurerm_container_app'],
  check: ({ type }, ctx) => {
    if (!ctx.production) return undefined;
    const aws = type === 'aws_ecs_service';
    const destinations = aws
      ? resourcesOfTypes(ctx.json, ['aws_sns_topic_subscription']).length
      : resourcesOfTypes(ctx.json, ['azurerm_monitor_action_group']).filter((g) => ((g.block.email_receiver ?? []) as unknown[]).length > 0).length;
    const alarms = resourcesOfTypes(ctx.json, [aws ? 'aws_cloudwatch_metric_alarm' : 'azurerm_monitor_metric_alert']).length;
    if (alarms === 0) return 'production has no alarms: set alarms.enabled to true';
    return destinations > 0 ? undefined : 'production alarms have no destination: set alarms.emails';
  },
};
